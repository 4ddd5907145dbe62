// zz-api-dbrestart.test.mjs - the database goes away and comes back.
// While it is down every call that needs it answers 503 quickly with the
// JSON error shape (and /api/health says so); once it is back, the same
// FastCGI processes reconnect by themselves. It stops MariaDB, so it
// runs after the other API tests (name order), and it leaves the stack
// running again.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import * as L from './lib.mjs';

const run = promisify(execFile);
const ctl = (cmd) => run('bash', [`${L.ROOT}deploy/db-ctl.sh`, cmd], { env: process.env });
const VAR = process.env.POSTES_VAR_DIR;

// The FastCGI processes serving /api/ (children of lighttpd, or of the
// pool Apache talks to): their pids must not change.
function apiPids() {
  const lpid = readFileSync(`${VAR}/run/api-parent.pid`, 'utf8').trim();
  const out = execFileSync('ps', ['-e', '-o', 'pid=,ppid=,args='], { encoding: 'utf8' });
  return out.split('\n').map((l) => l.trim().split(/\s+/)).filter((f) => f[2]?.endsWith('/postes-api'))
    .filter((f) => f[1] === lpid).map((f) => Number(f[0])).sort();
}

const dbUp = () => { try { L.sql('SELECT 1'); return true; } catch { return false; } };

after(async () => {
  // Whatever happened, leave the database running for the tests after us.
  if (!dbUp()) await ctl('start');
});

test('database down: 503 with the JSON error shape; back up: the API reconnects without a restart', async () => {
  const staff = await L.admin();
  const p = await L.newPoste(staff);
  const k = L.kiosk(p.token);
  const s = await L.newSession(staff);
  assert.equal((await k.post('/api/kiosk/heartbeat')).status, 200);
  // Warm up every FastCGI process (each has its own connection).
  for (let i = 0; i < 6; i++) assert.equal((await staff.get('/api/dashboard/stats')).status, 200);
  const pids = apiPids();
  assert.ok(pids.length >= 1, 'FastCGI processes found');
  const pusherWasUp = await L.pusherUp();

  await ctl('stop');
  assert.equal(dbUp(), false, 'MariaDB is down');
  try {
    let r = await L.request('GET', '/api/health');
    assert.equal(r.status, 503);
    assert.deepEqual(r.json, { status: 'degraded', database: 'unreachable' });
    assert.equal(r.headers.get('retry-after'), '2');
    const calls = [
      ['GET', '/api/dashboard/stats', { cookie: staff.cookie }],
      ['GET', '/api/utilisateurs', { cookie: staff.cookie }],
      ['POST', '/api/utilisateurs', { cookie: staff.cookie, body: { nom: 'Pendant', prenom: 'Panne' } }],
      ['POST', `/api/sessions/${s.id}/extend`, { cookie: staff.cookie, body: { duree: 60 } }],
      ['POST', '/api/auth/login', { body: { username: L.ADMIN_USER, password: L.ADMIN_PASSWORD } }],
      ['POST', '/api/kiosk/heartbeat', { bearer: p.token }],
      ['POST', '/api/kiosk/validate', { bearer: p.token, body: { code: s.code } }],
      ['GET', `/api/events?channel=sessions/${s.id}`, { cookie: staff.cookie }],
    ];
    for (let round = 0; round < 2; round++) {	// reach every process
      for (const [m, path, opts] of calls) {
        const t0 = Date.now();
        r = await L.request(m, path, opts);
        const ms = Date.now() - t0;
        assert.equal(r.status, 503, `${m} ${path}: ${r.text}`);
        assert.deepEqual(Object.keys(r.json), ['error'], `${m} ${path}`);
        assert.equal(r.json.error.code, 'unavailable', `${m} ${path}`);
        assert.equal(typeof r.json.error.message, 'string');
        assert.equal(r.headers.get('retry-after'), '2', `${m} ${path}`);
        assert.ok(ms < 5000, `${m} ${path} took ${ms} ms`);
      }
    }
  } finally {
    await ctl('start');
  }
  assert.equal(dbUp(), true, 'MariaDB is back');

  // The very next calls succeed, on every process, with no restart.
  let r = await L.request('GET', '/api/health');
  assert.equal(r.status, 200, r.text);
  for (let i = 0; i < 6; i++) {
    r = await staff.get('/api/dashboard/stats');
    assert.equal(r.status, 200, r.text);
  }
  r = await staff.post('/api/utilisateurs', { nom: L.uniq('Apres'), prenom: 'Panne' });
  assert.equal(r.status, 201, r.text);
  r = await k.post('/api/kiosk/heartbeat');
  assert.equal(r.status, 200, r.text);
  r = await k.post('/api/kiosk/start', { code: s.code });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.session.statut, 'active');
  r = await staff.get(`/api/events?channel=sessions/${s.id}&since=0&limit=200`);
  assert.equal(r.status, 200);
  assert.deepEqual(r.json.events.map((e) => e.type), ['session_created', 'session_started']);
  assert.equal((await staff.post(`/api/sessions/${s.id}/terminate`)).status, 200);
  // Nothing written while it was down.
  assert.equal(L.sqlOne("SELECT COUNT(*) FROM utilisateurs WHERE nom = 'Pendant' AND prenom = 'Panne'"), '0');
  assert.deepEqual(apiPids(), pids, 'the FastCGI processes were not restarted');
  if (pusherWasUp) await L.waitUntil(() => L.pusherUp(), 10000, 'pusher healthy');
});
