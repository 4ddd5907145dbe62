// api-desk-tools.test.mjs - the desk's tools over the API: messages to a poste
// or a site and their acknowledgement by the kiosk, reservations (rules,
// who may start during the slot, no-show freeing), statistics (JSON and
// CSV), the audit viewer, and a person's export then erasure. Every
// refusal changes nothing.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as L from './lib.mjs';

let staff;
before(async () => { staff = await L.admin(); });

// What a refusal must leave alone: the desk's tables too.
const desk = () => L.sql(`SELECT (SELECT COUNT(*) FROM messages), (SELECT COUNT(*) FROM message_postes),
  (SELECT COUNT(*) FROM message_postes WHERE acquitte_at IS NOT NULL),
  (SELECT CONCAT(COUNT(*), '/', COALESCE(BIT_XOR(CRC32(CONCAT_WS('|', id, statut, poste_id,
    IFNULL(utilisateur_id, '~'), debut, fin))), 0)) FROM reservations)`)[0];
async function unchanged(fn) {
  const a = { db: L.dbFingerprint(), desk: desk() };
  const r = await fn();
  assert.deepEqual({ db: L.dbFingerprint(), desk: desk() }, a, 'the database changed');
  return r;
}
// A CSV download as its bytes: fetch's text() would hide the BOM.
async function csvGet(path) {
  const res = await fetch(L.BASE + path, { headers: { cookie: staff.cookie } });
  const bytes = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, bytes, text: bytes.subarray(3).toString('utf8') };
}
function refused(r, status, code, what = '') {
  assert.equal(r.status, status, `${what}: ${r.text}`);
  assert.equal(r.json?.error?.code, code, `${what}: ${r.text}`);
  assert.ok(r.json.error.message.length > 3, what);
}

async function site(nom = L.uniq('Site ')) {
  L.sql(`INSERT INTO sites (nom) VALUES (${L.lit(nom)})`);
  return Number(L.sqlOne(`SELECT id FROM sites WHERE nom = ${L.lit(nom)}`));
}
const inSite = (pid, sid) => L.sql(`UPDATE postes SET site_id = ${sid} WHERE id = ${pid}`);

test('a message to one poste: stored with its sender, read by that kiosk only, acknowledged once', async () => {
  const p = await L.newPoste(staff), other = await L.newPoste(staff);
  const k = L.kiosk(p.token), ko = L.kiosk(other.token);
  const since = L.lastEventId();
  const m = L.expectStatus(await staff.post('/api/messages',
    { cible: 'poste', poste_id: p.id, texte: 'Fermeture dans 10 minutes' }), 201, 'send');
  assert.equal(m.texte, 'Fermeture dans 10 minutes');
  assert.equal(m.staff_id, staff.user.id);
  assert.equal(m.postes_total, 1);
  assert.equal(m.postes_acquittes, 0);
  assert.deepEqual(m.acquittements.map((a) => [a.poste_id, a.acquitte_at]), [[p.id, null]]);
  // The kiosk reads it, on its poste's channel and in its list.
  const ev = L.expectStatus(await k.get(`/api/events?channel=postes/${p.id}&since=${since}`), 200);
  assert.deepEqual(ev.events.map((e) => e.type), ['message']);
  assert.equal(ev.events[0].data.texte, 'Fermeture dans 10 minutes');
  assert.equal(ev.events[0].data.staff_nom, undefined, 'the kiosk is not told who wrote');
  const list = L.expectStatus(await k.get('/api/kiosk/messages'), 200);
  assert.deepEqual(list.messages.map((x) => x.id), [m.id]);
  // Another kiosk sees neither the message nor that channel.
  assert.deepEqual(L.expectStatus(await ko.get('/api/kiosk/messages'), 200).messages, []);
  refused(await ko.get(`/api/events?channel=postes/${p.id}`), 403, 'forbidden', 'foreign poste channel');
  refused(await ko.post(`/api/kiosk/messages/${m.id}/ack`, {}), 404, 'not_found', 'foreign ack');
  // Acknowledged: staff see it, the kiosk's list is empty, twice is harmless.
  const a = L.expectStatus(await k.post(`/api/kiosk/messages/${m.id}/ack`, {}), 200);
  assert.equal(a.deja_acquitte, false);
  assert.equal(L.expectStatus(await k.post(`/api/kiosk/messages/${m.id}/ack`, {}), 200).deja_acquitte, true);
  assert.deepEqual(L.expectStatus(await k.get('/api/kiosk/messages'), 200).messages, []);
  const seen = L.expectStatus(await staff.get(`/api/messages/${m.id}`), 200);
  assert.equal(seen.postes_acquittes, 1);
  assert.ok(seen.acquittements[0].acquitte_at);
  const dash = L.expectStatus(await staff.get(`/api/events?channel=dashboard&since=${since}`), 200);
  assert.deepEqual(dash.events.map((e) => e.type).filter((t) => t.startsWith('message')),
    ['message_sent', 'message_acquitte']);
  assert.equal(L.sqlOne(`SELECT COUNT(*) FROM audit_log WHERE action = 'message.send' AND cible_id = ${m.id}`), '1');
});

