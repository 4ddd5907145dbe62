// pusher-fairness.test.mjs - floods and who may read the pusher's health
// (issue 8). Every WebSocket frame counts toward the 30/s limit, pings,
// pongs and empty continuations included: two flooding clients are
// closed with 1008 and a bystander keeps its heartbeat round-trip (the
// figure is printed; timing goals are asserted in benches, not here).
// /healthz and /metrics answer loopback and staff only, and /healthz
// gives no event id.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import * as L from './pusher-lib.mjs';

const pct = (a, p) => { const s = [...a].sort((x, y) => x - y); return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN; };

// Heartbeat round-trips of a client, one at a time, for ms.
async function rtts(w, ms) {
  const out = [];
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    const n = w.msgs.filter((m) => m.type === 'heartbeat').length;
    const s = process.hrtime.bigint();
    w.send({ type: 'heartbeat' });
    await w.waitFor((m, i) => w.msgs.filter((x) => x.type === 'heartbeat').length > n, 5000, 'heartbeat');
    out.push(Number(process.hrtime.bigint() - s) / 1e6);
    await L.sleep(50);		// 20 frames a second: under the limit
  }
  return out;
}

// A flooder in a worker thread (flood-worker.mjs): stop() resolves
// with { closes: {code: n}, conns }.
function flooder(path, kind) {
  const w = new Worker(new URL('./flood-worker.mjs', import.meta.url), { workerData: { path, kind } });
  const result = new Promise((resolve, reject) => { w.on('message', resolve); w.on('error', reject); });
  return { stop: async () => { w.postMessage('stop'); const r = await result; await w.terminate(); return r; } };
}

test('two flooders (pings, empty continuations) are closed with 1008; a bystander is still served', async () => {
  const t = L.enc(await L.staffTicket());
  const w = L.wsOpen(`/ws/postes/?ticket=${t}`);
  await w.ready;
  await w.waitFor((m) => m.type === 'subscribed');
  const base = await rtts(w, 2000);
  const m0 = await L.metrics();
  const f1 = flooder(`/ws/postes/?ticket=${t}`, 'ping');
  const f2 = flooder(`/ws/postes/?ticket=${t}`, 'cont');
  await L.sleep(300);
  const flood = await rtts(w, 4000);
  const [r1, r2] = await Promise.all([f1.stop(), f2.stop()]);
  const m1 = await L.metrics();
  const fmt = (a) => `p50 ${pct(a, 0.5).toFixed(2)} ms, p99 ${pct(a, 0.99).toFixed(2)} ms, max ${Math.max(...a).toFixed(2)} ms (${a.length})`;
  console.log(`# bystander heartbeat RTT: alone ${fmt(base)}; under two floods ${fmt(flood)}`);
  console.log(`# flooders: ping ${JSON.stringify(r1.closes)} over ${r1.conns} connections, continuation ${JSON.stringify(r2.closes)} over ${r2.conns}`);
  assert.ok(r1.closes[1008] >= 1 && Object.keys(r1.closes).every((k) => k === '1008'), `ping flooder closed 1008: ${JSON.stringify(r1.closes)}`);
  assert.ok(r2.closes[1008] >= 1 && Object.keys(r2.closes).every((k) => k === '1008'), `continuation flooder closed 1008: ${JSON.stringify(r2.closes)}`);
  assert.equal(w.closed, null, 'bystander still connected');
  assert.ok(flood.length >= 10, `bystander served during the flood (${flood.length} round-trips)`);
  const flo = (m) => Number((m.match(/^postes_pusher_drops_total\{transport="ws",reason="flood"\} (\d+)$/m) || [])[1]);
  assert.ok(flo(m1) - flo(m0) >= 2, 'floods counted in /metrics');
  // A pong flood counts too.
  const f3 = flooder(`/ws/postes/?ticket=${t}`, 'pong');
  await L.sleep(1000);
  const r3 = await f3.stop();
  assert.ok(r3.closes[1008] >= 1, `pong flooder closed 1008: ${JSON.stringify(r3.closes)}`);
  w.close();
});

test('/healthz and /metrics: loopback or staff only; /healthz has no event id', async () => {
  let r = await fetch(`${L.PUSHER}/healthz`);
  assert.equal(r.status, 200);
  const h = await r.json();
  assert.equal(h.status, 'ok');
  assert.equal(h.outbox, true);
  assert.equal(h.clock, true);
  assert.equal('last_event_id' in h, false, 'no event id for strangers');
  // Forwarded by a proxy: not loopback any more.
  for (const path of ['/healthz', '/metrics']) {
    r = await fetch(`${L.PUSHER}${path}`, { headers: { 'X-Forwarded-For': '203.0.113.9' } });
    assert.equal(r.status, 403, `${path} through a proxy`);
    assert.equal((await r.json()).error.code, 'forbidden');
    r = await fetch(`${L.PUSHER}${path}`, { headers: { 'X-Forwarded-For': '203.0.113.9', cookie: await L.login() } });
    assert.equal(r.status, 200, `${path} for staff`);
  }
  assert.match(await L.metrics(), /postes_pusher_health_refused_total [1-9]/);
});
