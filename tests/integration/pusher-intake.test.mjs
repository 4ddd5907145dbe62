// pusher-intake.test.mjs - the intake is a closed doorbell (issue 8).
//
// Every endpoint the configuration names gets raw ZMTP/1.0 bytes (a
// forged event, as an attacker would send), HTTP-shaped bytes (what a
// cross-origin fetch() would send), a ZMTP/3 client without keys, and
// forged "events" with wild ids. The stack's own pusher listens on its
// default ipc:// endpoint; a second, real pusher on the same database is
// started with a tcp:// endpoint and CURVE keys from `postes-pusher
// keygen`. Subscribers on both must receive exactly the outbox's rows, in
// order, with no reset and no close, and the forged messages must show up
// as counted refusals or malformed messages, never as events.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { statSync, openSync, readFileSync } from 'node:fs';
import net from 'node:net';
import WebSocket from 'ws';
import * as L from './pusher-lib.mjs';

const BUILD = process.env.POSTES_BUILD || `${new URL('../../build/std', import.meta.url).pathname}`;
const VAR = process.env.POSTES_VAR_DIR;
const RING = `${BUILD}/tests/zmq-ring`;
const cfg = L.readConfig();
const IPC = (cfg.POSTES_ZMQ_ENDPOINT || `ipc://${VAR}/zmq/intake`);

const metric = (text, name) => Number((text.match(new RegExp(`^${name} (\\d+)$`, 'm')) || [])[1] ?? NaN);

// Forged messages: a fake session end for a session that does not
// exist yet, and ids far above the outbox head.
function forged() {
  const head = L.lastEventId();
  return [
    JSON.stringify({ id: head + 1, type: 'session_terminated', session_id: 1, poste_id: 1, data: { raison: 'forged' } }),
    JSON.stringify({ id: 1e12, type: 'poste_status', poste_id: 1, data: { statut: 'hors_ligne' } }),
    String(head + 100000),		// a well-formed doorbell with a wild hint
  ];
}

// ZMTP/1.0 framing by hand: identity frame, then [len+1][flags][body].
function zmtp10(body) {
  const b = Buffer.from(body);
  const parts = [Buffer.from([0x01, 0x00])];
  if (b.length + 1 < 255) parts.push(Buffer.from([b.length + 1, 0]), b);
  else { const h = Buffer.alloc(10); h[0] = 0xff; h.writeBigUInt64BE(BigInt(b.length + 1), 1); parts.push(h, Buffer.from([0]), b); }
  return Buffer.concat(parts);
}

// ZMTP/3.0 NULL by hand: greeting, READY (PUSH), then messages.
function zmtp3null(msgs) {
  const g = Buffer.alloc(64);
  g[0] = 0xff; g[9] = 0x7f; g[10] = 3; g[11] = 0; g.write('NULL', 12);
  const prop = (k, v) => Buffer.concat([Buffer.from([k.length]), Buffer.from(k), Buffer.alloc(4), Buffer.from(v)]);
  const p = prop('Socket-Type', 'PUSH'); p.writeUInt32BE(4, 1 + 'Socket-Type'.length);
  const ready = Buffer.concat([Buffer.from([5]), Buffer.from('READY'), p]);
  const out = [g, Buffer.from([0x04, ready.length]), ready];
  for (const m of msgs) { const b = Buffer.from(m); out.push(Buffer.from([0x00, b.length]), b); }
  return Buffer.concat(out);
}

// Write bytes to an endpoint (tcp://h:p or ipc://path); resolve with
// what came back and whether the peer hung up, after ms.
function rawSend(endpoint, bytes, ms = 700) {
  return new Promise((resolve) => {
    const opts = endpoint.startsWith('ipc://') ? { path: endpoint.slice(6) }
      : { host: endpoint.slice(6).split(':')[0], port: Number(endpoint.split(':').pop()) };
    const s = net.connect(opts);
    let got = Buffer.alloc(0), closed = false;
    s.on('connect', () => s.write(bytes));
    s.on('data', (d) => { got = Buffer.concat([got, d]); });
    s.on('error', () => { closed = true; });
    s.on('close', () => { closed = true; });
    setTimeout(() => { s.destroy(); resolve({ got, closed }); }, ms);
  });
}

function ring(endpoint, msgs, keys = {}) {
  const env = { ...process.env };
  for (const k of ['ZMQ_RING_SERVER_PUBLIC', 'ZMQ_RING_CLIENT_PUBLIC', 'ZMQ_RING_CLIENT_SECRET']) delete env[k];
  Object.assign(env, keys);
  try {
    return execFileSync(RING, [endpoint, ...msgs], { env, encoding: 'utf8', timeout: 10000 }).trim();
  } catch (e) { return (e.stdout || '').trim() || `error ${e.status}`; }
}

function keygen() {
  const out = execFileSync(`${BUILD}/postes-pusher`, ['keygen'], { encoding: 'utf8' });
  const k = {};
  for (const l of out.split('\n')) { const m = l.match(/^(POSTES_[A-Z_]+)='?([^']*)'?$/); if (m) k[m[1]] = m[2]; }
  return k;
}

