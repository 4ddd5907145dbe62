// pusher-eventsource.test.mjs - what a browser's EventSource does: listen
// by event type, and after the pusher is killed (-9) reconnect by itself
// with Last-Event-ID and miss nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventSource } from 'eventsource';
import * as L from './pusher-lib.mjs';

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
