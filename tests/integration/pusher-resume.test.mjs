// pusher-resume.test.mjs - nothing is lost: resume by id on WebSocket and
// SSE, across a kill -9 of the pusher, past a lost ZeroMQ message, from
// the outbox when memory does not reach back, and an explicit reset when
// an id cannot be honoured.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as L from './pusher-lib.mjs';

const POSTES = 4;

// Events on the postes channel after id, per the outbox.
const postesSince = (id, upto = Infinity) => L.outboxSince(id)
  .filter((r) => (r.channels & POSTES) && r.id <= upto).map((r) => r.id);

async function waitHealthy() {
  for (let i = 0; i < 50; i++) {
    try {
      const h = await (await fetch(L.PUSHER + '/healthz')).json();
      if (h.outbox) return;
    } catch { /* not up yet */ }
    await L.sleep(100);
  }
  throw new Error('pusher not healthy');
}

function insertLostEvent() {
  // What an API process does when its ZeroMQ send is lost: the event is
  // committed to the outbox and nobody is told.
  L.sql(`START TRANSACTION;
    UPDATE event_seq SET last_id = last_id + 1 WHERE id = 1;
    INSERT INTO events (id, type, channels, session_id, poste_id, payload)
      SELECT last_id, 'poste_updated', ${POSTES}, NULL, NULL, '{"test":"lost"}'
      FROM event_seq WHERE id = 1;
    COMMIT;`);
  return L.lastEventId();
}

after(async () => {
  // Leave a normal pusher running for the tests that follow.
  try { await waitHealthy(); } catch { L.pusherCtl('start'); }
});

test('WebSocket ?since= and SSE Last-Event-ID replay what was missed, then go live', async () => {
  const t = L.enc(await L.staffTicket());
  await L.createPoste();
  const since = L.lastEventId();
  for (let i = 0; i < 3; i++) await L.createPoste();
  await L.createUser();			// dashboard only: not replayed on postes
  const want = postesSince(since);
  assert.equal(want.length, 3);

  const w = L.wsOpen(`/ws/postes/?ticket=${t}&since=${since}`);
  const s = L.sseOpen(`/events/postes?ticket=${t}`, { 'Last-Event-ID': String(since) });
  const q = L.sseOpen(`/events/postes?ticket=${t}&last_event_id=${since}`);
  for (const c of [w, s, q]) {
    await c.ready;
    const sub = await c.waitFor((m) => m.type === 'subscribed');
    assert.equal(sub.data.replayed, 3);
    // The replay comes before "subscribed", in order.
    const idx = c.msgs.indexOf(sub);
    assert.deepEqual(c.msgs.slice(0, idx).filter((m) => m.id).map((m) => m.id), want);
  }
  const p = await L.createPoste();
  for (const c of [w, s, q]) {
    await c.waitFor((m) => m.type === 'poste_created' && m.data?.id === p.id ||
      (m.type === 'poste_created' && m.poste_id === p.id));
    const ids = c.events().map((m) => m.id);
    assert.deepEqual(ids, [...new Set(ids)].sort((a, b) => a - b), 'no duplicates, in order');
    c.close();
  }
});

test('an id that cannot be honoured gets an explicit reset', async () => {
  const t = L.enc(await L.staffTicket());
  const w = L.wsOpen(`/ws/postes/?ticket=${t}&since=999999999`);
  await w.ready;
  const r = await w.waitFor((m) => m.type === 'reset');
  assert.equal(r.data.reason, 'unknown_id');
  assert.equal(r.data.last_id, L.lastEventId());
  await w.waitFor((m) => m.type === 'subscribed');
  const p = await L.createPoste();
  await w.waitFor((m) => m.type === 'poste_created' && m.poste_id === p.id);
  w.close();
});