// Open a staff WebSocket (all channels) and SSE (postes) on a pusher.
async function listeners(base, ticket) {
  const t = L.enc(ticket);
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/ws/multi/?channels=dashboard,sessions,postes&ticket=${t}`);
  const w = { msgs: [], closed: null };
  ws.on('message', (d) => w.msgs.push(JSON.parse(d.toString())));
  ws.on('close', (code) => { w.closed = code; });
  await new Promise((r, j) => { ws.on('open', r); ws.on('error', j); });
  w.ws = ws;
  return w;
}

async function until(pred, ms, what) {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > ms) throw new Error(`timeout: ${what}`);
    await L.sleep(50);
  }
}

// What a listener must have got: the outbox rows after its start, in order.
function checkListener(w, start, head, what) {
  const evs = w.msgs.filter((m) => typeof m.id === 'number' && m.type !== 'stats_update');
  const ids = evs.map((m) => m.id);
  const want = L.outboxSince(start).filter((r) => r.id <= head && (r.channels & 7)).map((r) => r.id);
  assert.deepEqual(ids.filter((i) => i <= head), want, `${what}: exactly the outbox rows`);
  assert.equal(w.msgs.filter((m) => m.type === 'reset').length, 0, `${what}: no reset`);
  assert.equal(w.closed, null, `${what}: not closed`);
  assert.equal(evs.filter((m) => m.data?.raison === 'forged' || m.id >= 1e12).length, 0, `${what}: nothing forged`);
}

let second = null;
after(() => { if (second) second.kill('SIGKILL'); });

test('ipc:// intake: 0700 directory; ZMTP/1.0, HTTP bytes, keyless ZMTP/3 and forged events deliver nothing', async () => {
  assert.ok(IPC.startsWith('ipc://'), `default endpoint is ipc:// (${IPC})`);
  const dir = IPC.slice(6).replace(/\/[^/]*$/, '');
  assert.equal(statSync(dir).mode & 0o777, 0o700, `${dir} is 0700`);

  const ticket = await L.staffTicket();
  const start = L.lastEventId();
  const w = await listeners(L.PUSHER, ticket);
  await until(() => w.msgs.some((m) => m.type === 'subscribed'), 5000, 'subscribed');
  const m0 = await L.metrics();

  const f = forged();
  const r10 = await rawSend(IPC, Buffer.concat(f.map(zmtp10)));
  assert.ok(r10.closed, 'ZMTP/1.0 peer hung up on');
  const rHttp = await rawSend(IPC, Buffer.from(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${f[0].length}\r\n\r\n${f[0]}`));
  assert.ok(rHttp.closed, 'HTTP bytes hung up on');
  // ZMTP/3 without keys (libzmq's own client): the 0700 directory is the
  // gate on ipc://, so the handshake passes, but a message is only a
  // doorbell: the forged events are counted as malformed, the wild id
  // only makes the pusher read the outbox.
  await rawSend(IPC, zmtp3null(f));	// by hand too: delivers nothing either way
  assert.equal(ring(IPC, f), 'accepted');

  // A real event after the noise, then the stream holds exactly the outbox.
  const p = await L.createPoste();
  await until(() => w.msgs.some((m) => m.type === 'poste_created' && m.poste_id === p.id), 5000, 'real event');
  await L.sleep(1500);		// a forged wild id would have acted by now
  checkListener(w, start, L.lastEventId(), 'ipc listener');
  const m1 = await L.metrics();
  const bad = metric(m1, 'postes_pusher_intake_malformed_total') - metric(m0, 'postes_pusher_intake_malformed_total');
  console.log(`# ipc: ZMTP/1.0 and HTTP bytes hung up on; ZMTP/3 keyless: ${bad} malformed messages counted, 0 delivered`);
  assert.ok(bad >= 2, `malformed counted (${bad})`);

  // A flood of junk: every message counted, the log written at most
  // once every 10 s (40 KB in must not make megabytes of log).
  const logLines = () => readFileSync(`${VAR}/log/pusher.log`, 'utf8').split('\n')
    .filter((l) => l.includes('malformed message')).length;
  const l0 = logLines();
  const junk = Array.from({ length: 300 }, (_, i) => `{"id":${1e9 + i},"type":"x"}`);
  assert.equal(ring(IPC, junk), 'accepted');
  let m2;
  for (let i = 0; i < 50; i++) {
    m2 = await L.metrics();
    if (metric(m2, 'postes_pusher_intake_malformed_total') - metric(m1, 'postes_pusher_intake_malformed_total') >= 300) break;
    await L.sleep(100);
  }
  const flood = metric(m2, 'postes_pusher_intake_malformed_total') - metric(m1, 'postes_pusher_intake_malformed_total');
  const lines = logLines() - l0;
  console.log(`# ipc: 300 junk messages: ${flood} counted, ${lines} log line(s)`);
  assert.equal(flood, 300, 'every junk message counted');
  assert.ok(lines <= 1, `log rate-limited (${lines} lines)`);
  checkListener(w, start, L.lastEventId(), 'ipc listener after the flood');
  w.ws.close();
});

test('tcp:// intake needs CURVE: refused without keys; keyless, wrong-key and ZMTP/1.0 peers refused; the right key rings', async () => {
  const zport = Number(process.env.POSTES_ZMQ_PORT || 0) || 24099;
  const hport = zport + 100;
  const endpoint = `tcp://127.0.0.1:${zport}`;
  const base = `http://127.0.0.1:${hport}`;
  const env = { ...process.env, POSTES_ZMQ_ENDPOINT: endpoint, POSTES_PUSHER_PORT: String(hport) };

  // Without keys the pusher refuses to start.
  const bare = spawn(`${BUILD}/postes-pusher`, [], { env, stdio: 'ignore' });
  const code = await new Promise((r) => { const t = setTimeout(() => { bare.kill('SIGKILL'); r('running'); }, 5000); bare.on('exit', (c) => { clearTimeout(t); r(c); }); });
  assert.notEqual(code, 'running', 'a TCP intake without CURVE keys does not start');
  assert.notEqual(code, 0);

  const k = keygen();
  const other = keygen();
  assert.equal(k.POSTES_ZMQ_SERVER_SECRET.length, 40);
  second = spawn(`${BUILD}/postes-pusher`, [], {
    env: { ...env, POSTES_ZMQ_SERVER_SECRET: k.POSTES_ZMQ_SERVER_SECRET, POSTES_ZMQ_CLIENTS: k.POSTES_ZMQ_CLIENTS },
    stdio: ['ignore', openSync(`${VAR}/log/pusher-tcp.log`, 'a'), openSync(`${VAR}/log/pusher-tcp.log`, 'a')],
  });
  for (let i = 0; ; i++) {
    try { if ((await fetch(`${base}/healthz`)).status === 200) break; } catch { /* not yet */ }
    if (i > 100) throw new Error('second pusher not healthy');
    await L.sleep(100);
  }
  const ticket = await L.staffTicket();
  const start = L.lastEventId();
  const w = await listeners(base, ticket);
  await until(() => w.msgs.some((m) => m.type === 'subscribed'), 5000, 'subscribed');
  const mget = async () => (await fetch(`${base}/metrics`)).text();
  const m0 = await mget();

  const f = forged();
  const results = {};
  results.zmtp10 = (await rawSend(endpoint, Buffer.concat(f.map(zmtp10)))).closed ? 'hung up' : 'open';
  results.http = (await rawSend(endpoint, Buffer.from(`POST / HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: ${f[0].length}\r\n\r\n${f[0]}`))).closed ? 'hung up' : 'open';
  results.zmtp3_null_raw = (await rawSend(endpoint, zmtp3null(f))).closed ? 'hung up' : 'open';
  results.zmtp3_no_keys = ring(endpoint, f);
  results.zmtp3_wrong_key = ring(endpoint, f, {
    ZMQ_RING_SERVER_PUBLIC: k.POSTES_ZMQ_SERVER_PUBLIC,
    ZMQ_RING_CLIENT_PUBLIC: other.POSTES_ZMQ_CLIENT_PUBLIC,
    ZMQ_RING_CLIENT_SECRET: other.POSTES_ZMQ_CLIENT_SECRET,
  });
  results.zmtp3_right_key = ring(endpoint, [...f, String(start)], {
    ZMQ_RING_SERVER_PUBLIC: k.POSTES_ZMQ_SERVER_PUBLIC,
    ZMQ_RING_CLIENT_PUBLIC: k.POSTES_ZMQ_CLIENT_PUBLIC,
    ZMQ_RING_CLIENT_SECRET: k.POSTES_ZMQ_CLIENT_SECRET,
  });
  console.log(`# tcp+CURVE injection: ${JSON.stringify(results)}`);
  assert.equal(results.zmtp10, 'hung up');
  assert.equal(results.http, 'hung up');
  assert.equal(results.zmtp3_null_raw, 'hung up');
  assert.match(results.zmtp3_no_keys, /^(refused|timeout)/);
  assert.match(results.zmtp3_wrong_key, /^refused/);
  assert.equal(results.zmtp3_right_key, 'accepted');

  const p = await L.createPoste();
  await until(() => w.msgs.some((m) => m.type === 'poste_created' && m.poste_id === p.id), 5000, 'real event');
  await L.sleep(1500);
  checkListener(w, start, L.lastEventId(), 'tcp listener');
  const m1 = await mget();
  const refused = metric(m1, 'postes_pusher_intake_refused_total') - metric(m0, 'postes_pusher_intake_refused_total');
  assert.ok(refused >= 1, `ZAP refusals counted (${refused})`);
  assert.ok(metric(m1, 'postes_pusher_doorbell_total\\{source="zmq"\\}') > metric(m0, 'postes_pusher_doorbell_total\\{source="zmq"\\}'),
    'the right key rang the doorbell');
  w.ws.close();
  second.kill('SIGTERM');
  await new Promise((r) => second.on('exit', r));
  second = null;
});