test('a message to a site reaches each of its active postes; a staff notice reaches the dashboards only', async () => {
  const s = await site();
  const p1 = await L.newPoste(staff), p2 = await L.newPoste(staff), off = await L.newPoste(staff);
  inSite(p1.id, s); inSite(p2.id, s); inSite(off.id, s);
  L.expectStatus(await staff.patch(`/api/postes/${off.id}`, { actif: false }), 200);
  const m = L.expectStatus(await staff.post('/api/messages', { cible: 'site', site_id: s, texte: 'Coupure réseau à 15 h' }), 201);
  assert.deepEqual(m.acquittements.map((a) => a.poste_id).sort(), [p1.id, p2.id].sort());
  for (const p of [p1, p2])
    assert.equal(L.expectStatus(await L.kiosk(p.token).get('/api/kiosk/messages'), 200).messages.at(-1).id, m.id);
  const since = L.lastEventId();
  const n = L.expectStatus(await staff.post('/api/messages', { cible: 'staff', texte: 'Réunion à 12 h' }), 201);
  assert.equal(n.postes_total, 0);
  const ev = L.expectStatus(await staff.get(`/api/events?channel=dashboard&since=${since}`), 200);
  assert.deepEqual(ev.events.map((e) => [e.type, e.data.id]), [['message_sent', n.id]]);
  const listed = L.expectStatus(await staff.get('/api/messages?cible=staff&per_page=5'), 200);
  assert.equal(listed.results[0].id, n.id);
});

test('message refusals: 4xx with a code, nothing stored', async () => {
  const p = await L.newPoste(staff);
  const empty = await site();
  await unchanged(async () => {
    for (const [body, st, code] of [
      [{ cible: 'poste', texte: 'x' }, 422, 'cible_invalide'],
      [{ cible: 'poste', poste_id: p.id, site_id: empty, texte: 'x' }, 422, 'cible_invalide'],
      [{ cible: 'staff', poste_id: p.id, texte: 'x' }, 422, 'cible_invalide'],
      [{ cible: 'poste', poste_id: p.id, texte: '' }, 422, 'validation_error'],
      [{ cible: 'poste', poste_id: p.id, texte: 'x'.repeat(501) }, 422, 'validation_error'],
      [{ cible: 'poste', poste_id: p.id, texte: 'a\u0007b' }, 422, 'validation_error'],
      [{ cible: 'tous', texte: 'x' }, 422, 'validation_error'],
      [{ cible: 'poste', poste_id: 4294967295, texte: 'x' }, 404, 'not_found'],
      [{ cible: 'site', site_id: empty, texte: 'x' }, 422, 'site_sans_poste'],
      [{ cible: 'poste', poste_id: p.id, texte: 'x', urgent: true }, 422, 'unknown_field'],
    ]) refused(await staff.post('/api/messages', body), st, code, JSON.stringify(body));
    refused(await L.request('POST', '/api/messages', { body: { cible: 'staff', texte: 'x' } }), 401, 'unauthenticated');
    refused(await L.kiosk(p.token).post('/api/messages', { cible: 'staff', texte: 'x' }), 401, 'unauthenticated');
  });
});

