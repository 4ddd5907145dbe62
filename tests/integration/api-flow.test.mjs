// api-flow.test.mjs - the whole desk-to-workstation flow, as staff and a
// kiosk see it: log in, create a poste (token shown once), a person, a
// session (code); the kiosk validates, starts, sends heartbeats; staff add
// time; the person leaves (balance kept), comes back on another poste;
// staff end it. Then the dashboard counters and the events outbox.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import * as L from './lib.mjs';

const CODE_RE = /^[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{6}$/;
const ISO_RE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
const SESSION_FIELDS = ['id', 'code', 'statut', 'raison', 'utilisateur_id',
  'utilisateur_nom', 'utilisateur_prenom', 'poste_id', 'poste_nom',
  'duree_totale', 'temps_restant', 'fin_prevue', 'valide_jusqu',
  'created_at', 'started_at', 'ended_at',
  // the person's category, guest passes, and the seed's names (issue 9)
  'categorie_id', 'categorie', 'invite', 'code_acces', 'utilisateur', 'poste',
  'duree_initiale', 'ferme_a'];
const t = (s) => Date.parse(s);

test('login, poste, utilisateur, session, kiosk start/extend/end/resume, terminate, stats, events', async () => {
  const since = L.lastEventId();

  // Staff log in: an HttpOnly, SameSite cookie and who they are.
  const staff = new L.Client();
  const li = await staff.login(L.ADMIN_USER, L.ADMIN_PASSWORD);
  assert.equal(li.json.username, L.ADMIN_USER);
  assert.equal(li.json.role, 'admin');
  assert.equal(li.json.password_hash, undefined);
  const sc = li.headers.getSetCookie().join('\n');
  assert.match(sc, /postes_sid=[A-Za-z0-9_-]{43};/);
  assert.match(sc, /HttpOnly/i);
  assert.match(sc, /SameSite=Strict/i);
  const me = await staff.get('/api/auth/me');
  assert.equal(me.status, 200);
  assert.equal(me.json.username, L.ADMIN_USER);

  // A poste: its token is in the creation answer, never again.
  const nomA = L.uniq('Poste-A-');
  let r = await staff.post('/api/postes', { nom: nomA, emplacement: 'Salle 1' });
  assert.equal(r.status, 201);
  const A = r.json;
  assert.equal(A.nom, nomA);
  assert.equal(A.emplacement, 'Salle 1');
  assert.equal(A.etat, 'hors_ligne');	// never seen yet
  assert.match(A.token, /^[A-Za-z0-9_-]{43}$/);
  r = await staff.get(`/api/postes/${A.id}`);
  assert.equal(r.status, 200);
  assert.equal(r.json.token, undefined);
  assert.ok(!r.text.includes(A.token));
  r = await staff.get('/api/postes?per_page=200');
  assert.ok(!r.text.includes(A.token));
  assert.equal(L.sqlOne(`SELECT HEX(token_hash) FROM postes WHERE id = ${A.id}`),
    crypto.createHash('sha256').update(A.token).digest('hex').toUpperCase());

  // A person.
  const nom = L.uniq('Durand');
  r = await staff.post('/api/utilisateurs', { nom, prenom: 'Élodie', email: `${nom}@example.org`,
    telephone: '+33 1 23 45 67 89', notes: 'première visite' });
  assert.equal(r.status, 201);
  const u = r.json;
  assert.equal(u.nom, nom);
  assert.equal(u.prenom, 'Élodie');
  assert.equal(u.actif, 1);
  assert.equal(u.nb_sessions, 0);

  // A session: a 6-character code from the unambiguous alphabet.
  r = await staff.post('/api/sessions', { utilisateur_id: u.id, duree: 1800 });
  assert.equal(r.status, 201);
  const s0 = r.json;
  assert.deepEqual(Object.keys(s0).sort(), [...SESSION_FIELDS].sort());
  assert.match(s0.code, CODE_RE);
  assert.equal(s0.statut, 'en_attente');
  assert.equal(s0.raison, null);
  assert.equal(s0.utilisateur_id, u.id);
  assert.equal(s0.utilisateur_nom, nom);
  assert.equal(s0.duree_totale, 1800);
  assert.equal(s0.temps_restant, 1800);
  assert.equal(s0.fin_prevue, null);
  assert.equal(s0.poste_id, null);
  assert.match(s0.valide_jusqu, ISO_RE);
  // Valid for 30 days by default.
  assert.ok(Math.abs(t(s0.valide_jusqu) - (Date.now() + 30 * 86400e3)) < 10e3);

  // The kiosk: first heartbeat brings the poste online.
  const kA = L.kiosk(A.token);
  r = await kA.post('/api/kiosk/heartbeat');
  assert.equal(r.status, 200);
  assert.equal(r.json.type, 'heartbeat');
  assert.equal(r.json.session, null);
  assert.equal(r.json.poste_id, A.id);
  assert.match(r.json.server_time, ISO_RE);
  assert.equal(L.sqlOne(`SELECT etat FROM postes WHERE id = ${A.id}`), 'disponible');

  // Validate: the code as typed (lower case, a dash) is recognised.
  const typed = `${s0.code.slice(0, 3).toLowerCase()}-${s0.code.slice(3)}`;
  r = await kA.post('/api/kiosk/validate', { code: typed });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.type, 'code_valid');
  assert.deepEqual(Object.keys(r.json.session).sort(), [...SESSION_FIELDS].sort());
  assert.equal(r.json.session.id, s0.id);
  assert.equal(r.json.session.code, s0.code);
  assert.equal(r.json.session.statut, 'en_attente');
  assert.equal(r.json.session.temps_restant, 1800);
  assert.equal(r.json.session.utilisateur_prenom, 'Élodie');
  assert.equal(typeof r.json.ticket, 'string');
  // Validation alone starts nothing.
  assert.equal(L.sqlOne(`SELECT statut FROM sessions WHERE id = ${s0.id}`), 'en_attente');

  // Start: active, ends at now + duree, the poste is occupied.
  const t0 = Date.now();
  r = await kA.post('/api/kiosk/start', { code: s0.code });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.type, 'session_started');
  let s = r.json.session;
  assert.equal(s.statut, 'active');
  assert.equal(s.poste_id, A.id);
  assert.equal(s.poste_nom, nomA);
  assert.match(s.fin_prevue, ISO_RE);
  assert.ok(Math.abs(t(s.fin_prevue) - (t0 + 1800e3)) < 3000, `fin_prevue ${s.fin_prevue}`);
  assert.ok(s.temps_restant <= 1800 && s.temps_restant >= 1797, `temps_restant ${s.temps_restant}`);
  assert.match(s.started_at, ISO_RE);
  r = await staff.get(`/api/postes/${A.id}`);
  assert.equal(r.json.etat, 'occupe');
  assert.equal(r.json.session_id, s0.id);
  assert.equal(r.json.utilisateur_nom, nom);
  // A reload of the kiosk asking to start again gets the same session.
  r = await kA.post('/api/kiosk/start', { code: s0.code });
  assert.equal(r.status, 200);
  assert.equal(r.json.session.id, s0.id);
  assert.equal(r.json.session.fin_prevue, s.fin_prevue);

  // Heartbeat: the session as the server sees it.
  r = await kA.post('/api/kiosk/heartbeat');
  assert.equal(r.status, 200);
  assert.equal(r.json.session.id, s0.id);
  assert.equal(r.json.session.statut, 'active');
  assert.ok(r.json.session.temps_restant <= 1800 && r.json.session.temps_restant >= 1795);
  r = await kA.get('/api/kiosk/session');
  assert.equal(r.status, 200);
  assert.equal(r.json.session.id, s0.id);

  // Staff add 10 minutes: the end moves by exactly that, time left grows.
  const before = (await staff.get(`/api/sessions/${s0.id}`)).json;
  r = await staff.post(`/api/sessions/${s0.id}/extend`, { duree: 600 });
  assert.equal(r.status, 200, r.text);
  assert.equal(t(r.json.fin_prevue) - t(before.fin_prevue), 600e3);
  assert.ok(r.json.temps_restant >= before.temps_restant + 598, `${r.json.temps_restant} vs ${before.temps_restant}`);
  assert.equal(r.json.duree_totale, 2400);
  assert.equal(r.json.statut, 'active');

  // The person leaves: suspendue, the balance is kept, the poste is free.
  r = await kA.post('/api/kiosk/end');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.type, 'session_suspended');
  s = r.json.session;
  assert.equal(s.statut, 'suspendue');
  assert.equal(s.fin_prevue, null);
  const kept = s.temps_restant;
  const elapsed = Math.ceil((Date.now() - t0) / 1000);
  assert.ok(kept <= 2400 && kept >= 2400 - elapsed - 1, `kept ${kept}, elapsed ${elapsed}`);
  assert.equal(Number(L.sqlOne(`SELECT temps_restant FROM sessions WHERE id = ${s0.id}`)), kept);
  assert.equal(L.sqlOne(`SELECT etat FROM postes WHERE id = ${A.id}`), 'disponible');
  r = await kA.post('/api/kiosk/end');
  assert.equal(r.status, 409);
  assert.equal(r.json.error.code, 'no_session');

  // Back later on another poste: the session resumes with its balance.
  const B = await L.newPoste(staff);
  const kB = L.kiosk(B.token);
  r = await kB.post('/api/kiosk/start', { code: s0.code });
  assert.equal(r.status, 200, r.text);
  s = r.json.session;
  assert.equal(s.statut, 'active');
  assert.equal(s.poste_id, B.id);
  assert.ok(s.temps_restant <= kept && s.temps_restant >= kept - 2, `${s.temps_restant} vs ${kept}`);
  assert.equal(L.sqlOne(`SELECT etat FROM postes WHERE id = ${B.id}`), 'occupe');
  assert.equal(r.json.session.started_at, before.started_at);	// first start kept

  // Staff end it: terminee, raison admin, the poste is free again.
  await kB.post('/api/kiosk/heartbeat');
  r = await staff.post(`/api/sessions/${s0.id}/terminate`, {});
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.statut, 'terminee');
  assert.equal(r.json.raison, 'admin');
  assert.match(r.json.ended_at, ISO_RE);
  r = await staff.get(`/api/postes/${B.id}`);
  assert.equal(r.json.etat, 'disponible');
  assert.equal(r.json.session_id, null);
  // The code is dead now.
  r = await kB.post('/api/kiosk/validate', { code: s0.code });
  assert.equal(r.status, 404);
  assert.equal(r.json.error.code, 'code_inconnu');

  // Lists find it.
  r = await staff.get(`/api/sessions?utilisateur_id=${u.id}`);
  assert.equal(r.status, 200);
  assert.equal(r.json.count, 1);
  assert.equal(r.json.results[0].id, s0.id);
  r = await staff.get(`/api/sessions?q=${s0.code}`);
  assert.ok(r.json.results.some((x) => x.id === s0.id));
  r = await staff.get(`/api/utilisateurs?q=${encodeURIComponent(nom)}`);
  assert.equal(r.json.count, 1);
  assert.equal(r.json.results[0].nb_sessions, 1);

  // Dashboard counters: the seed's shape, the database's numbers; "today"
  // and "this month" are the town hall's (POSTES_TZ).
  const counts = L.dashboardCounts;
  let stats, c1, c2;
  for (let i = 0; i < 5; i++) {	// the clock may move a poste in between
    c1 = counts();
    r = await staff.get('/api/dashboard/stats');
    c2 = counts();
    stats = r.json;
    if (JSON.stringify(c1) === JSON.stringify(c2)) break;
  }
  assert.equal(r.status, 200);
  assert.deepEqual(Object.keys(stats).sort(), ['postes', 'sessions', 'timestamp', 'utilisateurs']);
  assert.deepEqual(Object.keys(stats.utilisateurs), ['total', 'actifs', 'nouveaux_mois']);
  assert.deepEqual(Object.keys(stats.sessions), ['total', 'actives', 'en_attente', 'terminees_aujourd_hui']);
  assert.deepEqual(Object.keys(stats.postes), ['total', 'disponibles', 'occupes', 'hors_ligne']);
  assert.match(stats.timestamp, ISO_RE);
  assert.deepEqual([
    stats.utilisateurs.total, stats.utilisateurs.actifs, stats.utilisateurs.nouveaux_mois,
    stats.sessions.total, stats.sessions.actives, stats.sessions.en_attente,
    stats.sessions.terminees_aujourd_hui,
    stats.postes.total, stats.postes.disponibles, stats.postes.occupes, stats.postes.hors_ligne,
  ], c1);
  assert.ok(stats.sessions.terminees_aujourd_hui >= 1);

  // Events: the session's own channel, in order, each once.
  const chan = `sessions/${s0.id}`;
  r = await staff.get(`/api/events?channel=${encodeURIComponent(chan)}&since=${since}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.channel, chan);
  assert.equal(r.json.reset, false);
  const evs = r.json.events;
  assert.deepEqual(evs.map((e) => e.type), ['session_created', 'code_valid', 'session_started',
    'session_extended', 'session_suspended', 'session_started', 'session_terminated']);
  for (let i = 0; i < evs.length; i++) {
    const e = evs[i];
    // session_terminated also carries the seed's top-level raison and
    // message, code_valid its session (issue 9, item 10).
    const seed = { session_terminated: ['message', 'raison'], code_valid: ['session'] }[e.type] || [];
    assert.deepEqual(Object.keys(e).sort(),
      ['data', 'id', 'poste_id', 'session_id', 'timestamp', 'type', ...seed].sort());
    assert.equal(e.session_id, s0.id);
    assert.ok(e.id > since);
    if (i > 0) assert.ok(e.id > evs[i - 1].id, 'ids increase');
    assert.match(e.timestamp, ISO_RE);
  }
  assert.equal(r.json.last_id, evs.at(-1).id);
  assert.equal(evs[0].data.statut, 'en_attente');
  assert.equal(evs[2].poste_id, A.id);
  assert.equal(evs[2].data.statut, 'active');
  assert.equal(evs[3].data.ajout, 600);
  assert.equal(evs[4].data.statut, 'suspendue');
  assert.equal(evs[5].poste_id, B.id);
  assert.equal(evs[6].data.raison, 'admin');
  // Page by page (limit=2, since=last_id): the same events, none twice.
  const paged = [];
  let cursor = since;
  for (let i = 0; i < 10; i++) {
    r = await staff.get(`/api/events?channel=${encodeURIComponent(chan)}&since=${cursor}&limit=2`);
    assert.equal(r.status, 200);
    assert.ok(r.json.events.length <= 2);
    if (r.json.events.length === 0) break;
    paged.push(...r.json.events);
    cursor = r.json.last_id;
  }
  assert.deepEqual(paged.map((e) => e.id), evs.map((e) => e.id));
  // Nothing more after the last one.
  r = await staff.get(`/api/events?channel=${encodeURIComponent(chan)}&since=${evs.at(-1).id}`);
  assert.deepEqual(r.json.events, []);
  assert.equal(r.json.last_id, evs.at(-1).id);
  // The staff "sessions" channel has them too, in the same order.
  r = await staff.get(`/api/events?channel=sessions&since=${since}&limit=200`);
  const mine = r.json.events.filter((e) => e.session_id === s0.id);
  assert.deepEqual(mine.map((e) => e.id), evs.map((e) => e.id));
  const ids = r.json.events.map((e) => e.id);
  assert.deepEqual(ids, [...new Set(ids)].sort((a, b) => a - b));
  // "postes": A went online, occupied, free.
  r = await staff.get(`/api/events?channel=postes&since=${since}&limit=200`);
  const etatsA = r.json.events.filter((e) => e.type === 'poste_status' && e.poste_id === A.id)
    .map((e) => e.data.etat);
  assert.deepEqual(etatsA.slice(0, 3), ['disponible', 'occupe', 'disponible']);
  // The kiosk now running nothing but that ran it last may follow it; the
  // first poste may not any more.
  r = await kB.get(`/api/events?channel=${encodeURIComponent(chan)}&since=${since}`);
  assert.equal(r.status, 200);
  assert.equal(r.json.events.length, evs.length);
  r = await kA.get(`/api/events?channel=${encodeURIComponent(chan)}&since=${since}`);
  assert.equal(r.status, 403);
  // Without since: nothing old, the current last id to start from.
  r = await staff.get(`/api/events?channel=${encodeURIComponent(chan)}`);
  assert.deepEqual(r.json.events, []);
  assert.ok(r.json.last_id >= evs.at(-1).id);
  // A client ahead of the server starts afresh.
  r = await staff.get(`/api/events?channel=dashboard&since=${Number.MAX_SAFE_INTEGER}`);
  assert.equal(r.status, 200);
  assert.equal(r.json.reset, true);

  // Log out: the cookie stops working at once.
  const cookie = staff.cookie;
  r = await staff.post('/api/auth/logout');
  assert.equal(r.status, 204);
  r = await L.request('GET', '/api/auth/me', { cookie });
  assert.equal(r.status, 401);
});

test('pagination shape, filters and search on the lists', async () => {
  const staff = await L.admin();
  const tag = L.uniq('Pag');
  for (let i = 0; i < 3; i++) await L.newUtilisateur(staff, { nom: `${tag}${i}` });
  let r = await staff.get(`/api/utilisateurs?q=${tag}&per_page=2`);
  assert.equal(r.status, 200);
  assert.deepEqual(Object.keys(r.json).sort(), ['count', 'page', 'per_page', 'results']);
  assert.equal(r.json.count, 3);
  assert.equal(r.json.page, 1);
  assert.equal(r.json.per_page, 2);
  assert.deepEqual(r.json.results.map((x) => x.nom), [`${tag}0`, `${tag}1`]);
  r = await staff.get(`/api/utilisateurs?q=${tag}&per_page=2&page=2`);
  assert.deepEqual(r.json.results.map((x) => x.nom), [`${tag}2`]);
  r = await staff.get(`/api/utilisateurs?q=${tag}&per_page=2&page=3`);
  assert.deepEqual(r.json.results, []);
  assert.equal(r.json.count, 3);
  // LIKE wildcards in q are literal.
  r = await staff.get(`/api/utilisateurs?q=${encodeURIComponent('%')}`);
  assert.equal(r.status, 200);
  assert.ok(r.json.results.every((x) => x.nom.startsWith('%') || x.prenom.startsWith('%')
    || (x.email || '').startsWith('%')));
  // Deactivate one: the actif filter sees it.
  const first = (await staff.get(`/api/utilisateurs?q=${tag}0`)).json.results[0];
  r = await staff.patch(`/api/utilisateurs/${first.id}`, { actif: false });
  assert.equal(r.status, 200);
  assert.equal(r.json.actif, 0);
  r = await staff.get(`/api/utilisateurs?q=${tag}&actif=false`);
  assert.deepEqual(r.json.results.map((x) => x.id), [first.id]);
  // A person without sessions is deleted outright; with sessions, kept inactive.
  r = await staff.del(`/api/utilisateurs/${first.id}`);
  assert.equal(r.status, 204);
  assert.equal(L.sqlOne(`SELECT COUNT(*) FROM utilisateurs WHERE id = ${first.id}`), '0');
  const s = await L.newSession(staff);
  r = await staff.del(`/api/utilisateurs/${s.utilisateur_id}`);
  assert.equal(r.status, 200);
  assert.equal(r.json.actif, 0);
  // ... and an inactive person gets no new session.
  r = await staff.post('/api/sessions', { utilisateur_id: s.utilisateur_id, duree: 600 });
  assert.equal(r.status, 422);
  assert.equal(r.json.error.code, 'utilisateur_inactive');

  // Postes: filter by etat, each row with what the grid shows.
  const p = await L.newPoste(staff);
  r = await staff.post(`/api/postes/${p.id}/maintenance`, { maintenance: true });
  assert.equal(r.status, 200);
  assert.equal(r.json.etat, 'maintenance');
  r = await staff.get('/api/postes?etat=maintenance&per_page=200');
  assert.ok(r.json.results.some((x) => x.id === p.id));
  assert.ok(r.json.results.every((x) => x.etat === 'maintenance'));
  r = await staff.post(`/api/postes/${p.id}/maintenance`, { maintenance: false });
  assert.equal(r.status, 200);
  assert.equal(r.json.etat, 'hors_ligne');	// never seen: offline, not free
  // Sessions: filter by statut.
  r = await staff.get('/api/sessions?statut=en_attente&per_page=5');
  assert.equal(r.status, 200);
  assert.ok(r.json.results.length <= 5);
  assert.ok(r.json.results.every((x) => x.statut === 'en_attente'));
  // Staff accounts list (admin).
  r = await staff.get('/api/staff');
  assert.equal(r.status, 200);
  assert.ok(r.json.results.some((x) => x.username === L.ADMIN_USER));
  assert.ok(!r.text.includes('password_hash'));
});

test('poste update, token rotation, delete and deactivate', async () => {
  const staff = await L.admin();
  const p = await L.newPoste(staff);
  const nom = L.uniq('Renomme-');
  let r = await staff.patch(`/api/postes/${p.id}`, { nom, emplacement: 'Salle 2' });
  assert.equal(r.status, 200);
  assert.equal(r.json.nom, nom);
  assert.equal(r.json.emplacement, 'Salle 2');
  // Rotation: the new token works, the old one is refused.
  r = await staff.post(`/api/postes/${p.id}/token`);
  assert.equal(r.status, 200);
  assert.match(r.json.token, /^[A-Za-z0-9_-]{43}$/);
  assert.notEqual(r.json.token, p.token);
  assert.equal((await L.kiosk(r.json.token).post('/api/kiosk/heartbeat')).status, 200);
  // A poste that never ran a session is deleted; one with a history is
  // deactivated (kept for the statistics).
  r = await staff.del(`/api/postes/${p.id}`);
  assert.equal(r.status, 204);
  assert.equal(L.sqlOne(`SELECT COUNT(*) FROM postes WHERE id = ${p.id}`), '0');
  const q = await L.newPoste(staff);
  const s = await L.newSession(staff);
  assert.equal((await L.kiosk(q.token).post('/api/kiosk/start', { code: s.code })).status, 200);
  r = await staff.del(`/api/postes/${q.id}`);
  assert.equal(r.status, 409);
  assert.equal(r.json.error.code, 'poste_busy');
  assert.equal((await staff.post(`/api/sessions/${s.id}/suspend`)).json.statut, 'suspendue');
  r = await staff.del(`/api/postes/${q.id}`);
  assert.equal(r.status, 200);
  assert.equal(r.json.actif, 0);
  // A deactivated poste's token opens nothing.
  r = await L.kiosk(q.token).post('/api/kiosk/heartbeat');
  assert.equal(r.status, 401);
});
