// pusher-clock.test.mjs - the server's clock lives in the pusher: sessions
// end on time with nobody listening, warnings and time_update reach the
// kiosk, silent postes go hors_ligne.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as L from './pusher-lib.mjs';

test('a session ends on time (temps_ecoule, within a second) with nobody connected', async () => {
  const { session, poste } = await L.startSession(3600);
  // Bring the end near: 2 s from now, by the database's clock.
  L.sql(`UPDATE sessions SET fin_prevue = UTC_TIMESTAMP(3) + INTERVAL 2 SECOND
    WHERE id = ${session.id}`);
  const fin = Number(L.sql(`SELECT UNIX_TIMESTAMP(fin_prevue) * 1000 FROM sessions WHERE id = ${session.id}`));
  await L.sleep(3500);
  const [statut, raison, ended] = L.sql(`SELECT statut, raison, UNIX_TIMESTAMP(ended_at) * 1000
    FROM sessions WHERE id = ${session.id}`).split('\t');
  assert.equal(statut, 'terminee');
  assert.equal(raison, 'temps_ecoule');
  const late = Number(ended) - fin;
  assert.ok(late >= 0 && late <= 1000, `ended ${late} ms after its end time`);
  // Exactly one ending event, and the poste is free again.
  const n = L.sql(`SELECT COUNT(*) FROM events WHERE session_id = ${session.id}
    AND type = 'session_terminated'`);
  assert.equal(n, '1');
  const etat = L.sql(`SELECT etat FROM postes WHERE id = ${poste.id}`);
  assert.notEqual(etat, 'occupe');
});

test('the kiosk hears time_update each second, the warning, then the end', async () => {
  const k = await L.startSession(3600);
  const c = L.wsOpen(`/ws/sessions/${k.session.id}/?ticket=${L.enc(k.ticket)}`);
  const staff = L.sseOpen(`/events/sessions?ticket=${L.enc(await L.staffTicket())}`);
  await c.ready; await staff.ready;
  await c.waitFor((m) => m.type === 'subscribed');
  await staff.waitFor((m) => m.type === 'subscribed');
  // 62 s left: the 300 s warning is due at once, the 60 s one in 2 s.
  L.sql(`UPDATE sessions SET fin_prevue = UTC_TIMESTAMP(3) + INTERVAL 62 SECOND
    WHERE id = ${k.session.id}`);
  const w = await c.waitFor((m) => m.type === 'warning' && m.data?.seuil === 60, 6000, 'warning 60');
  assert.equal(w.session_id, k.session.id);
  await staff.waitFor((m) => m.type === 'warning' && m.session_id === k.session.id);
  const times = c.msgs.filter((m) => m.type === 'time_update');
  assert.ok(times.length >= 2, 'time_update every second');
  const last = times.at(-1).data.temps_restant;
  assert.ok(last <= 62 && last >= 55, `temps_restant ${last}`);
  // Now the end, 1 s away.
  L.sql(`UPDATE sessions SET fin_prevue = UTC_TIMESTAMP(3) + INTERVAL 1 SECOND
    WHERE id = ${k.session.id}`);
  const end = await c.waitFor((m) => m.type === 'session_terminated', 4000, 'end');
  assert.equal(end.session_id, k.session.id);
  await staff.waitFor((m) => m.type === 'session_terminated' && m.session_id === k.session.id);
  // No time_update after the end.
  await L.sleep(1500);
  const after = c.msgs.slice(c.msgs.indexOf(end) + 1).filter((m) => m.type === 'time_update');
  assert.equal(after.length, 0);
  c.close(); staff.close();
});

test('a poste with no heartbeat for 3 intervals goes hors_ligne, with an event', async () => {
  const t = L.enc(await L.staffTicket());
  const poste = await L.createPoste();
  const c = L.wsOpen(`/ws/postes/?ticket=${t}`);
  await c.ready;
  await c.waitFor((m) => m.type === 'subscribed');
  await L.api('POST', '/api/kiosk/heartbeat', undefined, { bearer: poste.token });
  await c.waitFor((m) => m.type === 'poste_status' && m.poste_id === poste.id);
  const interval = Number(L.readConfig().POSTES_HEARTBEAT_INTERVAL || 30);
  const t0 = Date.now();
  const off = await c.waitFor((m) => m.type === 'poste_status' && m.poste_id === poste.id &&
    JSON.stringify(m.data).includes('hors_ligne'), (3 * interval + 3) * 1000, 'hors_ligne');
  assert.ok(Date.now() - t0 <= (3 * interval + 2) * 1000);
  assert.ok(off.id > 0);
  assert.equal(L.sql(`SELECT etat FROM postes WHERE id = ${poste.id}`), 'hors_ligne');
  c.close();
});
