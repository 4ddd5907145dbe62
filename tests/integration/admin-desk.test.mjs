// admin-desk.test.mjs - the desk's rules in the admin HTML pages, without
// JavaScript: a site and its hours (one slot a line), a closure day, a
// category and its quotas, a batch of guest passes and its A4 sheet.
// Refused forms come back with the API's message and the typed values,
// and change nothing.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as L from './lib.mjs';


const Browser = L.AdminBrowser;

let api, web;
before(async () => {
  api = await L.admin();
  web = new Browser();
  const r = await web.submit('/admin/login', '/admin/login', { username: L.ADMIN_USER, password: L.ADMIN_PASSWORD });
  assert.equal(r.status, 303);
});

const hoursFp = () => L.sqlOne('SELECT CONCAT(COUNT(*), \'/\', COALESCE(BIT_XOR(CRC32(CONCAT_WS(\'|\', site_id, jour, ouverture, fermeture))), 0)) FROM site_horaires');

test('a site, its weekly hours and a closure day through the forms', async () => {
  const nom = L.uniq('Mairie annexe ');
  let r = await web.submit('/admin/sites', '/admin/sites', { nom, adresse: '3 place <Centrale>' });
  assert.equal(r.status, 303, r.text);
  const loc = r.headers.get('location');
  assert.match(loc, /^\/admin\/sites\/\d+$/);
  const id = Number(loc.split('/').pop());
  r = await web.get('/admin/sites');
  assert.ok(r.text.includes('3 place &lt;Centrale&gt;'), 'escaped');
  r = await web.submit(loc, `${loc}/horaires`, { horaires: '1 09:00 12:00\r\n1 14:00 18:00\r\n\r\n6 10:00 17:30\r\n' });
  assert.equal(r.status, 303, r.text);
  r = await api.get(`/api/sites/${id}`);
  assert.deepEqual(r.json.horaires, [{ jour: 1, ouverture: '09:00', fermeture: '12:00' },
    { jour: 1, ouverture: '14:00', fermeture: '18:00' }, { jour: 6, ouverture: '10:00', fermeture: '17:30' }]);
  r = await web.get(loc);
  assert.match(r.text, /1 09:00 12:00\n1 14:00 18:00\n6 10:00 17:30/);
  // Refused: overlap, then a line that is not a slot; the typed text stays.
  const before = { db: L.dbFingerprint(), hours: hoursFp() };
  r = await web.submit(loc, `${loc}/horaires`, { horaires: '2 09:00 12:00\n2 11:00 13:00' });
  assert.equal(r.status, 409);
  assert.match(r.text, /role="alert">Créneaux 1 et 2 : ils se chevauchent le même jour/);
  assert.match(r.text, /2 09:00 12:00\n2 11:00 13:00<\/textarea>/);
  r = await web.submit(loc, `${loc}/horaires`, { horaires: 'lundi de 9 à 12' });
  assert.equal(r.status, 422);
  assert.match(r.text, /Créneau 1 : attendu/);
  assert.deepEqual(L.dbFingerprint(), before.db);
  assert.equal(hoursFp(), before.hours);
  r = await web.submit(loc, `${loc}/fermetures`, { jour: '2099-05-01', motif: 'Fête du travail' });
  assert.equal(r.status, 303);
  r = await web.get(loc);
  assert.match(r.text, /2099-05-01 — Fête du travail/);
  r = await web.submit(loc, `${loc}/fermetures`, { jour: '2099-05-01', motif: '' });
  assert.equal(r.status, 409);
  assert.match(r.text, /déjà enregistré/);
  r = await web.submit(loc, `${loc}/fermetures/retirer`, { jour: '2099-05-02' });
  assert.equal(r.status, 404);
  r = await web.submit(loc, `${loc}/fermetures/retirer`, { jour: '2099-05-01' });
  assert.equal(r.status, 303);
  assert.deepEqual((await api.get(`/api/sites/${id}`)).json.fermetures, []);
});