test('a lost ZeroMQ message is filled from the outbox, in order', async () => {
  const t = L.enc(await L.staffTicket());
  const w = L.wsOpen(`/ws/postes/?ticket=${t}`);
  await w.ready;
  await w.waitFor((m) => m.type === 'subscribed');
  const lost = insertLostEvent();
  // Alone at the tail: found by the once-a-second check.
  await w.waitFor((m) => m.id === lost, 3000, 'lost event');
  // Lost, then followed by a live one: the live one is held until the gap is read.
  const lost2 = insertLostEvent();
  const p = await L.createPoste();
  await w.waitFor((m) => m.type === 'poste_created' && m.poste_id === p.id);
  const ids = w.events().map((m) => m.id);
  assert.ok(ids.indexOf(lost2) >= 0 && ids.indexOf(lost2) < ids.length - 1, `${ids}`);
  assert.deepEqual(ids, [...new Set(ids)].sort((a, b) => a - b));
  w.close();
});

test('kill -9: events made while the pusher is down reach resuming clients', async () => {
  const t = L.enc(await L.staffTicket());
  const w = L.wsOpen(`/ws/postes/?ticket=${t}`);
  const s = L.sseOpen(`/events/postes?ticket=${t}`);
  for (const c of [w, s]) { await c.ready; await c.waitFor((m) => m.type === 'subscribed'); }
  const p0 = await L.createPoste();
  for (const c of [w, s]) await c.waitFor((m) => m.poste_id === p0.id && m.type === 'poste_created');
  const lastW = Math.max(...w.events().map((m) => m.id));
  const lastS = Number(s.events().at(-1)._sse.id);

  L.pusherCtl('kill9');
  await w.waitFor(() => w.closed, 3000, 'ws closed');
  await s.waitFor(() => s.ended, 3000, 'sse ended');
  for (let i = 0; i < 3; i++) await L.createPoste();	// published to nobody
  L.pusherCtl('start');
  await waitHealthy();
  const missed = postesSince(lastW);
  assert.ok(missed.length >= 3);

  const w2 = L.wsOpen(`/ws/postes/?ticket=${t}&since=${lastW}`);
  const s2 = L.sseOpen(`/events/postes?ticket=${t}`, { 'Last-Event-ID': String(lastS) });
  for (const c of [w2, s2]) {
    await c.ready;
    await c.waitFor((m) => m.type === 'subscribed');
  }
  const p = await L.createPoste();
  for (const c of [w2, s2]) {
    await c.waitFor((m) => m.type === 'poste_created' && m.poste_id === p.id);
    const ids = c.events().map((m) => m.id);
    assert.deepEqual(ids.slice(0, missed.length), missed, 'every missed event, in order');
    assert.deepEqual(ids, [...new Set(ids)].sort((a, b) => a - b), 'no duplicates');
    c.close();
  }
  w.close(); s.close();
});

test('resume older than memory is read from the outbox', async () => {
  const t = L.enc(await L.staffTicket());
  const since = L.lastEventId();
  // A pusher that keeps only 16 events in memory.
  process.env.POSTES_PUSHER_RING = '16';
  L.pusherCtl('restart');
  delete process.env.POSTES_PUSHER_RING;
  await waitHealthy();
  for (let i = 0; i < 20; i++) await L.createPoste();
  const want = postesSince(since);
  // The pusher must hold them before we ask (right after its restart,
  // the API's doorbell reconnects and the once-a-second poll may be the
  // one that reads them).
  for (let i = 0; i < 50; i++) {
    const m = (await L.metrics()).match(/^postes_pusher_last_event_id (\d+)$/m);
    if (m && Number(m[1]) >= want[want.length - 1]) break;
    await L.sleep(100);
  }
  const before = (await L.metrics()).match(/replays_total\{from="outbox"\} (\d+)/)[1];
  const w = L.wsOpen(`/ws/postes/?ticket=${t}&since=${since}`);
  await w.ready;
  const sub = await w.waitFor((m) => m.type === 'subscribed');
  assert.equal(sub.data.replayed, want.length);
  assert.deepEqual(w.events().map((m) => m.id), want);
  const afterM = (await L.metrics()).match(/replays_total\{from="outbox"\} (\d+)/)[1];
  assert.equal(Number(afterM), Number(before) + 1);
  w.close();
  L.pusherCtl('restart');
  await waitHealthy();
});
