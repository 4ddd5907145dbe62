// The fallback state machine of lib/stream.js with fake transports.
import test from 'node:test';
import assert from 'node:assert/strict';
import { StreamClient } from '../../www/src/lib/stream.js';
import { fakeTime } from './fake.mjs';

// A pusher that can be up or down, and an outbox the polling reads.
function world() {
  const w = {
    wsUp: true, sseUp: true, apiUp: true,
    events: [],	// {id, type, channel}
    opened: [],	// [kind, since]
    conns: new Set(),
    polls: 0,
    emit(ev) {
      w.events.push(ev);
      for (const c of w.conns) if (c.live) c.h.message(ev);
    },
    dropAll() {
      for (const c of [...w.conns]) { w.conns.delete(c); c.h.close(); }
    },
  };
  const open = (kind) => (since, h) => {
    w.opened.push([kind, since]);
    const c = { h, live: false, kind };
    const up = kind === 'ws' ? w.wsUp : w.sseUp;
    queueMicrotask(() => {
      if (!up) { h.error(); return; }
      w.conns.add(c);
      for (const e of w.events) if (since !== null && e.id > since) h.message(e);
      c.live = true;
      h.message({ type: 'subscribed', data: { last_id: w.events.at(-1)?.id ?? 0 } });
    });
    return { close: () => w.conns.delete(c), send: () => {} };
  };
  w.connectWs = open('ws');
  w.connectSse = open('sse');
  w.poll = async (channel, since) => {
    w.polls++;
    if (!w.apiUp) throw new Error('network');
    const last = w.events.at(-1)?.id ?? 0;
    const s = since ?? last;
    return { events: w.events.filter((e) => e.id > s && e.channel === channel), last_id: last, reset: false };
  };
  return w;
}

function client(w, t, extra = {}) {
  const got = [];
  const statuses = [];
  const c = new StreamClient({
    channels: ['dashboard', 'sessions'],
    connectWs: w.connectWs, connectSse: w.connectSse, poll: w.poll,
    schedule: t.schedule, cancel: t.cancel, now: t.now, random: () => 0.5,
    onMessage: (m) => got.push(m),
    onStatus: (s) => statuses.push(`${s.status}/${s.mode}`),
    ...extra,
  });
  return { c, got, statuses, ids: () => got.filter((m) => m.id).map((m) => m.id) };
}

test('WebSocket first: live when subscribed', async () => {
  const w = world(), t = fakeTime();
  const { c, statuses } = client(w, t);
  c.start();
  await t.advance(10);
  assert.deepEqual(statuses, ['live/ws']);
  assert.deepEqual(w.opened, [['ws', null]]);
  c.stop();
});

test('WebSocket refused: SSE is live', async () => {
  const w = world(), t = fakeTime();
  w.wsUp = false;
  const { c, statuses } = client(w, t);
  c.start();
  await t.advance(10);
  assert.deepEqual(statuses, ['live/sse']);
  c.stop();
});

test('pusher down: polling (degraded), events still arrive, back to live when it returns', async () => {
  const w = world(), t = fakeTime();
  w.wsUp = w.sseUp = false;
  const { c, statuses, ids } = client(w, t);
  c.start();
  await t.advance(10);
  assert.equal(c.status, 'degraded');
  assert.equal(c.mode, 'poll');
  w.emit({ id: 1, type: 'session_created', channel: 'sessions' });
  w.emit({ id: 2, type: 'stats', channel: 'dashboard' });
  await t.advance(2100);
  assert.deepEqual(ids(), [1, 2]);
  // Rounds keep trying the streams with growing pauses while polling goes on.
  const before = w.opened.length;
  await t.advance(20_000);
  assert.ok(w.opened.length > before, 'the streams are retried');
  w.wsUp = w.sseUp = true;
  await t.advance(20_000);
  assert.equal(c.status, 'live');
  assert.equal(c.mode, 'ws');
  // The stream resumed from what polling had read: no gap, no repeat.
  w.emit({ id: 3, type: 'session_started', channel: 'sessions' });
  await t.advance(10);
  assert.deepEqual(ids(), [1, 2, 3]);
  const polls = w.polls;
  await t.advance(10_000);
  assert.equal(w.polls, polls, 'polling stops once live');
  assert.deepEqual(statuses, ['degraded/poll', 'live/ws']);
  c.stop();
});

test('no pusher on this server: polling from the start, /ws/ and /events/ never tried', async () => {
  const w = world(), t = fakeTime();
  const { c, statuses, ids } = client(w, t, { pusher: false });
  c.start();
  await t.advance(10);
  assert.equal(c.status, 'polling');
  assert.equal(c.mode, 'poll');
  w.emit({ id: 1, type: 'session_created', channel: 'sessions' });
  await t.advance(2100);
  assert.deepEqual(ids(), [1]);
  // An hour later: polling went on at its pace, no stream was ever opened.
  const polls = w.polls;
  await t.advance(3_600_000);
  assert.deepEqual(w.opened, []);
  assert.ok(w.polls - polls >= 2 * 1700, `polled every 2 s (${w.polls - polls} rounds of 2 channels)`);
  assert.deepEqual(statuses, ['polling/poll']);
  // The API down then back: offline, then polling again.
  w.apiUp = false;
  await t.advance(2100);
  assert.equal(c.status, 'offline');
  w.apiUp = true;
  await t.advance(40_000);
  assert.equal(c.status, 'polling');
  assert.deepEqual(w.opened, []);
  c.stop();
});

