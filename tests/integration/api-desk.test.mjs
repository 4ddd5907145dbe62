// api-desk.test.mjs - the desk's rules through the API (issue 9, items
// 2, 3, 4, 10, 11): sites with opening hours and closure days, a start
// refused when closed and cut at closing, sessions ended at closing
// (fermeture_site, once), closing warnings; categories with daily and
// weekly quotas enforced at create, extend and validate; guest passes
// one by one or in batches, expiring with the local day; the seed's
// field names; a poste announced back online. Every refusal is checked
// to change nothing.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as L from './lib.mjs';

const TZ = process.env.POSTES_TZ || 'Europe/Paris';
let staff;
before(async () => { staff = await L.admin(); });

// The town hall's wall clock now (+ offset seconds): ISO day 1..7 and
// seconds since local midnight.
function local(offset = 0) {
  const d = new Date(Date.now() + offset * 1000);
  const f = new Intl.DateTimeFormat('en-GB', { timeZone: TZ, hour12: false, weekday: 'short',
    hour: '2-digit', minute: '2-digit', second: '2-digit', year: 'numeric', month: '2-digit', day: '2-digit' });
  const p = Object.fromEntries(f.formatToParts(d).map((x) => [x.type, x.value]));
  const jour = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(p.weekday) + 1;
  const h = Number(p.hour) % 24;
  return { jour, sec: h * 3600 + Number(p.minute) * 60 + Number(p.second),
    date: `${p.year}-${p.month}-${p.day}` };
}
const hms = (s) => [Math.floor(s / 3600), Math.floor(s / 60) % 60, s % 60]
  .map((x) => String(x).padStart(2, '0')).join(':');

// A site open today from an hour ago (or midnight) until now + closeIn s.
async function siteClosingIn(closeIn) {
  const now = local();
  if (now.sec + closeIn >= 86400 - 5) return null;	// too close to midnight to test
  const r = await staff.post('/api/sites', { nom: L.uniq('Site-'), adresse: '1 place de la Mairie' });
  const site = L.expectStatus(r, 201, 'site');
  const h = await staff.req('PUT', `/api/sites/${site.id}/horaires`, { horaires: [
    { jour: now.jour, ouverture: hms(Math.max(0, now.sec - 3600)), fermeture: hms(now.sec + closeIn) },
  ] });
  L.expectStatus(h, 200, 'horaires');
  return site;
}

const hoursFp = () => L.sql(`SELECT CONCAT(COUNT(*), '/', COALESCE(BIT_XOR(CRC32(CONCAT_WS('|', site_id,
  jour, ouverture, fermeture))), 0)) FROM site_horaires`)[0][0];

