import test from 'node:test';
import assert from 'node:assert/strict';
import { ServerClock, secondsLeft } from '../../www/src/lib/clock.js';

test('offset from a Date header lies within what the round trip allows', () => {
  let client = 1_000_000;
  const c = new ServerClock(() => client);
  // Server is 5 minutes ahead; request left at client 1000000, came back 200 ms later.
  const server = client + 300_000 + 100;		// server time when it answered
  const header = new Date(Math.floor(server / 1000) * 1000).toUTCString();
  c.sampleDateHeader(header, client, client + 200);
  assert.ok(c.synced);
  assert.ok(Math.abs(c.offset - 300_000) <= 1000, `offset ${c.offset}`);
});

test('more samples narrow the offset; a jump restarts it', () => {
  const c = new ServerClock(() => 0);
  const trueOffset = 42_345;
  for (let t = 0; t < 20_000; t += 1_337) {
    const server = t + 10 + trueOffset;
    c.sample(Math.floor(server / 1000) * 1000, t, t + 20, 1000);
  }
  assert.ok(Math.abs(c.offset - trueOffset) < 200, `offset ${c.offset}`);
  // The client clock jumped by an hour: the old interval is dropped.
  c.sample(10_000_000, 9_000_000 - 3_600_000, 9_000_000 - 3_600_000 + 10, 1);
  assert.ok(Math.abs(c.offset - (10_000_000 - 5_400_000)) < 20);
});

test('server_time with milliseconds is precise', () => {
  const c = new ServerClock(() => 0);
  c.sampleIso('2026-11-25T10:00:00.500Z', 0, 10);
  assert.ok(Math.abs(c.offset - (Date.parse('2026-11-25T10:00:00.500Z') - 5)) <= 6);
});

test('now() is the client clock corrected by the offset', () => {
  let client = 5_000;
  const c = new ServerClock(() => client);
  c.sample(65_000, 5_000, 5_000, 1);
  client = 6_000;
  assert.ok(Math.abs(c.now() - 66_000) <= 1);
});

test('secondsLeft derives from the end time, rounds up, never negative', () => {
  const end = '2026-11-25T10:00:00.000Z';
  const t = Date.parse(end);
  assert.equal(secondsLeft(end, t - 60_000), 60);
  assert.equal(secondsLeft(end, t - 59_001), 60);
  assert.equal(secondsLeft(end, t - 59_000), 59);
  assert.equal(secondsLeft(end, t - 1), 1);
  assert.equal(secondsLeft(end, t), 0);
  assert.equal(secondsLeft(end, t + 5_000), 0);
  assert.equal(secondsLeft(null, t), null);
});

test('a countdown with a skewed client clock shows the server truth', () => {
  // The client is 10 minutes slow; the session ends in 90 s by the server.
  const serverNow = Date.parse('2026-11-25T10:00:00.000Z');
  let client = serverNow - 600_000;
  const c = new ServerClock(() => client);
  c.sample(serverNow, client, client, 1);
  const fin = new Date(serverNow + 90_000).toISOString();
  assert.equal(secondsLeft(fin, c.now()), 90);
  client += 30_000;
  assert.equal(secondsLeft(fin, c.now()), 60);
});
