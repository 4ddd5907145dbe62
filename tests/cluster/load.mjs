// load.mjs - the cluster test's load, clients and failures (started by
// tests/cluster/run.sh, which has brought the cluster up).
//
// Through the one front: a writer creates an utilisateur every 100 ms
// (one dashboard event each); every 4 s a poste starts a 60 s session,
// which the pushers' clocks warn (30 s) and end. Clients on `dashboard`:
// WebSocket and SSE streams (the front deals them round-robin over both
// pushers) and pollers of GET /api/events; a stream that drops
// reconnects through the front with a fresh ticket and resumes from its
// last id (WS ?since=, SSE Last-Event-ID). Meanwhile run.sh kills, in
// turn, an API host, a pusher, the relay and the database node the
// writes go to, and brings each back.
//
// At the end the outbox (read on another node) says which dashboard
// events exist; each client must have had every one exactly once, in
// order. Printed: expected / delivered / lost / duplicated / out of
// order per client kind, failover times, sessions ended once, warnings
// once. Exit 1 if any count is wrong.
import { execFile } from 'node:child_process';
import http from 'node:http';
import { promisify } from 'node:util';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../package.json', import.meta.url));
const { WebSocket } = require('ws');
const run = promisify(execFile);
const BASE = process.env.POSTES_BASE_URL;
const WSBASE = BASE.replace(/^http/, 'ws');
const CV = process.env.POSTES_CLUSTER_DIR;
const [DBH, DBPORT] = process.env.POSTES_CLUSTER_DB.split(':');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => Date.now();
const N_WS = 4, N_SSE = 4, N_POLL = 2;

async function sql(q) {
  const { stdout } = await run('mariadb', ['--protocol=tcp', `-h${DBH}`, `-P${DBPORT}`, '-uroot',
    '-N', '-B', 'postes', '-e', q]);
  return stdout.trim().split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
}

async function api(method, path, body, { cookie, bearer } = {}) {
  const headers = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (cookie) headers.cookie = cookie;
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  try {
    const res = await fetch(BASE + path, { method, headers,
      body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(8000) });
    const text = await res.text();
    let json = null; try { json = JSON.parse(text); } catch { /* not JSON */ }
    return { status: res.status, json, headers: res.headers };
  } catch (e) {
    return { status: 0, json: null, error: String(e) };
  }
}

// Retry an idempotent-enough call (login, tickets) across a failover.
async function retry(fn, what) {
  for (let i = 0; i < 300; i++) {
    const r = await fn();
    if (r.status >= 200 && r.status < 300) return r;
    await sleep(100);
  }
  throw new Error(`${what}: gave up`);
}

const ctl = async (cmd) => {
  const t0 = now();
  await run('bash', ['-c', `echo "${cmd}" > "${CV}/ctl"; cat "${CV}/ctl-ack" >/dev/null`], { timeout: 180000 });
  return now() - t0;
};

const login = await retry(() => api('POST', '/api/auth/login',
  { username: 'admin', password: process.env.POSTES_ADMIN_PASSWORD }), 'login');
const cookie = login.headers.get('set-cookie').split(';')[0];
const ticket = async () => (await retry(() => api('POST', '/api/auth/ticket', undefined, { cookie }), 'ticket')).json.ticket;

const startId = Number((await sql('SELECT last_id FROM event_seq WHERE id = 1'))[0][0]);
let stopping = false;

