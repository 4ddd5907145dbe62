// Leader election across tabs (lib/tabs.js) over a fake BroadcastChannel.
import test from 'node:test';
import assert from 'node:assert/strict';
import { TabElection } from '../../www/src/lib/tabs.js';
import { fakeTime } from './fake.mjs';

function bus(t) {
  const members = new Set();
  return {
    channel() {
      const ch = {
        onmessage: null,
        postMessage(data) {
          const copy = structuredClone(data);
          for (const m of members) if (m !== ch) t.schedule(() => m.onmessage && m.onmessage({ data: copy }), 1);
        },
        close() { members.delete(ch); },
      };
      members.add(ch);
      return ch;
    },
  };
}

function tab(b, t, id, log) {
  const e = new TabElection({
    channel: b.channel(), id, schedule: t.schedule, cancel: t.cancel,
    onLeader: () => log.push(`${id}:leader`),
    onFollower: (l, was) => log.push(`${id}:follows ${l}${was ? ' (stepped down)' : ''}`),
    onMessage: (m) => { if (m.kind === 'data') log.push(`${id}:got ${m.data}`); },
  });
  e.start();
  return e;
}

const leaders = (tabs) => tabs.filter((x) => x.role === 'leader').map((x) => x.id);

test('one tab alone leads', async () => {
  const t = fakeTime(), b = bus(t), log = [];
  const a = tab(b, t, 'a', log);
  await t.advance(2000);
  assert.equal(a.role, 'leader');
  a.stop();
});

test('a second tab follows the first, and gets its relays', async () => {
  const t = fakeTime(), b = bus(t), log = [];
  const a = tab(b, t, 'b1', log);
  await t.advance(2000);
  const c = tab(b, t, 'a0', log);	// smaller id, but the leader is alive
  await t.advance(5000);
  assert.deepEqual(leaders([a, c]), ['b1']);
  assert.equal(c.role, 'follower');
  a.send('event-42');
  await t.advance(10);
  assert.ok(log.includes('a0:got event-42'));
  a.stop(); c.stop();
});

test('tabs opened together elect exactly one leader', async () => {
  const t = fakeTime(), b = bus(t), log = [];
  const tabs = ['t3', 't1', 't2', 't4'].map((id) => tab(b, t, id, log));
  await t.advance(10_000);
  assert.equal(leaders(tabs).length, 1);
  for (const x of tabs) x.stop();
});

test('the leader closes: another takes over quickly', async () => {
  const t = fakeTime(), b = bus(t), log = [];
  const tabs = ['x1', 'x2', 'x3'].map((id) => tab(b, t, id, log));
  await t.advance(5000);
  const [l] = leaders(tabs);
  tabs.find((x) => x.id === l).stop();
  const rest = tabs.filter((x) => x.id !== l);
  await t.advance(1000);
  assert.equal(leaders(rest).length, 1, 'a successor within a second');
  await t.advance(10_000);
  assert.equal(leaders(rest).length, 1);
  for (const x of rest) x.stop();
});

test('the leader dies silently (crash): followers notice the missing beats', async () => {
  const t = fakeTime(), b = bus(t), log = [];
  const tabs = ['y1', 'y2'].map((id) => tab(b, t, id, log));
  await t.advance(5000);
  const l = tabs.find((x) => x.role === 'leader');
  l.clear();
  l.role = 'stopped';	// frozen: no bye, no beat
  const other = tabs.find((x) => x !== l);
  await t.advance(5000);
  assert.equal(other.role, 'leader');
  other.stop();
});

test('two leaders (a frozen tab wakes up): the smaller id keeps it', async () => {
  const t = fakeTime(), b = bus(t), log = [];
  const a = tab(b, t, 'k1', log);
  const c = tab(b, t, 'k2', log);
  await t.advance(3000);
  // Force both to lead.
  if (a.role !== 'leader') a.becomeLeader();
  if (c.role !== 'leader') c.becomeLeader();
  await t.advance(3000);
  assert.deepEqual(leaders([a, c]), ['k1']);
  assert.ok(log.includes('k2:follows k1 (stepped down)'));
  a.stop(); c.stop();
});

test('without BroadcastChannel a tab leads itself', () => {
  let led = false;
  const e = new TabElection({ channel: null, onLeader: () => { led = true; }, schedule: () => 0, cancel: () => {} });
  e.start();
  assert.ok(led);
});