test('a live stream that drops resumes with since and loses nothing', async () => {
  const w = world(), t = fakeTime();
  const { c, ids } = client(w, t);
  c.start();
  await t.advance(10);
  w.emit({ id: 5, type: 'session_created', channel: 'sessions' });
  await t.advance(10);
  w.wsUp = w.sseUp = false;
  w.dropAll();
  assert.equal(c.status, 'degraded');
  w.events.push({ id: 6, type: 'session_started', channel: 'sessions' });	// while down
  await t.advance(2500);
  assert.deepEqual(ids(), [5, 6], 'polling filled the gap');
  w.wsUp = true;
  w.events.push({ id: 7, type: 'warning', channel: 'sessions' });
  await t.advance(30_000);
  assert.equal(c.status, 'live');
  assert.deepEqual(ids(), [5, 6, 7]);
  const resumed = w.opened.filter(([k]) => k === 'ws').at(-1);
  assert.ok(resumed[1] >= 6, `resumed since ${resumed[1]}`);
  c.stop();
});

test('nothing answers: offline, polling slows down with back-off', async () => {
  const w = world(), t = fakeTime();
  w.wsUp = w.sseUp = w.apiUp = false;
  const { c } = client(w, t);
  c.start();
  await t.advance(10);
  assert.equal(c.status, 'offline');
  const p0 = w.polls;
  await t.advance(60_000);
  const n = w.polls - p0;
  assert.ok(n < 15, `polled ${n} times in a minute while offline`);
  w.apiUp = true;
  await t.advance(31_000);
  assert.equal(c.status, 'degraded');
  c.stop();
});

test('a stream that never subscribes times out and falls back', async () => {
  const w = world(), t = fakeTime();
  const silent = () => ({ close() {}, send() {} });
  const { c } = client(w, t, { connectWs: silent, connectSse: silent });
  c.start();
  await t.advance(4_000);
  assert.equal(c.status, 'connecting');
  await t.advance(7_000);
  assert.equal(c.status, 'degraded');
  c.stop();
});

test('duplicates are dropped, ephemeral messages pass, reset reloads', async () => {
  const w = world(), t = fakeTime();
  let resets = 0;
  const { c, got } = client(w, t, { onReset: () => resets++ });
  c.start();
  await t.advance(10);
  c.receive({ id: 9, type: 'session_created' });
  c.receive({ id: 9, type: 'session_created' });
  c.receive({ type: 'stats_update', id: 9, data: {} });
  c.receive({ type: 'time_update', data: {} });
  assert.equal(got.filter((m) => m.id === 9 && m.type === 'session_created').length, 1);
  assert.equal(got.filter((m) => m.type === 'stats_update').length, 1);
  const before = resets;
  c.receive({ type: 'reset', data: { last_id: 100 } });
  assert.equal(resets, before + 1);
  assert.equal(c.since, 100);
  c.stop();
});

test('no resume point: the first one, from the head, reloads the state once (stream and polling)', async () => {
  // An event made after the application read its state but before the
  // stream subscribed is behind the head: the state must be read again.
  for (const down of [false, true]) {
    const w = world(), t = fakeTime();
    w.wsUp = w.sseUp = !down;
    w.events.push({ id: 7, type: 'message', channel: 'dashboard' });
    let resets = 0;
    const { c } = client(w, t, { onReset: () => resets++ });
    c.start();
    await t.advance(10);
    assert.equal(resets, 1, down ? 'polling' : 'stream');
    assert.equal(c.since, 7);
    // A later drop and resume (a point is known now) reloads nothing.
    w.emit({ id: 8, type: 'message', channel: 'dashboard' });
    w.dropAll();
    await t.advance(20_000);
    assert.equal(resets, 1);
    c.stop();
  }
  // With a resume point given, the subscription is not a reset.
  const w = world(), t = fakeTime();
  w.events.push({ id: 7, type: 'message', channel: 'dashboard' });
  let resets = 0;
  const { c } = client(w, t, { since: 7, onReset: () => resets++ });
  c.start();
  await t.advance(10);
  assert.equal(resets, 0);
  c.stop();
});

test('stop() leaves no timer and no connection', async () => {
  const w = world(), t = fakeTime();
  w.wsUp = w.sseUp = false;
  const { c } = client(w, t);
  c.start();
  await t.advance(5_000);
  c.stop();
  const polls = w.polls;
  await t.advance(60_000);
  assert.equal(w.polls, polls);
  assert.equal(w.conns.size, 0);
});