test('sites: create, read, hours replaced as a whole; bad or conflicting input refused, nothing changed', async () => {
  let r = await staff.post('/api/sites', { nom: L.uniq('Médiathèque '), adresse: 'rue des Écoles' });
  const site = L.expectStatus(r, 201);
  assert.equal(site.horaires_definis, false);
  assert.equal(site.ouvert, true, 'no hours declared: always open');
  assert.deepEqual(site.horaires, []);
  r = await staff.post('/api/sites', { nom: site.nom });
  assert.equal(r.status, 409);
  assert.equal(r.json.error.code, 'nom_taken');
  r = await staff.req('PUT', `/api/sites/${site.id}/horaires`, { horaires: [
    { jour: 1, ouverture: '09:00', fermeture: '12:00' }, { jour: 1, ouverture: '14:00', fermeture: '18:30' },
    { jour: 6, ouverture: '10:00', fermeture: '24:00' },
  ] });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.horaires, [
    { jour: 1, ouverture: '09:00', fermeture: '12:00' }, { jour: 1, ouverture: '14:00', fermeture: '18:30' },
    { jour: 6, ouverture: '10:00', fermeture: '24:00' }]);
  assert.equal(r.json.horaires_definis, true);
  const before = { db: L.dbFingerprint(), hours: hoursFp() };
  for (const [body, status, code] of [
    [{ horaires: [{ jour: 8, ouverture: '09:00', fermeture: '10:00' }] }, 422, 'validation_error'],
    [{ horaires: [{ jour: 0, ouverture: '09:00', fermeture: '10:00' }] }, 422, 'validation_error'],
    [{ horaires: [{ jour: 1, ouverture: '9h', fermeture: '10:00' }] }, 422, 'validation_error'],
    [{ horaires: [{ jour: 1, ouverture: '09:00', fermeture: '24:30' }] }, 422, 'validation_error'],
    [{ horaires: [{ jour: 1, ouverture: '09:00' }] }, 422, 'validation_error'],
    [{ horaires: [{ jour: 1, ouverture: '09:00', fermeture: '10:00', extra: 1 }] }, 422, 'validation_error'],
    [{ horaires: [{ jour: '1', ouverture: '09:00', fermeture: '10:00' }] }, 422, 'validation_error'],
    [{ horaires: [{ jour: 1, ouverture: '12:00', fermeture: '09:00' }] }, 422, 'horaires_invalides'],
    [{ horaires: [{ jour: 1, ouverture: '09:00', fermeture: '09:00' }] }, 422, 'horaires_invalides'],
    [{ horaires: [{ jour: 2, ouverture: '09:00', fermeture: '12:00' },
      { jour: 2, ouverture: '11:00', fermeture: '13:00' }] }, 409, 'horaires_chevauchement'],
    [{ horaires: Array.from({ length: 29 }, (_, i) => ({ jour: 1 + (i % 7), ouverture: '00:00', fermeture: '00:01' })) },
      422, 'validation_error'],
    [{ horaires: 'lundi' }, 422, 'validation_error'],
    [{ horaires: [], site: 1 }, 422, 'unknown_field'],
  ]) {
    r = await staff.req('PUT', `/api/sites/${site.id}/horaires`, body);
    assert.equal(r.status, status, `${JSON.stringify(body).slice(0, 80)}: ${r.text}`);
    assert.equal(r.json.error.code, code);
    assert.ok(r.json.error.message.length > 5);
  }
  r = await staff.req('PUT', '/api/sites/999999/horaires', { horaires: [] });
  assert.equal(r.status, 404);
  for (const [body, code] of [[{ nom: '' }, 'validation_error'], [{ nom: 'x'.repeat(129) }, 'validation_error'],
    [{ nom: 'ok', actif: false }, 'unknown_field'], [{ nom: 'ok', adresse: 'x'.repeat(256) }, 'validation_error']]) {
    r = await staff.post('/api/sites', body);
    assert.equal(r.status, 422, JSON.stringify(body));
    assert.equal(r.json.error.code, code);
  }
  // Closure days: a real date, not past, once.
  for (const [body, code] of [[{ jour: '2026-02-30' }, 'validation_error'], [{ jour: '25/12/2027' }, 'validation_error'],
    [{ jour: '2020-01-01' }, 'validation_error'], [{ jour: '2099-01-01', motif: 'x'.repeat(256) }, 'validation_error']]) {
    r = await staff.post(`/api/sites/${site.id}/fermetures`, body);
    assert.equal(r.status, 422, JSON.stringify(body));
    assert.equal(r.json.error.code, code);
  }
  assert.deepEqual(L.dbFingerprint(), before.db);
  assert.equal(hoursFp(), before.hours);
  r = await staff.post(`/api/sites/${site.id}/fermetures`, { jour: '2099-12-25', motif: 'Noël' });
  assert.equal(r.status, 201, r.text);
  assert.deepEqual(r.json.fermetures, [{ jour: '2099-12-25', motif: 'Noël' }]);
  r = await staff.post(`/api/sites/${site.id}/fermetures`, { jour: '2099-12-25' });
  assert.equal(r.status, 409);
  assert.equal(r.json.error.code, 'fermeture_existe');
  r = await staff.del(`/api/sites/${site.id}/fermetures?jour=2099-12-25`);
  assert.equal(r.status, 200);
  assert.deepEqual(r.json.fermetures, []);
  // An agent reads sites but may not change them.
  const ag = new L.Client();
  const name = L.uniq('agent');
  L.expectStatus(await staff.post('/api/staff', { username: name, nom: 'Agent', role: 'agent',
    password: 'agent-password-123' }), 201);
  await ag.login(name, 'agent-password-123');
  assert.equal((await ag.get(`/api/sites/${site.id}`)).status, 200);
  assert.equal((await ag.post('/api/sites', { nom: L.uniq('x') })).status, 403);
  // A poste belongs to a site; an unknown site is refused.
  r = await staff.post('/api/postes', { nom: L.uniq('P-'), site_id: 999999 });
  assert.equal(r.status, 422);
  assert.equal(r.json.error.code, 'site_inconnu');
  const p = await L.newPoste(staff, { site_id: site.id });
  assert.equal(p.site_id, site.id);
  assert.equal(p.site_nom, site.nom);
  // GET /api/postes/:id and the poste_created event have one shape.
  r = await staff.get(`/api/postes/${p.id}`);
  const ev = JSON.parse(L.sqlOne(`SELECT payload FROM events WHERE type = 'poste_created' AND poste_id = ${p.id}`));
  assert.deepEqual(Object.keys(ev).sort(), Object.keys(r.json).sort());
});

