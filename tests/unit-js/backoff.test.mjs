import test from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay, Backoff } from '../../www/src/lib/backoff.js';

test('delay doubles, stays within [cap/2, cap] and is capped', () => {
  for (const r of [0, 0.5, 0.999]) {
    const random = () => r;
    for (let a = 0; a < 12; a++) {
      const cap = Math.min(30000, 1000 * 2 ** a);
      const d = backoffDelay(a, { random });
      assert.ok(d >= cap / 2 && d <= cap, `attempt ${a}: ${d} not in [${cap / 2}, ${cap}]`);
    }
  }
  assert.equal(backoffDelay(50, { random: () => 1 }), 30000);
});

test('jitter spreads clients apart', () => {
  const seen = new Set();
  for (let i = 0; i < 50; i++) seen.add(backoffDelay(4));
  assert.ok(seen.size > 10, 'delays should differ between clients');
});

test('Backoff grows with each call and resets', () => {
  const b = new Backoff({ base: 100, max: 1000, random: () => 1 });
  assert.deepEqual([b.next(), b.next(), b.next(), b.next(), b.next()], [100, 200, 400, 800, 1000]);
  b.reset();
  assert.equal(b.next(), 100);
});
