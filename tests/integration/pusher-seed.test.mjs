// pusher-seed.test.mjs - clients written against the seed's messages
// keep working (issue 9, item 10). The seed's examples, reproduced:
//
//   {"type":"time_update","session_id":7,"temps_restant":1795,
//    "temps_restant_minutes":30,"pourcentage_utilise":0,"statut":"active"}
//   {"type":"session_terminated","session_id":7,"raison":"admin",
//    "message":"Session terminée par l'accueil."}
//   {"type":"code_valid","session":{"id":7,"code_acces":"ABC123",
//    "utilisateur":"Jeanne Dupont","poste":"Poste 1","duree_initiale":1800}}
//   client -> {"type":"get_time","session_id":7}
//
// Each is checked for the seed's fields, with today's still present.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as L from './pusher-lib.mjs';

const SEED = {
  time_update: { type: 'time_update', session_id: 7, temps_restant: 1795, temps_restant_minutes: 30,
    pourcentage_utilise: 0, statut: 'active' },
  session_terminated: { type: 'session_terminated', session_id: 7, raison: 'admin',
    message: "Session terminée par l'accueil." },
  code_valid: { type: 'code_valid', session: { id: 7, code_acces: 'ABC123', utilisateur: 'Jeanne Dupont',
    poste: 'Poste 1', duree_initiale: 1800 } },
};
// Every key of the seed's example is there, with a value of the same type.
function likeSeed(msg, seed, path = '') {
  for (const [k, v] of Object.entries(seed)) {
    assert.ok(k in msg, `${path}${k} missing in ${JSON.stringify(msg).slice(0, 300)}`);
    if (v !== null && typeof v === 'object') likeSeed(msg[k], v, `${path}${k}.`);
    else assert.equal(typeof msg[k], typeof v, `${path}${k}`);
  }
}

test('time_update carries the seed fields; get_time honours its session_id', async () => {
  const k = await L.startSession(1800);
  const sid = k.session.id;
  const c = L.wsOpen(`/ws/sessions/${sid}/?ticket=${L.enc(k.ticket)}`);
  await c.ready;
  await c.waitFor((m) => m.type === 'subscribed');
  const tu = await c.waitFor((m) => m.type === 'time_update', 3000);
  likeSeed(tu, SEED.time_update);
  assert.equal(tu.session_id, sid);
  assert.equal(tu.statut, 'active');
  assert.ok(tu.temps_restant > 1790 && tu.temps_restant <= 1800);
  assert.equal(tu.temps_restant_minutes, Math.ceil(tu.temps_restant / 60));
  assert.equal(tu.pourcentage_utilise, Math.round(100 * (1800 - tu.temps_restant) / 1800));
  assert.equal(tu.data.temps_restant, tu.temps_restant, "today's data is kept");
  assert.match(tu.data.fin_prevue, /Z$/);
  // get_time for this session: its time; for another: refused, nothing leaked.
  const n0 = c.msgs.length;
  c.send({ type: 'get_time', session_id: sid });
  await c.waitFor((m, i) => c.msgs.indexOf(m) >= n0 && m.type === 'time_update' && m.session_id === sid);
  c.send({ type: 'get_time', session_id: sid + 1000 });
  const e = await c.waitFor((m) => m.type === 'error' && m.data.request === 'get_time');
  assert.equal(e.data.code, 'forbidden');
  assert.equal(e.data.session_id, sid + 1000);
  for (const bad of [{ type: 'get_time', session_id: '7' }, { type: 'get_time', session_id: -1 },
    { type: 'get_time', session_id: 1.5 }]) {
    const n = c.msgs.length;
    c.send(bad);
    await c.waitFor((m) => c.msgs.indexOf(m) >= n && m.type === 'error' && m.data.code === 'bad_message');
  }
  assert.equal(c.closed, null);
  c.close();
});

test('session_terminated carries a top-level raison and message; code_valid the seed session fields', async () => {
  const poste = await L.createPoste();
  const s = await L.createSession(1800);
  const cookie = await L.login();
  const t = await L.api('POST', '/api/auth/ticket', undefined, { cookie });
  const c = L.wsOpen(`/ws/sessions/?ticket=${L.enc(t.json.ticket)}`);
  await c.ready;
  await c.waitFor((m) => m.type === 'subscribed');
  let r = await L.api('POST', '/api/kiosk/validate', { code: s.code }, { bearer: poste.token });
  likeSeed(r.json, SEED.code_valid);
  const cv = await c.waitFor((m) => m.type === 'code_valid' && m.session_id === s.id);
  likeSeed(cv, SEED.code_valid);
  assert.deepEqual(cv.session, cv.data.session);
  assert.equal(cv.data.session.code_acces, s.code);
  assert.match(cv.data.session.poste, /^P-/, 'the poste where the code was typed');
  assert.equal(cv.poste_id, poste.id);
  r = await L.api('POST', `/api/sessions/${s.id}/terminate`, {}, { cookie });
  assert.equal(r.status, 200);
  const term = await c.waitFor((m) => m.type === 'session_terminated' && m.session_id === s.id);
  likeSeed(term, SEED.session_terminated);
  assert.equal(term.raison, 'admin');
  assert.equal(term.message, SEED.session_terminated.message);
  assert.equal(term.data.raison, 'admin', "today's data is kept");
  c.close();
});