test('a closed site refuses to start a session (site_ferme), changing nothing; a closure day closes it', async () => {
  const now = local();
  const site = L.expectStatus(await staff.post('/api/sites', { nom: L.uniq('Fermé-') }), 201);
  // Open only on another day of the week.
  L.expectStatus(await staff.req('PUT', `/api/sites/${site.id}/horaires`, { horaires: [
    { jour: (now.jour % 7) + 1, ouverture: '09:00', fermeture: '17:00' }] }), 200);
  const p = await L.newPoste(staff, { site_id: site.id });
  const s = await L.newSession(staff, { duree: 1800 });
  const k = L.kiosk(p.token);
  const before = L.dbFingerprint({ withLogs: false });
  for (const path of ['/api/kiosk/validate', '/api/kiosk/start']) {
    const r = await k.post(path, { code: s.code });
    assert.equal(r.status, 409, r.text);
    assert.equal(r.json.error.code, 'site_ferme');
    assert.match(r.json.error.message, /fermé/);
  }
  assert.deepEqual(L.dbFingerprint({ withLogs: false }), before);
  assert.equal((await staff.get(`/api/sessions/${s.id}`)).json.statut, 'en_attente');
  // Open today, but today is a closure day.
  const site2 = await siteClosingIn(3600);
  if (!site2) return;
  const p2 = await L.newPoste(staff, { site_id: site2.id });
  L.expectStatus(await staff.post(`/api/sites/${site2.id}/fermetures`, { jour: now.date, motif: 'Inventaire' }), 201);
  let r = await L.kiosk(p2.token).post('/api/kiosk/start', { code: s.code });
  assert.equal(r.json.error.code, 'site_ferme');
  L.expectStatus(await staff.del(`/api/sites/${site2.id}/fermetures?jour=${now.date}`), 200);
  r = await L.kiosk(p2.token).post('/api/kiosk/start', { code: s.code });
  assert.equal(r.status, 200, r.text);
});

test('a session is cut at closing: start capped with a message, extension refused past closing', async () => {
  const site = await siteClosingIn(1200);
  if (!site) return;
  const p = await L.newPoste(staff, { site_id: site.id });
  const s = await L.newSession(staff, { duree: 3600 });
  const k = L.kiosk(p.token);
  let r = await k.post('/api/kiosk/validate', { code: s.code });
  assert.equal(r.status, 200, r.text);
  assert.ok(r.json.avis.coupe >= 2390 && r.json.avis.coupe <= 2401, JSON.stringify(r.json.avis));
  assert.match(r.json.avis.message, /fermeture du site \(\d\d:\d\d\)/);
  r = await k.post('/api/kiosk/start', { code: s.code });
  assert.equal(r.status, 200, r.text);
  const left = r.json.session.temps_restant;
  assert.ok(left >= 1190 && left <= 1200, `left ${left}`);
  assert.equal(r.json.session.duree_totale, left, 'the balance past closing is not kept');
  assert.match(r.json.avis.ferme_a, /Z$/);
  const before = L.dbFingerprint();
  r = await staff.post(`/api/sessions/${s.id}/extend`, { duree: 600 });
  assert.equal(r.status, 409);
  assert.equal(r.json.error.code, 'fermeture_site');
  assert.match(r.json.error.message, /ferme à \d\d:\d\d/);
  assert.deepEqual(L.dbFingerprint(), before);
});

