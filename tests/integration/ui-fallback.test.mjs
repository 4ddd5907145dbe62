// ui-fallback.test.mjs - the dashboard without its pusher: the indicator
// says "degraded", the counters keep changing (polling /api/events and
// /api/dashboard/stats), and it goes back to live when the pusher returns.
import test from 'node:test';
import assert from 'node:assert/strict';
import { launch, staffLogin, waitConn, statValue, NO_PUSHER } from './ui-lib.mjs';
import { createUser, pusherCtl } from './pusher-lib.mjs';

test('dashboard survives the pusher being stopped', { timeout: 120_000, skip: NO_PUSHER && 'no pusher here' }, async (t) => {
  const b = await launch();
  let stopped = false;
  t.after(async () => {
    if (stopped) pusherCtl('start');
    await b.close();
  });
  const p = await b.page();
  await staffLogin(p);
  await waitConn(p, 'live');
  assert.equal(await p.getAttribute('[data-test=conn]', 'data-mode'), 'ws');
  await p.waitForFunction(() => /\d/.test(document.querySelector('[data-stat="utilisateurs.total"] dd').textContent));

  pusherCtl('stop');
  stopped = true;
  await waitConn(p, 'degraded', 20_000);
  assert.equal(await p.getAttribute('[data-test=conn]', 'data-mode'), 'poll');
  assert.match(await p.textContent('[data-test=conn]'), /Mode dégradé/);

  // Counters still change, through polling.
  const before = await statValue(p, 'utilisateurs.total');
  await createUser();
  await createUser();
  await p.waitForFunction((n) => Number(document.querySelector('[data-stat="utilisateurs.total"] dd')
    .textContent.replace(/\D/g, '')) >= n + 2, before, { timeout: 15_000 });

  pusherCtl('start');
  stopped = false;
  await waitConn(p, 'live', 40_000);
  assert.ok(['ws', 'sse'].includes(await p.getAttribute('[data-test=conn]', 'data-mode')));
  // Live again: a change arrives by the stream.
  const mid = await statValue(p, 'utilisateurs.total');
  await createUser();
  await p.waitForFunction((n) => Number(document.querySelector('[data-stat="utilisateurs.total"] dd')
    .textContent.replace(/\D/g, '')) > n, mid, { timeout: 10_000 });
  assert.deepEqual(b.errors, []);
});

test('a proxy that refuses WebSocket: the dashboard is live over SSE', { timeout: 60_000, skip: NO_PUSHER && 'no pusher here' }, async (t) => {
  const b = await launch();
  t.after(() => b.close());
  const p = await b.page();
  // Every WebSocket to /ws/ is closed at once, as a proxy without upgrade would.
  await p.routeWebSocket(/\/ws\//, (ws) => ws.close());
  await staffLogin(p);
  await waitConn(p, 'live', 30_000);
  assert.equal(await p.getAttribute('[data-test=conn]', 'data-mode'), 'sse');
  assert.match(await p.textContent('[data-test=conn]'), /flux SSE/);
  await p.waitForFunction(() => /\d/.test(document.querySelector('[data-stat="utilisateurs.total"] dd').textContent));
  const before = await statValue(p, 'utilisateurs.total');
  await createUser();
  await p.waitForFunction((n) => Number(document.querySelector('[data-stat="utilisateurs.total"] dd')
    .textContent.replace(/\D/g, '')) > n, before, { timeout: 10_000 });
  assert.deepEqual(b.errors, []);
});
