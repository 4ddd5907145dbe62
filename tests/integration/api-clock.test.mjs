// api-clock.test.mjs - what time decides, through `postes-api sweep` (the
// cron fallback when the pusher, which runs the clock, is down): sessions
// end at their end time (temps_ecoule) exactly once, codes expire,
// warnings fire once per threshold, silent postes go hors_ligne and come
// back with a heartbeat. The pusher is stopped meanwhile so that the
// sweep under test is the only clock.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import * as L from './lib.mjs';

const run = promisify(execFile);
const sweep = () => run(`${L.BUILD}/postes-api`, ['sweep'], { env: process.env }).then((r) => r.stdout);

function config(key, dflt) {
  try {
    const m = readFileSync(process.env.POSTES_CONFIG, 'utf8').match(new RegExp(`^(?:POSTES_)?${key}=(.*)$`, 'm'));
    if (m) return m[1].trim();
  } catch { /* defaults */ }
  return process.env[`POSTES_${key}`] ?? dflt;
}
const HEARTBEAT = Number(config('HEARTBEAT_INTERVAL', '30'));
const WARN = config('WARN_THRESHOLDS', '300,60').split(',').map((x) => Number(x.trim())).filter(Boolean)
  .sort((a, b) => b - a);

let staff;
before(async () => { staff = await L.admin(); });

const events = (sid, type) => L.sql(`SELECT id, type, payload FROM events WHERE session_id = ${sid}
  ${type ? `AND type = '${type}'` : ''} ORDER BY id`);

async function running(duree = 3600) {
  const p = await L.newPoste(staff);
  const s = await L.newSession(staff, { duree });
  const r = await L.kiosk(p.token).post('/api/kiosk/start', { code: s.code });
  assert.equal(r.status, 200, r.text);
  return { p, s, k: L.kiosk(p.token) };
}

test('a session past its end: terminee/temps_ecoule once, however many sweeps run', async () => {
  await L.withClockStopped(async () => {
    const { p, s, k } = await running();
    await k.post('/api/kiosk/heartbeat');	// the poste itself is alive
    L.sql(`UPDATE sessions SET fin_prevue = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE id = ${s.id}`);
    // While it waits for the clock, time left reads 0, not a negative.
    let r = await staff.get(`/api/sessions/${s.id}`);
    assert.equal(r.json.statut, 'active');
    assert.equal(r.json.temps_restant, 0);
    // Two sweeps at once, then another: one ending.
    const outs = await Promise.all([sweep(), sweep()]);
    for (const o of outs) assert.match(o, /^\d+ change\(s\)$/m);
    await sweep();
    r = await staff.get(`/api/sessions/${s.id}`);
    assert.equal(r.json.statut, 'terminee');
    assert.equal(r.json.raison, 'temps_ecoule');
    assert.equal(r.json.temps_restant, 0);
    const ended = r.json.ended_at;
    const term = events(s.id, 'session_terminated');
    assert.equal(term.length, 1, 'one session_terminated event');
    assert.equal(JSON.parse(term[0][2]).raison, 'temps_ecoule');
    // The poste is free again, and that was said once too.
    assert.equal(L.sqlOne(`SELECT etat FROM postes WHERE id = ${p.id}`), 'disponible');
    assert.equal(L.sqlOne(`SELECT COUNT(*) FROM events WHERE poste_id = ${p.id} AND type = 'poste_status'
      AND payload LIKE '%"etat":"disponible"%' AND id > ${term[0][0]}`), '1');
    // Nothing more happens to it later.
    await sweep();
    r = await staff.get(`/api/sessions/${s.id}`);
    assert.equal(r.json.ended_at, ended);
    assert.equal(events(s.id, 'session_terminated').length, 1);
    // The kiosk sees no session any more; staff cannot end it again.
    r = await k.get('/api/kiosk/session');
    assert.equal(r.json.session, null);
    r = await staff.post(`/api/sessions/${s.id}/terminate`);
    assert.equal(r.status, 409);
  });
});

