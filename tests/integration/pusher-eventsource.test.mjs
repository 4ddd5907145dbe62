// pusher-eventsource.test.mjs - what a browser's EventSource does: listen
// by event type, and after the pusher is killed (-9) reconnect by itself
// with Last-Event-ID and miss nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventSource } from 'eventsource';
import * as L from './pusher-lib.mjs';
import * as C from './lib.mjs';

test('EventSource: typed events, automatic reconnect after kill -9, nothing lost', async () => {
  const t = L.enc(await L.staffTicket());
  const es = new EventSource(`${L.PUSHER}/events/postes?ticket=${t}`);
  const got = [];
  let opens = 0;
  let subscribed = 0;
  es.addEventListener('open', () => { opens++; });
  es.addEventListener('subscribed', () => { subscribed++; });
  es.addEventListener('poste_created', (e) => {
    const m = JSON.parse(e.data);
    assert.equal(e.lastEventId, String(m.id));
    got.push(m.id);
  });
  const until = async (pred, ms, what) => {
    const t0 = Date.now();
    while (!pred()) {
      if (Date.now() - t0 > ms) throw new Error(`timeout: ${what}`);
      await L.sleep(50);
    }
  };
  try {
    await until(() => subscribed === 1, 5000, 'subscribed');
    const before = L.lastEventId();
    await L.createPoste();
    await L.createPoste();
    await until(() => got.length === 2, 5000, 'two live events');

    L.pusherCtl('kill9');
    await L.createPoste();		// while the pusher is down
    await L.createPoste();
    L.pusherCtl('start');
    await until(() => subscribed === 2, 15000, 'reconnected');
    await L.createPoste();
    const want = L.outboxSince(before).filter((r) => r.type === 'poste_created').map((r) => r.id);
    await until(() => got.length >= want.length, 5000, 'all events');
    assert.ok(opens >= 2, 'reconnected by itself');
    assert.deepEqual(got, want, 'every event once, in order');
  } finally {
    es.close();
  }
});

// A ticket is valid for reconnecting as long as its staff session lives:
// an outage longer than the old 60 s ticket life (65 s by default;
// POSTES_TEST_OUTAGE_S=300 for the five minutes) costs nothing,
// and the same EventSource, same URL, resumes with Last-Event-ID and
// misses nothing. Its session's log-out then ends it for good.
test('EventSource with a ticket: resumes after a long outage, dies with its session', async () => {
  const outage = Number(process.env.POSTES_TEST_OUTAGE_S || 65);
  const c = new C.Client();
  await c.login(C.ADMIN_USER, C.ADMIN_PASSWORD);
  const tr = await c.post('/api/auth/ticket');
  assert.equal(tr.status, 200);
  const es = new EventSource(`${L.PUSHER}/events/postes?ticket=${L.enc(tr.json.ticket)}`);
  const got = [];
  let opens = 0, subscribed = 0, revoked = 0, errors = 0;
  es.addEventListener('open', () => { opens++; });
  es.addEventListener('error', () => { errors++; });
  es.addEventListener('subscribed', () => { subscribed++; });
  es.addEventListener('revoked', () => { revoked++; });
  es.addEventListener('poste_created', (e) => { got.push(JSON.parse(e.data).id); });
  const until = async (pred, ms, what) => {
    const t0 = Date.now();
    while (!pred()) {
      if (Date.now() - t0 > ms) throw new Error(`timeout: ${what}`);
      await L.sleep(50);
    }
  };
  try {
    await until(() => subscribed === 1, 5000, 'subscribed');
    const before = L.lastEventId();
    await L.createPoste();
    await until(() => got.length === 1, 5000, 'a live event');

    L.pusherCtl('kill9');
    const down = Date.now();
    await L.createPoste();		// at the start of the outage
    await L.createPoste();
    await L.sleep(Math.max(0, outage * 1000 - (Date.now() - down) - 2000));
    await L.createPoste();		// at its end
    await L.sleep(Math.max(0, outage * 1000 - (Date.now() - down)));
    L.pusherCtl('start');
    await until(() => subscribed === 2, 20000, 'reconnected with the same ticket');
    const outageS = (Date.now() - down) / 1000;
    await L.createPoste();
    const want = L.outboxSince(before).filter((r) => r.type === 'poste_created').map((r) => r.id);
    await until(() => got.length >= want.length, 5000, 'all events');
    assert.deepEqual(got, want, 'every event once, in order');
    assert.ok(outageS > 60, `outage ${outageS} s`);
    console.log(`# EventSource resume: outage ${outageS.toFixed(1)} s, ${want.length} events expected, ` +
      `${got.length} received, ${opens} opens, ${errors} connection errors meanwhile`);

    // The session ends: a final "revoked", then the reconnection is
    // refused (401) and EventSource stops for good.
    assert.equal((await c.post('/api/auth/logout')).status, 204);
    await until(() => revoked === 1, 5000, 'revoked');
    await until(() => es.readyState === 2, 10000, 'EventSource closed for good');
    assert.equal(subscribed, 2);
  } finally {
    es.close();
  }
});

// An HTTP/1.0 client gets the stream unchunked. The opening and a replay
// of several records (well past the 256 bytes libmicrohttpd asks for per
// call before the stream is handed to an I/O thread) come whole and in
// order, then the live events after them.
test('SSE over HTTP/1.0: a replay of several records, then live events, unchunked', async () => {
  const t = L.enc(await L.staffTicket());
  const from = L.lastEventId();
  for (let i = 0; i < 5; i++) await L.createPoste();
  const replay = L.outboxSince(from).filter((r) => r.channels & 4).map((r) => r.id);
  assert.ok(replay.length >= 5, 'five events to replay');
  const c = L.rawSocket();
  const u = new URL(L.PUSHER);
  c.s.write(`GET /events/postes?ticket=${t} HTTP/1.0\r\nHost: ${u.host}\r\nLast-Event-ID: ${from}\r\n\r\n`);
  const ids = () => [...c.buf.toString().matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
  try {
    await c.until(() => replay.every((id) => ids().includes(id)), 5000);
    const head = c.buf.toString();
    assert.match(head, /^HTTP\/1\.[01] 200/);
    assert.doesNotMatch(head, /transfer-encoding: *chunked/i);
    const before = L.lastEventId();
    await L.createPoste();
    const live = L.outboxSince(before).filter((r) => r.channels & 4).map((r) => r.id);
    assert.ok(live.length >= 1, 'a live event');
    await c.until(() => live.every((id) => ids().includes(id)), 5000);
    const got = ids();
    assert.deepEqual(got.slice(0, replay.length), replay, 'replayed in order, once each');
    assert.equal(new Set(got).size, got.length, 'no id twice');
    // Every record whole: each "id:" line is followed by its event and data.
    const body = c.buf.toString().split('\r\n\r\n').slice(1).join('\r\n\r\n');
    for (const rec of body.split('\n\n').filter((r) => /^id: /m.test(r))) {
      assert.match(rec, /^event: [a-z_]+$/m);
      const data = rec.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
      JSON.parse(data);
    }
  } finally {
    c.s.destroy();
  }
});
