// cron.test.mjs - the clock of shared hosting: no pusher runs, so what
// time decides is done by `postes-api sweep` from the hosting account's
// crontab, and the dashboards learn it by polling /api/events. The sweep
// is run here exactly as cron runs it: as the hosting account, with a
// bare environment and only POSTES_CONFIG, from the copy in cgi-bin/.
// Run by deploy/shared-hosting/test.sh (env POSTES_NO_PUSHER=1,
// POSTES_SH_USER, POSTES_SH_CGI, POSTES_CONFIG).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as L from '../integration/lib.mjs';

const skip = process.env.POSTES_NO_PUSHER !== '1' && 'only for the shared-hosting profile (deploy/shared-hosting/test.sh)';

// What the crontab line does, once.
function cronSweep() {
  return execFileSync('runuser', ['-u', process.env.POSTES_SH_USER, '--', 'env', '-i',
    'PATH=/usr/bin:/bin', `POSTES_CONFIG=${process.env.POSTES_CONFIG}`,
    ...['ASAN_OPTIONS', 'UBSAN_OPTIONS'].filter((k) => process.env[k]).map((k) => `${k}=${process.env[k]}`),
    process.env.POSTES_SH_CGI, 'sweep'], { encoding: 'utf8' });
}

let staff;
before(async () => { if (!skip) staff = await L.admin(); });

// What a polling dashboard reads on a channel after id since.
async function polled(channel, since) {
  const r = await staff.get(`/api/events?channel=${encodeURIComponent(channel)}&since=${since}`);
  assert.equal(r.status, 200, r.text);
  return r.json.events;
}

test('no pusher here: the browser is told to poll', { skip }, async () => {
  const r = await L.request('GET', '/api/config');
  assert.equal(r.status, 200);
  assert.equal(r.json.pusher, false);
});

test('a running session ends through the cron sweep (temps_ecoule), and polling dashboards see it', { skip }, async () => {
  const p = await L.newPoste(staff);
  const s = await L.newSession(staff, { duree: 600 });
  const k = L.kiosk(p.token);
  assert.equal((await k.post('/api/kiosk/start', { code: s.code })).status, 200);
  const since = L.lastEventId();
  // Its end comes (nobody asks the API meanwhile); the crontab's minute too.
  L.sql(`UPDATE sessions SET fin_prevue = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE id = ${s.id}`);
  assert.equal((await staff.get(`/api/sessions/${s.id}`)).json.statut, 'active', 'nothing ended it before the sweep');
  const out = cronSweep();
  const n = Number((out.match(/^(\d+) change\(s\)$/m) || [])[1]);
  assert.ok(n >= 1, `sweep output: ${out}`);
  const r = await staff.get(`/api/sessions/${s.id}`);
  assert.equal(r.json.statut, 'terminee');
  assert.equal(r.json.raison, 'temps_ecoule');
  assert.equal(L.sqlOne(`SELECT etat FROM postes WHERE id = ${p.id}`), 'disponible');
  // The dashboards' polling carries the ending and the freed poste.
  const ended = (await polled('sessions', since)).filter((e) => e.type === 'session_terminated' && e.session_id === s.id);
  assert.equal(ended.length, 1);
  assert.equal(ended[0].data.raison, 'temps_ecoule');
  const freed = (await polled('postes', since)).filter((e) => e.type === 'poste_status' && e.poste_id === p.id);
  assert.equal(freed.at(-1).data.etat, 'disponible');
  // The kiosk, polling its own channel, reads the same ending.
  const mine = await k.get(`/api/events?channel=sessions/${s.id}&since=${since}`);
  assert.equal(mine.status, 200, mine.text);
  assert.ok(mine.json.events.some((e) => e.type === 'session_terminated'));
  // The next minute's sweep changes nothing of it.
  cronSweep();
  assert.equal(L.sqlOne(`SELECT COUNT(*) FROM events WHERE session_id = ${s.id} AND type = 'session_terminated'`), '1');
});

test('the cron sweep warns before the end, expires codes, and puts silent postes hors_ligne', { skip }, async () => {
  const hb = Number(process.env.POSTES_HEARTBEAT_INTERVAL || 30);
  const p = await L.newPoste(staff);
  const s = await L.newSession(staff, { duree: 3600 });
  const k = L.kiosk(p.token);
  assert.equal((await k.post('/api/kiosk/start', { code: s.code })).status, 200);
  const waiting = await L.newSession(staff, { duree: 900 });
  const since = L.lastEventId();
  L.sql(`UPDATE sessions SET fin_prevue = UTC_TIMESTAMP(3) + INTERVAL 50 SECOND WHERE id = ${s.id}`);
  L.sql(`UPDATE sessions SET valide_jusqu = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE id = ${waiting.id}`);
  cronSweep();
  const evs = await polled('sessions', since);
  assert.ok(evs.some((e) => e.type === 'warning' && e.session_id === s.id), 'a warning for the running session');
  const exp = evs.find((e) => e.type === 'session_terminated' && e.session_id === waiting.id);
  assert.equal(exp?.data.raison, 'expiree');
  // The poste falls silent: after 3 heartbeat intervals, the sweep says so.
  const silent = await L.newPoste(staff);
  await L.kiosk(silent.token).post('/api/kiosk/heartbeat');
  await L.sleep((hb * 3 + 1) * 1000);
  await k.post('/api/kiosk/heartbeat');	// this one is alive
  cronSweep();
  assert.equal(L.sqlOne(`SELECT etat FROM postes WHERE id = ${silent.id}`), 'hors_ligne');
  assert.equal(L.sqlOne(`SELECT etat FROM postes WHERE id = ${p.id}`), 'occupe');
  const off = (await polled('postes', since)).filter((e) => e.poste_id === silent.id && e.type === 'poste_status');
  assert.equal(off.at(-1).data.etat, 'hors_ligne');
});