test('past its end and no clock came by: the API itself treats it as ended (heartbeat, extend, start)', async () => {
  await L.withClockStopped(async () => {
    // The kiosk's heartbeat: no session runs here any more, it ended by time.
    const a = await running();
    L.sql(`UPDATE sessions SET fin_prevue = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE id = ${a.s.id}`);
    let r = await a.k.post('/api/kiosk/heartbeat');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.session, null);
    r = await staff.get(`/api/sessions/${a.s.id}`);
    assert.equal(r.json.statut, 'terminee');
    assert.equal(r.json.raison, 'temps_ecoule');
    assert.equal(L.sqlOne(`SELECT etat FROM postes WHERE id = ${a.p.id}`), 'disponible');
    await sweep();
    assert.equal(events(a.s.id, 'session_terminated').length, 1, 'one ending, whoever saw it first');

    // Staff adding time too late: refused, and the session ends by time.
    const b = await running();
    L.sql(`UPDATE sessions SET fin_prevue = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE id = ${b.s.id}`);
    r = await staff.post(`/api/sessions/${b.s.id}/extend`, { duree: 600 });
    assert.equal(r.status, 409, r.text);
    assert.equal(r.json.error.code, 'invalid_state');
    r = await staff.get(`/api/sessions/${b.s.id}`);
    assert.equal(r.json.statut, 'terminee');
    assert.equal(r.json.raison, 'temps_ecoule');
    assert.equal(r.json.duree_totale, b.s.duree_totale, 'no time was added');
    assert.equal(events(b.s.id, 'session_extended').length, 0);
    assert.equal(events(b.s.id, 'session_terminated').length, 1);

    // A new code on a poste whose session is past its end: the old one
    // ends by time, the new one starts.
    const c = await running();
    L.sql(`UPDATE sessions SET fin_prevue = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE id = ${c.s.id}`);
    const next = await L.newSession(staff, { duree: 900 });
    r = await c.k.post('/api/kiosk/start', { code: next.code });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.session.id, next.id);
    assert.equal(r.json.session.statut, 'active');
    r = await staff.get(`/api/sessions/${c.s.id}`);
    assert.equal(r.json.statut, 'terminee');
    assert.equal(r.json.raison, 'temps_ecoule');
    await sweep();
    assert.equal(events(c.s.id, 'session_terminated').length, 1);

    // Its own code typed again (a reload): refused, and it ends by time.
    const d = await running();
    L.sql(`UPDATE sessions SET fin_prevue = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE id = ${d.s.id}`);
    r = await d.k.post('/api/kiosk/start', { code: d.s.code });
    assert.equal(r.status, 409, r.text);
    assert.equal(r.json.error.code, 'plus_de_temps');
    r = await staff.get(`/api/sessions/${d.s.id}`);
    assert.equal(r.json.statut, 'terminee');
    assert.equal(r.json.raison, 'temps_ecoule');
    assert.equal(events(d.s.id, 'session_terminated').length, 1);
  });
});

test('leaving when the time is up is the end, not a pause (temps_ecoule, once)', async () => {
  await L.withClockStopped(async () => {
    const { s, k } = await running();
    L.sql(`UPDATE sessions SET fin_prevue = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE id = ${s.id}`);
    const r = await k.post('/api/kiosk/end');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.session.statut, 'terminee');
    assert.equal(r.json.session.raison, 'temps_ecoule');
    await sweep();
    assert.equal(events(s.id, 'session_terminated').length, 1);
    assert.equal(events(s.id, 'session_suspended').length, 0);
  });
});

test('codes past their validity expire (raison expiree), waiting or suspended, balance kept', async () => {
  await L.withClockStopped(async () => {
    const waiting = await L.newSession(staff, { duree: 900 });
    const { s: paused, k } = await running(1200);
    assert.equal((await k.post('/api/kiosk/end')).status, 200);
    const kept = Number(L.sqlOne(`SELECT temps_restant FROM sessions WHERE id = ${paused.id}`));
    const fresh = await L.newSession(staff, { duree: 900 });
    L.sql(`UPDATE sessions SET valide_jusqu = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND
      WHERE id IN (${waiting.id}, ${paused.id})`);
    await sweep();
    await sweep();
    for (const [s, left] of [[waiting, 900], [paused, kept]]) {
      const r = (await staff.get(`/api/sessions/${s.id}`)).json;
      assert.equal(r.statut, 'terminee', `session ${s.id}`);
      assert.equal(r.raison, 'expiree');
      assert.equal(r.temps_restant, left);
      assert.equal(events(s.id, 'session_terminated').length, 1);
      // Its code is free again: the kiosk does not know it.
      const v = await L.kiosk((await L.newPoste(staff)).token).post('/api/kiosk/validate', { code: s.code });
      assert.equal(v.status, 404);
    }
    // A code still valid is untouched.
    assert.equal((await staff.get(`/api/sessions/${fresh.id}`)).json.statut, 'en_attente');
    assert.equal((await staff.post(`/api/sessions/${fresh.id}/terminate`)).status, 200);
  });
});