test('categories and quotas through the forms (minutes), incoherent limits refused', async () => {
  const code = L.uniq('adm_');
  let r = await web.submit('/admin/categories', '/admin/categories',
    { code, nom: 'Seniors', quota_jour: '120', quota_semaine: '600', duree_defaut: '60' });
  assert.equal(r.status, 303, r.text);
  const cat = (await api.get('/api/categories')).json.results.find((c) => c.code === code);
  assert.deepEqual([cat.quota_jour, cat.quota_semaine, cat.duree_defaut], [7200, 36000, 3600]);
  const before = L.dbFingerprint();
  r = await web.submit('/admin/categories', `/admin/categories/${cat.id}`,
    { nom: 'Seniors', quota_jour: '120', quota_semaine: '60', duree_defaut: '60' });
  assert.equal(r.status, 422);
  assert.match(r.text, /quota hebdomadaire ne peut être inférieur/);
  r = await web.submit('/admin/categories', '/admin/categories',
    { code: 'Pas Bon', nom: 'x', quota_jour: '', quota_semaine: '', duree_defaut: '60' });
  assert.equal(r.status, 422);
  assert.ok(r.text.includes('value="Pas Bon"'), 'typed value kept');
  assert.deepEqual(L.dbFingerprint(), before);
  r = await web.submit('/admin/categories', `/admin/categories/${cat.id}`,
    { nom: 'Seniors', quota_jour: '', quota_semaine: '600', duree_defaut: '45' });
  assert.equal(r.status, 303);
  const c2 = (await api.get(`/api/categories/${cat.id}`)).json;
  assert.deepEqual([c2.quota_jour, c2.duree_defaut], [null, 2700]);
});

test('a batch of guest passes and its A4 sheet', async () => {
  const before = L.dbFingerprint();
  let r = await web.submit('/admin/invites', '/admin/invites', { nombre: '41', duree: '30' });
  assert.equal(r.status, 422);
  assert.match(r.text, /role="alert">Champ « nombre »/);
  assert.ok(r.text.includes('value="41"'));
  assert.deepEqual(L.dbFingerprint(), before);
  r = await web.submit('/admin/invites', '/admin/invites', { nombre: '20', duree: '30' });
  assert.equal(r.status, 303, r.text);
  const loc = r.headers.get('location');
  r = await web.get(loc);
  assert.equal(r.status, 200);
  const codes = [...r.text.matchAll(/<p class="c">([A-Z0-9]{6})<\/p>/g)].map((m) => m[1]);
  assert.equal(codes.length, 20);
  assert.equal(new Set(codes).size, 20);
  assert.match(r.text, /@page\{size:A4/);
  assert.match(r.text, /Durée : 30 min/);
  assert.match(r.text, /Valable aujourd'hui jusqu'à 00:00/);
  r = await web.get('/admin/invites');
  assert.match(r.text, new RegExp(`href="${loc}"`));
});

test('the admin pages in English with the dashboard\'s switch (the postes_lang cookie), French by default', async () => {
  let r = await web.get('/admin/sites');
  assert.match(r.text, /<html lang="fr">/);
  assert.match(r.text, /<h1>Sites et horaires<\/h1>/);
  r = await web.get('/admin/langue?l=en');
  assert.equal(r.status, 303);
  const sc = r.headers.getSetCookie().find((c) => c.startsWith('postes_lang='));
  assert.match(sc, /^postes_lang=en; Path=\//);
  assert.doesNotMatch(sc, /HttpOnly/, 'the dashboard reads it too');
  r = await web.get('/admin/sites');
  assert.match(r.text, /<html lang="en">/);
  assert.match(r.text, /<h1>Sites and opening hours<\/h1>/);
  assert.match(r.text, />Workstations<\/a>/);
  assert.match(r.text, />Create the site<\/button>/);
  assert.match(r.text, /href="\/admin\/langue\?l=fr"/);
  r = await web.get('/admin/categories');
  assert.match(r.text, /Daily quota \(min\)/);
  r = await web.get('/admin/langue?l=de');
  assert.equal(r.status, 422);
  r = await web.get('/admin/langue?l=fr');
  assert.equal(r.status, 303);
  r = await web.get('/admin/sites');
  assert.match(r.text, /<html lang="fr">/);
});