test('closing time: the hours moved under a running session cut it; the sweep ends it with fermeture_site, once', async () => {
  await L.withClockStopped(async () => {
    const site = await siteClosingIn(7200);
    if (!site) return;
    const p = await L.newPoste(staff, { site_id: site.id });
    const s = await L.newSession(staff, { duree: 3600 });
    const k = L.kiosk(p.token);
    L.expectStatus(await k.post('/api/kiosk/start', { code: s.code }), 200);
    // The desk decides to close in 3 seconds.
    const now = local();
    if (now.sec + 3 >= 86400) return;
    let r = await staff.req('PUT', `/api/sites/${site.id}/horaires`, { horaires: [
      { jour: now.jour, ouverture: hms(Math.max(0, now.sec - 3600)), fermeture: hms(now.sec + 3) }] });
    assert.equal(r.status, 200, r.text);
    r = await staff.get(`/api/sessions/${s.id}`);
    assert.ok(r.json.temps_restant <= 4, `cut: ${r.json.temps_restant}`);
    assert.equal(L.sqlOne(`SELECT COUNT(*) FROM events WHERE session_id = ${s.id} AND type = 'session_updated'`), '1');
    // The closing warning first (once), then the end (once).
    L.cli('sweep');
    L.cli('sweep');
    const warn = L.sql(`SELECT payload, poste_id FROM events WHERE session_id = ${s.id} AND type = 'fermeture_proche'`);
    assert.equal(warn.length, 1, 'one closing warning');
    const w = JSON.parse(warn[0][0]);
    assert.equal(w.minutes, 1);
    assert.equal(Number(warn[0][1]), p.id);
    await L.waitUntil(async () => (await staff.get(`/api/sessions/${s.id}`)).json.temps_restant === 0, 6000, 'closing');
    await Promise.all([L.cli('sweep'), L.cli('sweep')]);
    L.cli('sweep');
    r = await staff.get(`/api/sessions/${s.id}`);
    assert.equal(r.json.statut, 'terminee');
    assert.equal(r.json.raison, 'fermeture_site');
    const term = (await staff.get(`/api/events?channel=sessions/${s.id}&since=0`)).json.events
      .filter((e) => e.type === 'session_terminated');
    assert.equal(term.length, 1, 'one ending, one event');
    const t = term[0];
    assert.equal(t.raison, 'fermeture_site');
    assert.match(t.message, /site ferme/);
    assert.equal((await staff.get(`/api/postes/${p.id}`)).json.etat, 'disponible');
    // Closed now: nothing starts.
    const s2 = await L.newSession(staff, { duree: 600 });
    r = await k.post('/api/kiosk/start', { code: s2.code });
    assert.equal(r.json.error.code, 'site_ferme');
  });
});