// ---- clients ----------------------------------------------------------
function newClient(kind, n) {
  return { kind, name: `${kind}${n}`, ids: [], last: startId, resets: 0, reconnects: 0,
    down: null, gaps: [], dup: 0, disorder: 0, seen: new Set(), lat: [] };
}
const sentAt = new Map();	// utilisateur id -> time the API answered
function got(c, m) {
  if (typeof m.id !== 'number' || m.type === 'stats_update') {
    if (m.type === 'reset') c.resets++;
    return;
  }
  if (c.seen.has(m.id)) c.dup++;
  else if (m.id < c.last) c.disorder++;
  c.seen.add(m.id);
  c.ids.push(m.id);
  if (m.id > c.last) c.last = m.id;
  if (m.type === 'utilisateur_created' && sentAt.has(m.data?.id)) c.lat.push({ at: sentAt.get(m.data.id), ms: now() - sentAt.get(m.data.id) });
}
function wentDown(c) { if (c.down === null) c.down = now(); }
function cameUp(c) {
  if (c.down !== null) { c.gaps.push({ at: c.down, ms: now() - c.down }); c.down = null; }
}

async function wsLoop(c) {
  while (!stopping) {
    const t = await ticket();
    await new Promise((resolve) => {
      const ws = new WebSocket(`${WSBASE}/ws/dashboard/?ticket=${t}&since=${c.last}`);
      c.close = () => ws.close();
      ws.on('message', (d) => {
        let m; try { m = JSON.parse(d.toString()); } catch { return; }
        if (m.type === 'subscribed') cameUp(c);
        got(c, m);
      });
      ws.on('error', () => {});
      ws.on('unexpected-response', () => resolve());
      ws.on('close', () => resolve());
    });
    if (stopping) break;
    wentDown(c); c.reconnects++;
    await sleep(200);
  }
}

async function sseLoop(c) {
  while (!stopping) {
    const t = await ticket();
    await new Promise((resolve) => {
      const req = http.get(`${BASE}/events/dashboard?ticket=${t}`,
        { headers: { 'Last-Event-ID': String(c.last) } }, (res) => {
          if (res.statusCode !== 200) { res.resume(); res.on('end', resolve); return; }
          cameUp(c);
          let buf = '';
          res.setEncoding('utf8');
          res.on('data', (chunk) => {
            buf += chunk;
            let i;
            while ((i = buf.indexOf('\n\n')) >= 0) {
              const block = buf.slice(0, i); buf = buf.slice(i + 2);
              const data = block.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).replace(/^ /, ''));
              if (!data.length) continue;
              let m; try { m = JSON.parse(data.join('\n')); } catch { continue; }
              got(c, m);
            }
          });
          res.on('end', resolve);
          res.on('error', resolve);
        });
      c.close = () => req.destroy();
      req.on('error', resolve);
    });
    if (stopping) break;
    wentDown(c); c.reconnects++;
    await sleep(200);
  }
}

async function pollLoop(c) {
  while (!stopping || c.final) {
    const r = await api('GET', `/api/events?channel=dashboard&since=${c.last}&limit=200`, undefined, { cookie });
    if (r.status === 200) {
      cameUp(c);
      for (const m of r.json.events) got(c, m);
      if (c.final && r.json.events.length === 0) return;
      if (r.json.events.length === 200) continue;
    } else wentDown(c);
    if (c.final) { await sleep(100); continue; }
    await sleep(500);
  }
}

const clients = [];
for (let i = 0; i < N_WS; i++) clients.push(newClient('websocket', i));
for (let i = 0; i < N_SSE; i++) clients.push(newClient('sse', i));
for (let i = 0; i < N_POLL; i++) clients.push(newClient('polling', i));
const loops = clients.map((c) => (c.kind === 'websocket' ? wsLoop(c) : c.kind === 'sse' ? sseLoop(c) : pollLoop(c)));