const H = 3600 * 1000;
const slot = (fromNowMs, lenMs) => ({ debut: L.iso(Date.now() + fromNowMs), fin: L.iso(Date.now() + fromNowMs + lenMs) });

test('reservation refusals: overlap, past, order, length, maintenance, holder; nothing stored', async () => {
  const p = await L.newPoste(staff), m = await L.newPoste(staff);
  const u = await L.newUtilisateur(staff);
  L.expectStatus(await staff.post('/api/reservations', { poste_id: p.id, utilisateur_id: u.id, ...slot(2 * H, H) }), 201);
  L.expectStatus(await staff.post(`/api/postes/${m.id}/maintenance`, { maintenance: true }), 200);
  const inactive = await L.newUtilisateur(staff);
  L.expectStatus(await staff.patch(`/api/utilisateurs/${inactive.id}`, { actif: false }), 200);
  await unchanged(async () => {
    for (const [body, st, code] of [
      [{ poste_id: p.id, nom: 'Mme Roux', ...slot(2.5 * H, H) }, 409, 'reservation_chevauchement'],
      [{ poste_id: p.id, nom: 'Mme Roux', ...slot(1.5 * H, H) }, 409, 'reservation_chevauchement'],
      [{ poste_id: p.id, nom: 'Mme Roux', ...slot(-2 * H, H) }, 422, 'creneau_passe'],
      [{ poste_id: p.id, nom: 'Mme Roux', debut: L.iso(Date.now() + 5 * H), fin: L.iso(Date.now() + 4 * H) }, 422, 'fin_avant_debut'],
      [{ poste_id: p.id, nom: 'Mme Roux', ...slot(5 * H, 60 * 1000) }, 422, 'duree_invalide'],
      [{ poste_id: p.id, nom: 'Mme Roux', ...slot(5 * H, 9 * H) }, 422, 'duree_invalide'],
      [{ poste_id: p.id, nom: 'Mme Roux', ...slot(100 * 24 * H, H) }, 422, 'creneau_trop_loin'],
      [{ poste_id: m.id, nom: 'Mme Roux', ...slot(5 * H, H) }, 409, 'poste_indisponible'],
      [{ poste_id: p.id, ...slot(5 * H, H) }, 422, 'titulaire_invalide'],
      [{ poste_id: p.id, nom: 'X', utilisateur_id: u.id, ...slot(5 * H, H) }, 422, 'titulaire_invalide'],
      [{ poste_id: p.id, utilisateur_id: inactive.id, ...slot(5 * H, H) }, 422, 'utilisateur_inactive'],
      [{ poste_id: 4294967295, nom: 'X', ...slot(5 * H, H) }, 404, 'not_found'],
      [{ poste_id: p.id, nom: 'X', debut: 'demain', fin: L.iso(Date.now() + 6 * H) }, 422, 'validation_error'],
      [{ poste_id: p.id, nom: 'x'.repeat(101), ...slot(5 * H, H) }, 422, 'validation_error'],
    ]) refused(await staff.post('/api/reservations', body), st, code, JSON.stringify(body));
  });
  // Back-to-back slots are not an overlap.
  L.expectStatus(await staff.post('/api/reservations', { poste_id: p.id, nom: 'M. Blanc',
    debut: L.sqlOne(`SELECT DATE_FORMAT(MAX(fin), '%Y-%m-%dT%H:%i:%sZ') FROM reservations WHERE poste_id = ${p.id}`),
    fin: L.iso(Date.now() + 4 * H) }), 201, 'back to back');
});