test('categories: CRUD with declared limits; protected and used ones kept', async () => {
  let r = await staff.get('/api/categories');
  const codes = r.json.results.map((c) => c.code);
  for (const c of ['adulte', 'jeune', 'invite']) assert.ok(codes.includes(c));
  const code = L.uniq('cat_');
  r = await staff.post('/api/categories', { code, nom: 'Scolaires', quota_jour: 3600, quota_semaine: 7200, duree_defaut: 1800 });
  const cat = L.expectStatus(r, 201);
  assert.equal(cat.quota_jour, 3600);
  const before = L.dbFingerprint();
  for (const [body, status, ecode] of [
    [{ code, nom: 'x' }, 409, 'code_taken'],
    [{ code: 'Majuscule', nom: 'x' }, 422, 'validation_error'],
    [{ code: 'a b', nom: 'x' }, 422, 'validation_error'],
    [{ code: L.uniq('c_'), nom: 'x', quota_jour: 30 }, 422, 'validation_error'],
    [{ code: L.uniq('c_'), nom: 'x', quota_jour: 86401 }, 422, 'validation_error'],
    [{ code: L.uniq('c_'), nom: 'x', quota_jour: 7200, quota_semaine: 3600 }, 422, 'quota_incoherent'],
    [{ code: L.uniq('c_'), nom: 'x', quota_jour: 1800, duree_defaut: 3600 }, 422, 'quota_incoherent'],
    [{ code: L.uniq('c_'), nom: 'x', bogus: 1 }, 422, 'unknown_field'],
    [{ nom: 'x' }, 422, 'validation_error'],
  ]) {
    r = await staff.post('/api/categories', body);
    assert.equal(r.status, status, JSON.stringify(body));
    assert.equal(r.json.error.code, ecode);
  }
  const invite = (await staff.get('/api/categories')).json.results.find((c) => c.code === 'invite');
  r = await staff.patch(`/api/categories/${invite.id}`, { code: 'visiteur' });
  assert.equal(r.json.error.code, 'categorie_protegee');
  r = await staff.del(`/api/categories/${invite.id}`);
  assert.equal(r.json.error.code, 'categorie_protegee');
  r = await staff.patch(`/api/categories/${cat.id}`, { quota_semaine: 1800 });
  assert.equal(r.json.error.code, 'quota_incoherent');
  assert.deepEqual(L.dbFingerprint(), before);
  await L.newUtilisateur(staff, { categorie_id: cat.id });
  r = await staff.del(`/api/categories/${cat.id}`);
  assert.equal(r.status, 409);
  assert.equal(r.json.error.code, 'categorie_utilisee');
  r = await staff.patch(`/api/categories/${cat.id}`, { quota_jour: null, nom: 'Scolaires (libre)' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.quota_jour, null);
});

test('quotas: the daily and weekly limits refuse create, extend and validate with a clear message, changing nothing', async () => {
  const cat = L.expectStatus(await staff.post('/api/categories', { code: L.uniq('q_'), nom: 'Quota test',
    quota_jour: 3600, quota_semaine: 5400, duree_defaut: 1200 }), 201);
  const u = await L.newUtilisateur(staff, { categorie_id: cat.id });
  assert.equal(u.categorie_id, cat.id);
  // Without a duration, the category's default.
  let r = await staff.post('/api/sessions', { utilisateur_id: u.id });
  const s1 = L.expectStatus(r, 201);
  assert.equal(s1.duree_totale, 1200);
  assert.equal(s1.avis.restant_jour, 2400);
  r = await staff.post('/api/sessions', { utilisateur_id: u.id, duree: 2400 });
  const s2 = L.expectStatus(r, 201);
  r = await staff.get(`/api/utilisateurs/${u.id}/quota`);
  assert.deepEqual([r.json.utilise_jour, r.json.restant_jour, r.json.restant_semaine], [3600, 0, 1800]);
  const before = L.dbFingerprint();
  r = await staff.post('/api/sessions', { utilisateur_id: u.id, duree: 60 });
  assert.equal(r.status, 409);
  assert.equal(r.json.error.code, 'quota_jour_atteint');
  assert.match(r.json.error.message, /Quota journalier atteint/);
  r = await staff.post(`/api/sessions/${s1.id}/extend`, { duree: 60 });
  assert.equal(r.json.error.code, 'quota_jour_atteint');
  assert.deepEqual(L.dbFingerprint(), before);
  // A session ended early gives back what it did not use.
  L.expectStatus(await staff.post(`/api/sessions/${s2.id}/terminate`, {}), 200);
  r = await staff.get(`/api/utilisateurs/${u.id}/quota`);
  assert.equal(r.json.restant_jour, 2400);
  // The limit lowered after the code was given: the kiosk refuses it.
  const p = await L.newPoste(staff);
  L.expectStatus(await staff.patch(`/api/categories/${cat.id}`, { quota_jour: 600, duree_defaut: 600 }), 200);
  const b2 = L.dbFingerprint({ withLogs: false });
  r = await L.kiosk(p.token).post('/api/kiosk/validate', { code: s1.code });
  assert.equal(r.status, 409, r.text);
  assert.equal(r.json.error.code, 'quota_jour_atteint');
  assert.match(r.json.error.message, /temps du jour est épuisé/);
  assert.deepEqual(L.dbFingerprint({ withLogs: false }), b2);
  // Weekly: the same person, daily limit lifted, weekly one binding.
  L.expectStatus(await staff.patch(`/api/categories/${cat.id}`, { quota_jour: null }), 200);
  r = await staff.post('/api/sessions', { utilisateur_id: u.id, duree: 4300 });
  assert.equal(r.status, 409);
  assert.equal(r.json.error.code, 'quota_semaine_atteint');
  assert.equal(r.json.error.restant, 4200);
  r = await staff.post('/api/sessions', { utilisateur_id: u.id, duree: 4200 });
  assert.equal(r.status, 201, r.text);
});

test('guest passes: one or a batch of 20, no person, invite category, valid until the end of the local day', async () => {
  let r = await staff.post('/api/invites', { nombre: 20, duree: 1800 });
  const lot = L.expectStatus(r, 201);
  assert.equal(lot.nombre, 20);
  assert.equal(lot.sessions.length, 20);
  assert.equal(new Set(lot.sessions.map((s) => s.code)).size, 20);
  const ids = lot.sessions.map((s) => s.id).join(',');
  const rows = L.sql(`SELECT DISTINCT utilisateur_id, invite, (SELECT code FROM categories c WHERE c.id = s.categorie_id),
    duree_totale, statut FROM sessions s WHERE id IN (${ids})`);
  assert.deepEqual(rows, [[null, '1', 'invite', '1800', 'en_attente']]);
  // Valid until the next local midnight.
  const until = Date.parse(lot.valide_jusqu);
  const tomorrow = local((until - Date.now()) / 1000);
  assert.equal(tomorrow.sec, 0, `${lot.valide_jusqu} is a local midnight`);
  assert.ok(until - Date.now() <= 25 * 3600e3 && until > Date.now());
  assert.equal(L.sqlOne(`SELECT COUNT(*) FROM events WHERE type = 'invites_created'
    AND JSON_VALUE(payload, '$.lot_id') = ${lot.id}`), '1');
  r = await staff.get(`/api/invites/lots/${lot.id}`);
  assert.equal(r.json.sessions.length, 20);
  r = await staff.get('/api/invites/lots?per_page=5');
  assert.equal(r.json.results[0].id, lot.id);
  const before = L.dbFingerprint();
  for (const [body, status, code] of [[{ nombre: 41 }, 422, 'validation_error'], [{ nombre: 0 }, 422, 'validation_error'],
    [{ duree: 30 }, 422, 'validation_error'], [{ duree: 7200 }, 422, 'quota_jour_atteint'],
    [{ nombre: '3' }, 422, 'validation_error'], [{ nom: 'x' }, 422, 'unknown_field']]) {
    r = await staff.post('/api/invites', body);
    assert.equal(r.status, status, JSON.stringify(body));
    assert.equal(r.json.error.code, code);
  }
  assert.deepEqual(L.dbFingerprint(), before);
  // A single pass with the category's default, used at a kiosk.
  r = await staff.post('/api/invites', {});
  const one = L.expectStatus(r, 201);
  assert.equal(one.sessions.length, 1);
  assert.equal(one.duree, 1800);
  const p = await L.newPoste(staff);
  r = await L.kiosk(p.token).post('/api/kiosk/start', { code: one.sessions[0].code });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.session.utilisateur, null);
  assert.equal(r.json.session.invite, 1);
  assert.equal(r.json.session.categorie, 'invite');
  // Unused passes expire with the day.
  await L.withClockStopped(async () => {
    L.sql(`UPDATE sessions SET valide_jusqu = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE lot_id = ${lot.id}`);
    L.cli('sweep');
    L.cli('sweep');
    L.cli('sweep');
  });
  await L.waitUntil(() => L.sqlOne(`SELECT COUNT(*) FROM sessions WHERE lot_id = ${lot.id} AND statut = 'terminee'
    AND raison = 'expiree'`) === '20', 10000, 'expiry');
  assert.equal(L.sqlOne(`SELECT COUNT(*) FROM events e JOIN sessions s ON s.id = e.session_id
    WHERE s.lot_id = ${lot.id} AND e.type = 'session_terminated'`), '20');
});