test('warnings: once per threshold as the end nears', async () => {
  assert.ok(WARN.length > 0, 'thresholds configured');
  await L.withClockStopped(async () => {
    const { s } = await running();
    // Just inside the first threshold.
    L.sql(`UPDATE sessions SET fin_prevue = UTC_TIMESTAMP(3) + INTERVAL ${WARN[0] - 5} SECOND WHERE id = ${s.id}`);
    await sweep();
    await sweep();
    let w = events(s.id, 'warning').map((e) => JSON.parse(e[2]).seuil);
    assert.deepEqual(w, [WARN[0]]);
    if (WARN.length > 1) {
      L.sql(`UPDATE sessions SET fin_prevue = UTC_TIMESTAMP(3) + INTERVAL ${WARN[1] - 5} SECOND WHERE id = ${s.id}`);
      await sweep();
      await sweep();
      w = events(s.id, 'warning').map((e) => JSON.parse(e[2]).seuil);
      assert.deepEqual(w, [WARN[0], WARN[1]]);
    }
    // Time added: the warnings start again from the new time left.
    assert.equal((await staff.post(`/api/sessions/${s.id}/extend`, { duree: 3600 })).status, 200);
    L.sql(`UPDATE sessions SET fin_prevue = UTC_TIMESTAMP(3) + INTERVAL ${WARN[0] - 5} SECOND WHERE id = ${s.id}`);
    await sweep();
    w = events(s.id, 'warning').map((e) => JSON.parse(e[2]).seuil);
    assert.equal(w.at(-1), WARN[0]);
    assert.equal((await staff.post(`/api/sessions/${s.id}/terminate`)).status, 200);
  });
});

test(`a poste silent for 3 heartbeat intervals goes hors_ligne; a heartbeat brings it back`, async () => {
  await L.withClockStopped(async () => {
    const free = await L.newPoste(staff);
    const kf = L.kiosk(free.token);
    assert.equal((await kf.post('/api/kiosk/heartbeat')).status, 200);
    const { p: busy, s, k: kb } = await running();
    const silent = 3 * HEARTBEAT + 2;
    // Just seen: nothing happens.
    await sweep();
    assert.equal(L.sqlOne(`SELECT etat FROM postes WHERE id = ${free.id}`), 'disponible');
    const since = L.lastEventId();
    L.sql(`UPDATE postes SET last_seen = UTC_TIMESTAMP(3) - INTERVAL ${silent} SECOND
      WHERE id IN (${free.id}, ${busy.id})`);
    await sweep();
    await sweep();
    for (const p of [free, busy]) {
      const r = (await staff.get(`/api/postes/${p.id}`)).json;
      assert.equal(r.etat, 'hors_ligne', `poste ${p.id}`);
      const ev = L.sql(`SELECT payload FROM events WHERE id > ${since} AND poste_id = ${p.id}
        AND type = 'poste_status'`);
      assert.equal(ev.length, 1, 'one poste_status');
      assert.equal(JSON.parse(ev[0][0]).etat, 'hors_ligne');
    }
    // The session on the silent poste keeps running on the server's clock.
    assert.equal((await staff.get(`/api/sessions/${s.id}`)).json.statut, 'active');
    // Dashboard counts it offline.
    const st = (await staff.get('/api/dashboard/stats')).json;
    assert.ok(st.postes.hors_ligne >= 2);
    // Heartbeats: back to what each was.
    let r = await kf.post('/api/kiosk/heartbeat');
    assert.equal(r.status, 200);
    assert.equal(L.sqlOne(`SELECT etat FROM postes WHERE id = ${free.id}`), 'disponible');
    r = await kb.post('/api/kiosk/heartbeat');
    assert.equal(r.json.session.id, s.id);
    assert.equal(L.sqlOne(`SELECT etat FROM postes WHERE id = ${busy.id}`), 'occupe');
    // Maintenance is a staff decision the clock leaves alone.
    assert.equal((await staff.post(`/api/postes/${free.id}/maintenance`, { maintenance: true })).status, 200);
    L.sql(`UPDATE postes SET last_seen = UTC_TIMESTAMP(3) - INTERVAL ${silent} SECOND WHERE id = ${free.id}`);
    await sweep();
    assert.equal(L.sqlOne(`SELECT etat FROM postes WHERE id = ${free.id}`), 'maintenance');
    // Leaving maintenance while silent: hors_ligne, not disponible.
    r = await staff.post(`/api/postes/${free.id}/maintenance`, { maintenance: false });
    assert.equal(r.json.etat, 'hors_ligne');
    assert.equal((await kf.post('/api/kiosk/heartbeat')).status, 200);
    assert.equal(L.sqlOne(`SELECT etat FROM postes WHERE id = ${free.id}`), 'disponible');
    assert.equal((await staff.post(`/api/sessions/${s.id}/terminate`)).status, 200);
  });
});