test('during a reserved slot only the holder starts on the poste; the kiosk shows the slot, never the name', async () => {
  const p = await L.newPoste(staff);
  const k = L.kiosk(p.token);
  const holder = await L.newUtilisateur(staff), other = await L.newUtilisateur(staff);
  const r = L.expectStatus(await staff.post('/api/reservations',
    { poste_id: p.id, utilisateur_id: holder.id, debut: L.iso(Date.now() - 60 * 1000), fin: L.iso(Date.now() + H) }), 201);
  const seen = L.expectStatus(await k.get('/api/kiosk/session'), 200);
  assert.equal(seen.reservation.id, r.id);
  assert.equal(seen.reservation.debut, r.debut);
  assert.equal(JSON.stringify(seen.reservation).includes(holder.nom), false);
  assert.equal(seen.fuseau, 'Europe/Paris');
  const so = await L.newSession(staff, { utilisateur_id: other.id });
  refused(await k.post('/api/kiosk/start', { code: so.code }), 409, 'poste_reserve', 'someone else');
  assert.equal(L.sqlOne(`SELECT statut FROM sessions WHERE id = ${so.id}`), 'en_attente');
  const sh = await L.newSession(staff, { utilisateur_id: holder.id });
  L.expectStatus(await k.post('/api/kiosk/start', { code: sh.code }), 200, 'holder');
  const after = L.expectStatus(await staff.get(`/api/reservations/${r.id}`), 200);
  assert.equal(after.statut, 'honoree');
  assert.equal(after.session_id, sh.id);
  // Cancelling an honoured reservation is refused.
  refused(await staff.post(`/api/reservations/${r.id}/cancel`, {}), 409, 'invalid_state');
  L.expectStatus(await staff.post(`/api/sessions/${sh.id}/terminate`, {}), 200);
});

test('a no-show frees the poste after the delay (sweep, event), then anyone may start', async () => {
  const p = await L.newPoste(staff);
  const k = L.kiosk(p.token);
  const r = L.expectStatus(await staff.post('/api/reservations',
    { poste_id: p.id, nom: 'M. Absent', debut: L.iso(Date.now() - 60 * 1000), fin: L.iso(Date.now() + H) }), 201);
  const s = await L.newSession(staff);
  refused(await k.post('/api/kiosk/start', { code: s.code }), 409, 'poste_reserve', 'registered person on a walk-in slot');
  const since = L.lastEventId();
  // The slot began 20 minutes ago: past the 15-minute default delay.
  L.sql(`UPDATE reservations SET debut = UTC_TIMESTAMP(3) - INTERVAL 20 MINUTE WHERE id = ${r.id}`);
  await L.waitUntil(async () => (await staff.get(`/api/reservations/${r.id}`)).json.statut === 'liberee'
    || (L.cli('sweep') && false), 8000, 'no-show freed');
  const ev = L.expectStatus(await k.get(`/api/events?channel=postes/${p.id}&since=${since}`), 200);
  assert.ok(ev.events.some((e) => e.type === 'reservation_updated' && e.data.statut === 'liberee'));
  L.expectStatus(await k.post('/api/kiosk/start', { code: s.code }), 200, 'free again');
  L.expectStatus(await staff.post(`/api/sessions/${s.id}/terminate`, {}), 200);
});