test('seed names: code_valid carries code_acces, utilisateur, poste, duree_initiale; session_terminated raison and message', async () => {
  const p = await L.newPoste(staff);
  const u = await L.newUtilisateur(staff, { prenom: 'Jeanne', nom: 'Dupont' });
  const s = await L.newSession(staff, { utilisateur_id: u.id, duree: 2700 });
  const k = L.kiosk(p.token);
  let r = await k.post('/api/kiosk/validate', { code: s.code });
  // The seed's example: {"type":"code_valid","session":{"id":..,"code_acces":"ABC123",
  //  "utilisateur":"Jeanne Dupont","poste":"Poste 1","duree_initiale":2700, ...}}
  assert.equal(r.json.type, 'code_valid');
  assert.equal(r.json.session.code_acces, s.code);
  assert.equal(r.json.session.utilisateur, 'Jeanne Dupont');
  assert.equal(r.json.session.duree_initiale, 2700);
  r = await k.post('/api/kiosk/start', { code: s.code });
  assert.equal(r.json.session.poste, p.nom);
  // The dashboard's code_valid event carries the same session.
  const ev = JSON.parse(L.sqlOne(`SELECT payload FROM events WHERE session_id = ${s.id} AND type = 'code_valid'`));
  assert.equal(ev.poste_id, p.id);
  assert.equal(ev.session.code_acces, s.code);
  assert.equal(ev.session.utilisateur, 'Jeanne Dupont');
  L.expectStatus(await staff.post(`/api/sessions/${s.id}/terminate`, {}), 200);
  r = await staff.get(`/api/events?channel=sessions/${s.id}&since=0`);
  const t = r.json.events.find((e) => e.type === 'session_terminated');
  // The seed's example: {"type":"session_terminated","raison":"admin","message":"..."}
  assert.equal(t.raison, 'admin');
  assert.equal(t.message, "Session terminée par l'accueil.");
  assert.equal(t.data.raison, 'admin');
});

test('a poste back from hors_ligne is announced (poste_online)', async () => {
  const p = await L.newPoste(staff);
  // A first heartbeat is no return.
  let since = L.lastEventId();
  L.expectStatus(await L.kiosk(p.token).post('/api/kiosk/heartbeat'), 200);
  assert.deepEqual(L.sql(`SELECT type FROM events WHERE id > ${since} AND poste_id = ${p.id}`).map((x) => x[0]),
    ['poste_status']);
  L.sql(`UPDATE postes SET etat = 'hors_ligne' WHERE id = ${p.id}`);
  since = L.lastEventId();
  const r = await L.kiosk(p.token).post('/api/kiosk/heartbeat');
  assert.equal(r.status, 200);
  const evs = L.sql(`SELECT type FROM events WHERE id > ${since} AND poste_id = ${p.id} ORDER BY id`).map((x) => x[0]);
  assert.deepEqual(evs, ['poste_status', 'poste_online']);
  L.expectStatus(await L.kiosk(p.token).post('/api/kiosk/heartbeat'), 200);
  assert.equal(L.sqlOne(`SELECT COUNT(*) FROM events WHERE poste_id = ${p.id} AND type = 'poste_online'`), '1');
});
