// pusher-front-eventsource.test.mjs - a plain EventSource (the
// `eventsource` package, as a browser's) through the front server
// (lighttpd or Apache, FRONT) survives the pusher being down for several
// seconds. EventSource gives up for good on any answer but a 200
// text/event-stream; while the pusher is down the front answers /events/
// with a 200 stream that only says "retry" and ends, so the client comes
// back with its Last-Event-ID and, once the pusher is up, gets every event
// it missed, once, in order. The pusher's own refusals still pass through.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventSource } from 'eventsource';
import * as L from './pusher-lib.mjs';

const until = async (pred, ms, what) => {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > ms) throw new Error(`timeout: ${what}`);
    await L.sleep(50);
  }
};

test('through the front: pusher down, /events/ answers 200 "retry"; its refusals are kept', async () => {
  // Up: a bad ticket is the pusher's 401, not replaced by the front.
  let r = await fetch(`${L.BASE}/events/postes?ticket=nope`);
  assert.equal(r.status, 401);
  L.pusherCtl('stop');
  try {
    r = await fetch(`${L.BASE}/events/postes?ticket=nope`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /^text\/event-stream/);
    const text = await r.text();	// ends by itself
    assert.match(text, /^retry: \d+$/m);
    assert.doesNotMatch(text, /^(data|event|id):/m, 'no event, no id');
  } finally {
    L.pusherCtl('start');
  }
});

test('EventSource through the front: pusher stopped 6 s then started, every event once, in order', async () => {
  const t = L.enc(await L.staffTicket());
  const es = new EventSource(`${L.BASE}/events/postes?ticket=${t}`);
  const got = [];
  let opens = 0;
  let errors = 0;
  let subscribed = 0;
  es.addEventListener('open', () => { opens++; });
  es.addEventListener('error', () => { errors++; });
  es.addEventListener('subscribed', () => { subscribed++; });
  es.addEventListener('poste_created', (e) => {
    const m = JSON.parse(e.data);
    assert.equal(e.lastEventId, String(m.id));
    got.push(m.id);
  });
  try {
    await until(() => subscribed === 1, 5000, 'subscribed');
    const before = L.lastEventId();
    await L.createPoste();
    await L.createPoste();
    await until(() => got.length === 2, 5000, 'two live events');

    L.pusherCtl('stop');
    const down = Date.now();
    for (let i = 0; i < 3; i++) {
      await L.createPoste();	// while the pusher is down
      await L.sleep(2000);
    }
    assert.ok(Date.now() - down >= 6000);
    assert.notEqual(es.readyState, EventSource.CLOSED, 'the EventSource did not give up');
    assert.ok(errors >= 2, `it reconnected while the pusher was down (${errors} ends)`);
    L.pusherCtl('start');
    await until(() => subscribed === 2, 15000, 'subscribed again');
    await L.createPoste();
    const want = L.outboxSince(before).filter((x) => x.type === 'poste_created').map((x) => x.id);
    assert.equal(want.length, 6);
    await until(() => got.length >= want.length, 5000, 'all events');
    await L.sleep(300);
    assert.deepEqual(got, want, 'every event once, in order');
    assert.ok(opens >= 3, `opens: ${opens}`);
  } finally {
    es.close();
  }
});