test('statistics: series, postes, heatmap, categories, sites; CSV for French spreadsheets; bad ranges refused', async () => {
  const p = await L.newPoste(staff);
  const u = await L.newUtilisateur(staff);
  const s = await L.newSession(staff, { utilisateur_id: u.id, duree: 3600 });
  L.expectStatus(await L.kiosk(p.token).post('/api/kiosk/start', { code: s.code }), 200);
  L.expectStatus(await staff.post(`/api/sessions/${s.id}/terminate`, {}), 200);
  // Started two days ago at 12:30 UTC, 45 minutes used.
  const day = new Date(Date.now() - 2 * 24 * H);
  const ymd = day.toISOString().slice(0, 10);
  L.sql(`UPDATE sessions SET started_at = '${ymd} 12:30:00', ended_at = '${ymd} 13:15:00',
    duree_totale = 3600, temps_restant = 900 WHERE id = ${s.id}`);
  const q = `du=${ymd}&au=${ymd}`;
  const act = L.expectStatus(await staff.get(`/api/stats/activite?${q}&pas=jour`), 200);
  assert.equal(act.series.length, 1);
  assert.equal(act.series[0].periode, ymd);
  assert.ok(act.series[0].sessions >= 1 && act.total.sessions === act.series[0].sessions);
  assert.ok(act.total.personnes >= 1);
  const postes = L.expectStatus(await staff.get(`/api/stats/postes?${q}`), 200);
  const mine = postes.postes.find((x) => x.poste_id === p.id);
  assert.equal(mine.sessions, 1);
  assert.equal(mine.secondes, 2700);
  assert.equal(mine.heures, 0.75);
  assert.equal(mine.taux, 3.12, '45 min of a 24 h day (no site: always open)');
  const hm = L.expectStatus(await staff.get(`/api/stats/heures?${q}`), 200);
  assert.equal(hm.cellules.length, 168);
  const isoDow = ((day.getUTCDay() + 6) % 7) + 1;
  // 12:30 UTC is 13:30 or 14:30 in Paris.
  const cell = hm.cellules.filter((c) => c.jour === isoDow && (c.heure === 13 || c.heure === 14));
  assert.ok(cell.some((c) => c.sessions >= 1), JSON.stringify(cell));
  const cats = L.expectStatus(await staff.get(`/api/stats/categories?${q}`), 200);
  assert.ok(cats.categories.find((c) => c.code === 'adulte').sessions >= 1);
  L.expectStatus(await staff.get(`/api/stats/sites?${q}`), 200);
  // CSV: BOM, ';', CRLF, quoted text, decimal comma, a file name.
  const csv = await csvGet(`/api/stats/postes?${q}&format=csv`);
  assert.equal(csv.status, 200);
  assert.match(csv.headers.get('content-type'), /^text\/csv; charset=utf-8/);
  assert.match(csv.headers.get('content-disposition'), /attachment; filename="stats-postes-\d{8}-\d{8}\.csv"/);
  assert.deepEqual([...csv.bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 BOM');
  const lines = csv.text.split('\r\n');
  assert.equal(lines[0], '"Poste";"Site";"Sessions";"Heures";"Taux d\'occupation (%)"');
  assert.ok(lines.includes(`"${p.nom}";;1;0,75;3,12`), lines.join('\n'));
  // Refusals.
  for (const [qq, code] of [['du=2026-02-30', 'validation_error'], ['du=01/02/2026', 'validation_error'],
    ['du=2026-03-02&au=2026-03-01', 'periode_invalide'], ['du=2020-01-01&au=2026-01-01', 'periode_trop_longue'],
    ['pas=annee', 'validation_error'], ['format=xlsx', 'validation_error'], ['x=1', 'unknown_parameter']])
    refused(await staff.get(`/api/stats/activite?${qq}`), 422, code, qq);
  refused(await staff.get('/api/stats/postes?pas=jour'), 422, 'validation_error');
  const agentName = L.uniq('ag');
  L.expectStatus(await staff.post('/api/staff', { username: agentName, nom: 'Agent', role: 'agent', password: 'agent-password-1' }), 201);
  const agent = new L.Client();
  await agent.login(agentName, 'agent-password-1');
  refused(await agent.get('/api/stats/activite'), 403, 'forbidden');
});

test('audit viewer: filters, pages, CSV; admin only; bad filters refused', async () => {
  const u = await L.newUtilisateur(staff);
  L.expectStatus(await staff.patch(`/api/utilisateurs/${u.id}`, { notes: 'audit' }), 200);
  const r = L.expectStatus(await staff.get(`/api/audit?cible_type=utilisateur&cible_id=${u.id}`), 200);
  assert.deepEqual(r.results.map((x) => x.action), ['utilisateur.update', 'utilisateur.create']);
  assert.equal(r.results[0].staff_username, staff.user.username);
  const byAction = L.expectStatus(await staff.get(`/api/audit?action=utilisateur.update&staff_id=${staff.user.id}&per_page=1&page=1`), 200);
  assert.equal(byAction.per_page, 1);
  assert.ok(byAction.count >= 1);
  // Days are the town hall's (POSTES_TZ), not UTC's: after 23:00 UTC it is
  // already tomorrow in Paris.
  const today = new Intl.DateTimeFormat('sv-SE', { timeZone: process.env.POSTES_TZ || 'Europe/Paris' }).format(new Date());
  const ranged = L.expectStatus(await staff.get(`/api/audit?cible_type=utilisateur&cible_id=${u.id}&du=2000-01-01&au=${today}`), 200);
  assert.equal(ranged.count, 2);
  const none = L.expectStatus(await staff.get(`/api/audit?cible_type=utilisateur&cible_id=${u.id}&du=2000-01-01&au=2000-01-02`), 200);
  assert.equal(none.count, 0);
  const csv = await csvGet(`/api/audit?cible_type=utilisateur&cible_id=${u.id}&format=csv`);
  assert.match(csv.headers.get('content-disposition'), /journal-audit\.csv/);
  const rows = csv.text.trim().split('\r\n');
  assert.equal(rows.length, 3);
  assert.match(rows[1], /"utilisateur\.update";"utilisateur";\d+;/);
  const actions = L.expectStatus(await staff.get('/api/audit/actions'), 200);
  assert.ok(actions.actions.includes('utilisateur.create'));
  for (const [qq, code] of [['du=hier', 'validation_error'], ['staff_id=0', 'validation_error'],
    ['du=2026-03-02&au=2026-03-01', 'periode_invalide'], ['per_page=500', 'validation_error'], ['ordre=asc', 'unknown_parameter']])
    refused(await staff.get(`/api/audit?${qq}`), 422, code, qq);
});

test('a person exported (JSON, CSV) then erased: history anonymised, statistics kept, both audited', async () => {
  const p = await L.newPoste(staff);
  const nom = L.uniq('Effacé-');
  const u = await L.newUtilisateur(staff, { nom, prenom: 'Zoé', email: `${L.uniq('z')}@example.org` });
  const s = await L.newSession(staff, { utilisateur_id: u.id });
  L.expectStatus(await L.kiosk(p.token).post('/api/kiosk/start', { code: s.code }), 200);
  // Refused while a session is live, and without confirmation.
  await unchanged(async () => {
    refused(await staff.post(`/api/utilisateurs/${u.id}/erase`, { confirmer: true }), 409, 'sessions_en_cours');
    refused(await staff.post(`/api/utilisateurs/${u.id}/erase`, { confirmer: false }), 422, 'confirmation_requise');
    refused(await staff.post(`/api/utilisateurs/${u.id}/erase`, {}), 422, 'validation_error');
    refused(await staff.post('/api/utilisateurs/4294967295/erase', { confirmer: true }), 404, 'not_found');
  });
  L.expectStatus(await staff.post(`/api/sessions/${s.id}/terminate`, {}), 200);
  const ex = L.expectStatus(await staff.get(`/api/utilisateurs/${u.id}/export`), 200);
  assert.equal(ex.utilisateur.nom, nom);
  assert.deepEqual(ex.sessions.map((x) => x.id), [s.id]);
  assert.ok(ex.journal.some((j) => j.action === 'utilisateur.create'));
  const csv = await csvGet(`/api/utilisateurs/${u.id}/export?format=csv`);
  assert.match(csv.headers.get('content-disposition'), new RegExp(`donnees-utilisateur-${u.id}\\.csv`));
  assert.ok(csv.text.includes(`"utilisateur";1;"nom";"${nom}"`), csv.text.slice(0, 300));
  assert.ok(csv.text.includes(`"session";1;"id";"${s.id}"`));
  const erased = L.expectStatus(await staff.post(`/api/utilisateurs/${u.id}/erase`, { confirmer: true }), 200);
  assert.equal(erased.sessions_anonymisees, 1);
  refused(await staff.get(`/api/utilisateurs/${u.id}`), 404, 'not_found');
  const row = L.sql(`SELECT utilisateur_id, categorie_id, anonymise, statut FROM sessions WHERE id = ${s.id}`)[0];
  assert.deepEqual(row, [null, '1', '1', 'terminee']);
  assert.ok(Number(L.sqlOne(`SELECT COUNT(*) FROM events WHERE session_id = ${s.id}`)) > 0);
  assert.equal(L.sqlOne(`SELECT COUNT(*) FROM events WHERE payload LIKE BINARY '%${nom}%'`), '0', 'no name left in the outbox');
  const actions = L.sql(`SELECT action FROM audit_log WHERE cible_type = 'utilisateur' AND cible_id = ${u.id} ORDER BY id`).map((x) => x[0]);
  assert.deepEqual(actions.slice(-3), ['utilisateur.export', 'utilisateur.export', 'utilisateur.erase']);
});

test('retention: the sweep anonymises sessions ended longer ago than POSTES_RETENTION_MONTHS', async () => {
  const s = await L.newSession(staff);
  L.expectStatus(await staff.post(`/api/sessions/${s.id}/terminate`, {}), 200);
  const fresh = await L.newSession(staff);
  L.expectStatus(await staff.post(`/api/sessions/${fresh.id}/terminate`, {}), 200);
  L.sql(`UPDATE sessions SET ended_at = UTC_TIMESTAMP() - INTERVAL 13 MONTH WHERE id = ${s.id}`);
  L.cli('sweep');
  await L.waitUntil(() => L.sqlOne(`SELECT anonymise FROM sessions WHERE id = ${s.id}`) === '1', 70000, 'anonymised');
  assert.equal(L.sqlOne(`SELECT utilisateur_id FROM sessions WHERE id = ${s.id}`), null);
  assert.notEqual(L.sqlOne(`SELECT utilisateur_id FROM sessions WHERE id = ${fresh.id}`), null);
});

const { localMidnight, sqlTime } = L;

test("the dashboard's 'today' is the town hall's day: a session ended just after local midnight counts, one just before does not", async () => {
  const mid = localMidnight();
  const a = await L.newSession(staff);
  const b = await L.newSession(staff);
  for (const s of [a, b])
    L.expectStatus(await staff.post(`/api/sessions/${s.id}/terminate`, {}), 200, 'terminate');
  // Moved into the past: a at local midnight + 1 s, b one second before.
  // Between local and UTC midnight one of them is always on the other side
  // of the UTC day's start, whatever the hour the test runs.
  L.sql(`UPDATE sessions SET created_at = '${sqlTime(mid - 3600e3)}', ended_at = '${sqlTime(mid + 1000)}' WHERE id = ${a.id}`);
  L.sql(`UPDATE sessions SET created_at = '${sqlTime(mid - 3600e3)}', ended_at = '${sqlTime(mid - 1000)}' WHERE id = ${b.id}`);
  // The staff list's "today" filter.
  for (const [s, want] of [[a, 1], [b, 0]]) {
    const r = L.expectStatus(await staff.get(`/api/sessions?aujourdhui=true&utilisateur_id=${s.utilisateur_id}`), 200);
    assert.equal(r.results.length, want, `session ${s.id} ended at ${s.id === a.id ? '00:00:01' : '23:59:59'} local`);
  }
  // The counter: what the sessions table says for the local day (read
  // around the call, again if another session ended in between).
  const count = () => Number(L.sqlOne(`SELECT COUNT(*) FROM sessions WHERE statut = 'terminee' AND ended_at >= '${sqlTime(mid)}'`));
  let ok = false, seen;
  for (let i = 0; i < 5 && !ok; i++) {
    const before = count();
    seen = L.expectStatus(await staff.get('/api/dashboard/stats'), 200).sessions.terminees_aujourd_hui;
    ok = seen === before && count() === before;
  }
  assert.ok(ok, `terminees_aujourd_hui ${seen}, the local day counts ${count()}`);
});
