// admin-desk-tools.test.mjs - the desk's tools in the admin HTML pages, as a
// browser without JavaScript uses them: a message sent to a poste (its
// acknowledgement shown), a reservation made then cancelled (a refused
// one re-shown with its reason, nothing stored), the statistics and the
// audit log for administrators only (with their CSV links), and a
// person erased from their page once the box is ticked.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as L from './lib.mjs';


const Browser = L.AdminBrowser;
const flash = (html) => /<p class="flash" role="status">([^<]*)<\/p>/.exec(html)?.[1] ?? null;

let api, admin;
before(async () => {
  api = await L.admin();
  admin = new Browser();
  await admin.adminLogin(L.ADMIN_USER, L.ADMIN_PASSWORD);
});

test('a message to a poste from the admin pages; its acknowledgement shows', async () => {
  const p = await L.newPoste(api);
  const r = await admin.submit('/admin/messages', '/admin/messages', { cible: 'poste', poste_id: String(p.id), site_id: '', texte: 'Merci de libérer le poste à 18 h' });
  assert.equal(r.status, 303, r.text);
  const page = await admin.get('/admin/messages');
  assert.equal(flash(page.text), 'Le message a été envoyé.');
  assert.match(page.text, /Merci de libérer le poste à 18 h/);
  const id = Number(L.sqlOne(`SELECT MAX(message_id) FROM message_postes WHERE poste_id = ${p.id}`));
  L.expectStatus(await L.kiosk(p.token).post(`/api/kiosk/messages/${id}/ack`, {}), 200);
  const show = await admin.get(`/admin/messages/${id}`);
  assert.equal(show.status, 200);
  assert.doesNotMatch(show.text, /pas encore/);
  // Refused: no text; the form comes back with the reason, nothing stored.
  const before = L.sqlOne('SELECT COUNT(*) FROM messages');
  const bad = await admin.submit('/admin/messages', '/admin/messages', { cible: 'poste', poste_id: String(p.id), texte: '' });
  assert.equal(bad.status, 422);
  assert.match(bad.text, /class="error"/);
  assert.equal(L.sqlOne('SELECT COUNT(*) FROM messages'), before);
});

test('a reservation made, a conflicting one refused with its reason, then cancelled', async () => {
  const p = await L.newPoste(api);
  // Local wall-clock times, tomorrow 10:00-11:00 in Paris.
  const day = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Paris' }).format(new Date(Date.now() + 86400000));
  const ok = await admin.submit('/admin/reservations', '/admin/reservations', { poste_id: String(p.id), utilisateur_id: '', nom: 'Mme Durand', debut: `${day}T10:00`, fin: `${day}T11:00` });
  assert.equal(ok.status, 303, ok.text.slice(0, 500));
  const row = L.sql(`SELECT id, DATE_FORMAT(debut, '%H:%i'), statut FROM reservations WHERE poste_id = ${p.id}`);
  assert.equal(row.length, 1);
  assert.ok(['08:00', '09:00'].includes(row[0][1]), `10:00 Paris is ${row[0][1]} UTC`);
  const clash = await admin.submit('/admin/reservations', '/admin/reservations', { poste_id: String(p.id), nom: 'M. Petit', debut: `${day}T10:30`, fin: `${day}T11:30` });
  assert.equal(clash.status, 409);
  assert.match(clash.text, /déjà réservé/);
  const nodate = await admin.submit('/admin/reservations', '/admin/reservations', { poste_id: String(p.id), nom: 'M. Petit', debut: 'demain', fin: '' });
  assert.equal(nodate.status, 422);
  assert.equal(L.sqlOne(`SELECT COUNT(*) FROM reservations WHERE poste_id = ${p.id}`), '1');
  const cancel = await admin.submit('/admin/reservations', `/admin/reservations/${row[0][0]}/annuler`, {});
  assert.equal(cancel.status, 303);
  assert.equal(L.sqlOne(`SELECT statut FROM reservations WHERE id = ${row[0][0]}`), 'annulee');
});

test('statistics and the audit log: administrators only, tables and CSV links', async () => {
  const st = await admin.get('/admin/statistiques?du=2026-01-01&au=2026-12-31&pas=mois');
  assert.equal(st.status, 200);
  for (const s of ['Activité', 'Occupation par poste', 'Affluence par jour', 'Par catégorie', 'Par site', '2026-03'])
    assert.ok(st.text.includes(s), s);
  assert.match(st.text, /href="\/api\/stats\/activite\?du=2026-01-01&amp;au=2026-12-31&amp;pas=mois&amp;format=csv"/);
  const bad = await admin.get('/admin/statistiques?du=2026-02-30');
  assert.equal(bad.status, 422);
  const j = await admin.get('/admin/journal?action=utilisateur.create');
  assert.equal(j.status, 200);
  assert.match(j.text, /utilisateur\.create/);
  assert.match(j.text, /href="\/api\/audit\?format=csv&amp;action=utilisateur\.create"/);
  // An agent is refused both.
  const name = L.uniq('ag');
  L.expectStatus(await api.post('/api/staff', { username: name, nom: 'Agent', role: 'agent', password: 'agent-password-1' }), 201);
  const agent = new Browser();
  await agent.adminLogin(name, 'agent-password-1');
  assert.equal((await agent.get('/admin/statistiques')).status, 403);
  assert.equal((await agent.get('/admin/journal')).status, 403);
  assert.equal((await agent.get('/admin/messages')).status, 200);
});

test('a person erased from their page once the box is ticked', async () => {
  const u = await L.newUtilisateur(api, { nom: L.uniq('Efface') });
  const s = await L.newSession(api, { utilisateur_id: u.id });
  L.expectStatus(await api.post(`/api/sessions/${s.id}/terminate`, {}), 200);
  const page = await admin.get(`/admin/utilisateurs/${u.id}`);
  assert.match(page.text, new RegExp(`href="/api/utilisateurs/${u.id}/export\\?format=csv"`));
  const csrf = Browser.csrf(page.text);
  const no = await admin.form(`/admin/utilisateurs/${u.id}/effacer`, { csrf });
  assert.equal(no.status, 422);
  assert.match(no.text, /confirmez/);
  assert.equal((await api.get(`/api/utilisateurs/${u.id}`)).status, 200);
  const forged = await admin.form(`/admin/utilisateurs/${u.id}/effacer`, { csrf: 'x', confirmer: '1' });
  assert.equal(forged.status, 403);
  const yes = await admin.form(`/admin/utilisateurs/${u.id}/effacer`, { csrf, confirmer: '1' });
  assert.equal(yes.status, 303);
  assert.equal((await api.get(`/api/utilisateurs/${u.id}`)).status, 404);
  assert.equal(L.sqlOne(`SELECT utilisateur_id FROM sessions WHERE id = ${s.id}`), null);
});