// ---- load -------------------------------------------------------------
const writes = { ok: 0, failed: 0, statuses: {}, failRuns: [] };
let failStart = null;
let writing = true;
async function writer() {
  let n = 0;
  while (writing) {
    const t0 = now();
    const r = await api('POST', '/api/utilisateurs', { nom: `Charge${n++}`, prenom: 'Cluster' }, { cookie });
    writes.statuses[r.status] = (writes.statuses[r.status] || 0) + 1;
    if (r.status === 201) {
      writes.ok++; sentAt.set(r.json.id, now());
      if (failStart !== null) { writes.failRuns.push({ at: failStart, ms: now() - failStart }); failStart = null; }
    } else {
      writes.failed++; if (failStart === null) failStart = t0;
    }
    await sleep(100);
  }
}
const sessions = [];
let starting = true;
async function sessionStarter() {
  let k = 0;
  while (starting) {
    const p = await api('POST', '/api/postes', { nom: `C-${process.pid}-${k++}`, emplacement: 'cluster' }, { cookie });
    if (p.status === 201 || p.status === 200) {
      const token = p.json.token;
      await api('POST', '/api/kiosk/heartbeat', undefined, { bearer: token });
      const u = await api('POST', '/api/utilisateurs', { nom: `Sess${k}`, prenom: 'Cluster' }, { cookie });
      const s = u.status === 201 ? await api('POST', '/api/sessions', { utilisateur_id: u.json.id, duree: 60 }, { cookie }) : null;
      if (s && (s.status === 201 || s.status === 200)) {
        const st = await api('POST', '/api/kiosk/start', { code: s.json.code }, { bearer: token });
        if (st.status === 200 || st.status === 201) sessions.push({ id: s.json.id, startedAt: now() });
      }
    }
    await sleep(4000);
  }
}

const t0 = now();
const w = writer();
const ss = sessionStarter();
const failovers = [];
const phase = async (what, name, downMs) => {
  await sleep(8000);
  const at = now();
  const killMs = await ctl(`kill ${name}`);
  await sleep(downMs);
  const startMs = await ctl(`start ${name}`);
  failovers.push({ what, name, at, killMs, down: downMs, restartMs: startMs });
  console.log(`cluster: ${what} (${name}) killed at +${((at - t0) / 1000).toFixed(1)} s, back after ${downMs} ms (+${startMs} ms to restart)`);
};
await phase('an API host', 'api1', 8000);
await phase('a pusher', 'pusher1', 8000);
await phase('the relay', 'relay', 8000);
await phase('the database node written to', 'db1', 10000);
await sleep(8000);
starting = false; await ss;
writing = false; await w;
// Wait for the clock to end every session started (60 s) and settle.
const lastStart = Math.max(0, ...sessions.map((s) => s.startedAt));
while (now() < lastStart + 66000) await sleep(1000);
await sleep(3000);

// ---- counts -----------------------------------------------------------
const want = (await sql(`SELECT id FROM events WHERE id > ${startId} AND (channels & 1) <> 0 ORDER BY id`)).map((r) => Number(r[0]));
const wantSet = new Set(want);
// Let the streams catch up to the last id, then stop them.
const lastWant = want.length ? want[want.length - 1] : startId;
for (let i = 0; i < 100 && clients.some((c) => c.kind !== 'polling' && c.last < lastWant); i++) await sleep(100);
stopping = true;
for (const c of clients) { c.final = c.kind === 'polling'; if (c.close) c.close(); }
await Promise.race([Promise.all(loops), sleep(15000)]);

