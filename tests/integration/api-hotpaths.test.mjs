// The API's two hot paths stay exact once made faster (issue 10, docs/performance.md):
// dashboard/stats, kept per process and keyed on the outbox head, shows
// every change at the next request whichever API process answers; and
// kiosk/validate, one transaction, records its code_valid event with the
// session, clears the code throttle when it held failures and writes
// nothing to it otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as L from './lib.mjs';

const staff = new L.Client();
test.before(async () => { await staff.login(L.ADMIN_USER, L.ADMIN_PASSWORD); });

const counts = L.dashboardCounts;
const flat = (s) => [s.utilisateurs.total, s.utilisateurs.actifs, s.utilisateurs.nouveaux_mois,
  s.sessions.total, s.sessions.actives, s.sessions.en_attente, s.sessions.terminees_aujourd_hui,
  s.postes.total, s.postes.disponibles, s.postes.occupes, s.postes.hors_ligne];

// Several answers in a row (the front deals them to every API process):
// each equals the database's counts of that moment. The clock may move a
// poste (hors_ligne) or end a code meanwhile: a read bracketed by two
// different counts is read again.
async function statsMatch(what) {
  for (let n = 0; n < 6; n++) {
    let ok = false, got, c1, c2;
    for (let i = 0; i < 5 && !ok; i++) {
      c1 = counts();
      const r = await staff.get('/api/dashboard/stats');
      assert.equal(r.status, 200, r.text);
      c2 = counts();
      got = flat(r.json);
      ok = JSON.stringify(c1) === JSON.stringify(c2);
    }
    assert.deepEqual(got, c2, `${what}: answer ${n + 1}`);
  }
}

test('dashboard/stats: every change shows at the next request, from every API process', async () => {
  await statsMatch('at start');
  const u = await L.newUtilisateur(staff);
  await statsMatch('a new person');
  const p = await L.newPoste(staff);
  await statsMatch('a new poste');
  const s = await L.newSession(staff, { utilisateur_id: u.id });
  await statsMatch('a new session');
  const k = L.kiosk(p.token);
  L.expectStatus(await k.post('/api/kiosk/start', { code: s.code }), 200, 'start');
  await statsMatch('a session started');
  L.expectStatus(await k.post('/api/kiosk/end', {}), 200, 'end');
  await statsMatch('a session suspended');
  L.expectStatus(await staff.post(`/api/sessions/${s.id}/terminate`, {}), 200, 'terminate');
  await statsMatch('a session ended');
  L.expectStatus(await staff.post(`/api/postes/${p.id}/maintenance`, { maintenance: true }), 200, 'maintenance');
  await statsMatch('a poste in maintenance');
  L.expectStatus(await staff.del(`/api/utilisateurs/${u.id}`), 200, 'deactivate');
  await statsMatch('a person deactivated');
});

test('kiosk/validate: one code_valid event with the session; the throttle is cleared only when it held failures', async () => {
  const p = await L.newPoste(staff);
  const k = L.kiosk(p.token);
  const s = await L.newSession(staff);
  const key = `code:${p.id}`;
  const rows = () => L.sql(`SELECT failures FROM throttle WHERE k = '${key}'`);

  // A right code with no failure behind it writes nothing to the throttle.
  let since = L.lastEventId();
  let r = await k.post('/api/kiosk/validate', { code: s.code });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.type, 'code_valid');
  assert.equal(r.json.session.id, s.id);
  assert.equal(r.json.session.poste, p.nom);
  assert.deepEqual(rows(), []);
  const ev = L.sql(`SELECT type, session_id, poste_id, JSON_VALUE(payload, '$.session.id'),
      JSON_VALUE(payload, '$.session.poste') FROM events WHERE id > ${since} AND type LIKE 'code%'`);
  assert.deepEqual(ev, [['code_valid', String(s.id), String(p.id), String(s.id), p.nom]]);
  assert.equal(L.sqlOne(`SELECT statut FROM sessions WHERE id = ${s.id}`), 'en_attente');

  // Two wrong codes are counted; the right one then clears them.
  const wrong = s.code.startsWith('A') ? `B${s.code.slice(1)}` : `A${s.code.slice(1)}`;
  for (let i = 0; i < 2; i++) {
    r = await k.post('/api/kiosk/validate', { code: wrong });
    assert.equal(r.status, 404, r.text);
    assert.equal(r.json.error.code, 'code_inconnu');
  }
  assert.deepEqual(rows(), [['2']]);
  since = L.lastEventId();
  r = await k.post('/api/kiosk/validate', { code: s.code });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(rows(), []);
  assert.equal(Number(L.sqlOne(`SELECT COUNT(*) FROM events WHERE id > ${since} AND type = 'code_valid'
      AND session_id = ${s.id}`)), 1);
});