let ok = true;
const kinds = {};
for (const c of clients) {
  const k = kinds[c.kind] ??= { clients: 0, expected: 0, delivered: 0, lost: 0, duplicated: 0, disorder: 0, unknown: 0, resets: 0, reconnects: 0, maxGap: 0, lat: [] };
  const got_ = new Set(c.ids);
  k.clients++;
  k.expected += want.length;
  k.delivered += c.ids.length;
  k.lost += want.filter((id) => !got_.has(id)).length;
  k.duplicated += c.dup;
  k.disorder += c.disorder;
  k.unknown += c.ids.filter((id) => !wantSet.has(id)).length;
  k.resets += c.resets;
  k.reconnects += c.reconnects;
  k.maxGap = Math.max(k.maxGap, ...c.gaps.map((g) => g.ms), 0);
  if (c.kind !== 'polling') k.lat.push(...c.lat.map((x) => x.ms));
}
const pct = (a, p) => { if (!a.length) return 0; const s = [...a].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
console.log(`cluster: ${want.length} dashboard events in the outbox during the run (ids ${startId + 1}..${lastWant}); writes ${writes.ok} ok, ${writes.failed} refused ${JSON.stringify(writes.statuses)}`);
console.log('cluster: kind       clients expected delivered lost dup disorder resets reconnects max-reconnect-ms p50/p99-latency-ms');
for (const [kind, k] of Object.entries(kinds)) {
  console.log(`cluster: ${kind.padEnd(10)} ${String(k.clients).padStart(7)} ${String(k.expected).padStart(8)} ${String(k.delivered).padStart(9)} ${String(k.lost).padStart(4)} ${String(k.duplicated).padStart(3)} ${String(k.disorder).padStart(8)} ${String(k.resets).padStart(6)} ${String(k.reconnects).padStart(10)} ${String(k.maxGap).padStart(16)} ${pct(k.lat, 0.5)}/${pct(k.lat, 0.99)}`);
  if (k.lost || k.duplicated || k.disorder || k.unknown || k.resets) ok = false;
}
// Failover times: the longest run of refused writes, and the longest
// stream reconnection, that began within each failure's window.
for (const f of failovers) {
  const inWin = (x) => x.at >= f.at - 500 && x.at <= f.at + f.down + f.restartMs + 5000;
  const wr = Math.max(0, ...writes.failRuns.filter(inWin).map((x) => x.ms));
  const rc = Math.max(0, ...clients.flatMap((c) => c.gaps).filter(inWin).map((x) => x.ms));
  const nrc = clients.flatMap((c) => c.gaps).filter(inWin).length;
  const lat = clients.filter((c) => c.kind !== 'polling').flatMap((c) => c.lat).filter((x) => x.at >= f.at && x.at <= f.at + f.down);
  const lmax = Math.max(0, ...lat.map((x) => x.ms));
  console.log(`cluster: failover ${f.what}: writes refused for ${wr} ms; ${nrc} stream reconnects, longest ${rc} ms; stream delivery latency while down: p50 ${pct(lat.map((x) => x.ms), 0.5)} ms, max ${lmax} ms`);
}
// Sessions: ended once, warned once per threshold.
const ends = await sql(`SELECT session_id, COUNT(*) FROM events WHERE id > ${startId} AND type = 'session_terminated' GROUP BY session_id`);
const warns = await sql(`SELECT session_id, JSON_VALUE(payload, '$.seuil'), COUNT(*) FROM events WHERE id > ${startId} AND type = 'warning' GROUP BY 1, 2`);
const endedTwice = ends.filter((r) => Number(r[1]) > 1).length;
const warnedTwice = warns.filter((r) => Number(r[2]) > 1).length;
const ids = sessions.map((s) => s.id);
const ended = new Set(ends.map((r) => Number(r[0])));
const unended = ids.filter((id) => !ended.has(id));
const still = ids.length ? (await sql(`SELECT COUNT(*) FROM sessions WHERE statut = 'active' AND id IN (${ids.join(',')})`))[0][0] : 0;
console.log(`cluster: sessions started ${ids.length}, ended ${ends.length} (${endedTwice} ended more than once, ${unended.length} without an ending, ${still} still active); warnings ${warns.length} (${warnedTwice} doubled)`);
if (endedTwice || warnedTwice || unended.length || Number(still)) ok = false;
const offline = await sql(`SELECT poste_id, COUNT(*) FROM events WHERE id > ${startId} AND type = 'poste_status' AND JSON_VALUE(payload, '$.etat') = 'hors_ligne' GROUP BY poste_id`);
console.log(`cluster: postes put hors_ligne ${offline.length}, more than once: ${offline.filter((r) => Number(r[1]) > 1).length}`);
if (offline.some((r) => Number(r[1]) > 1)) ok = false;
console.log(`cluster: ${ok ? 'PASS' : 'FAIL'} in ${((now() - t0) / 1000).toFixed(0)} s`);
process.exit(ok ? 0 : 1);
