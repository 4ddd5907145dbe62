// admin-pages.test.mjs - the admin HTML pages (/admin/) against the real
// stack, as a browser without JavaScript uses them: plain GETs and
// urlencoded form posts, redirects not followed (each 303 is checked),
// cookies kept by hand.
//
// What must hold: anonymous visitors are sent to the log-in page; log-in
// works and a wrong password says so; every text is escaped (a person
// named <script>alert(1)</script> shows as text); a POST without the
// right CSRF token is refused with 403 and changes nothing in the
// database; changes answer 303 and the next page shows the flash message
// once; an agent cannot open the staff pages; the printable ticket shows
// the access code.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as L from './lib.mjs';

const FORM = 'application/x-www-form-urlencoded';
const XSS = '<script>alert(1)</script>';

const Browser = L.AdminBrowser;

// The page's visible flash message, or null.
const unescape = (s) => s.replace(/&(lt|gt|quot|#39|amp);/g,
  (_, e) => ({ lt: '<', gt: '>', quot: '"', '#39': "'", amp: '&' }[e]));
const flash = (html) => {
  const m = /<p class="flash" role="status">([^<]*)<\/p>/.exec(html);
  return m ? unescape(m[1]) : null;
};

const isHtml = (r) => {
  assert.match(r.headers.get('content-type') || '', /^text\/html; charset=utf-8/);
  assert.match(r.headers.get('content-security-policy') || '', /default-src 'none'/);
  assert.match(r.headers.get('content-security-policy') || '', /form-action 'self'/);
};

let api;	// the API as admin, for fixtures
let web;	// the admin pages as admin
before(async () => {
  api = await L.admin();
  web = new Browser();
  await web.adminLogin(L.ADMIN_USER, L.ADMIN_PASSWORD);
});

async function newAgent() {
  const username = L.uniq('agent');
  const password = 'mot-de-passe-agent';
  L.expectStatus(await api.post('/api/staff', { username, nom: 'Agent', role: 'agent', password }),
    201, 'create agent');
  return { username, password };
}

test('anonymous visitors are sent to the log-in page, which renders', async () => {
  for (const path of ['/admin/', '/admin', '/admin/staff', '/admin/sessions/1/ticket']) {
    const r = await L.request('GET', path);
    assert.equal(r.status, 303, path);
    assert.equal(r.headers.get('location'), '/admin/login', path);
  }
  const b = new Browser();
  const r = await b.get('/admin/login');
  assert.equal(r.status, 200);
  isHtml(r);
  assert.match(r.text, /<html lang="fr">/);
  assert.match(r.text, /<form method="post" action="\/admin\/login">/);
  assert.match(r.text, /name="username"/);
  assert.match(r.text, /name="password" type="password"/);
  Browser.csrf(r.text);
  assert.ok(b.jar.has('postes_pre'), 'a pre-session cookie binds the form');
});

test('a wrong password shows an error, with the name escaped', async () => {
  const b = new Browser();
  const name = `${L.uniq('x')}<b>"&`;
  const r = await b.submit('/admin/login', '/admin/login', { username: name, password: 'faux' });
  assert.equal(r.status, 401);
  isHtml(r);
  assert.match(r.text, /Identifiant ou mot de passe incorrect/);
  assert.ok(r.text.includes('&lt;b&gt;&quot;&amp;'), 'name shown escaped');
  assert.ok(!r.text.includes('<b>"&'), 'never raw');
  assert.ok(!b.jar.has('postes_sid'), 'no session');
  // An empty form is refused by the API's own validation.
  const e = await b.submit('/admin/login', '/admin/login', { username: '', password: '' });
  assert.equal(e.status, 422);
  assert.match(e.text, /class="error"/);
});

test('the log-in form needs its CSRF token and pre-session cookie', async () => {
  const b = new Browser();
  let r = await b.form('/admin/login', { username: L.ADMIN_USER, password: L.ADMIN_PASSWORD });
  assert.equal(r.status, 403);
  isHtml(r);
  assert.ok(!b.jar.has('postes_sid'));
  await b.get('/admin/login');
  r = await b.form('/admin/login', { csrf: 'x'.repeat(43), username: L.ADMIN_USER,
    password: L.ADMIN_PASSWORD });
  assert.equal(r.status, 403);
  assert.ok(!b.jar.has('postes_sid'));
});

test('log-in redirects, and the flash message shows once', async () => {
  const b = new Browser();
  const r = await b.adminLogin(L.ADMIN_USER, L.ADMIN_PASSWORD);
  assert.ok(b.jar.has('postes_sid'), 'session cookie set');
  assert.match(r.headers.getSetCookie().join('\n'), /postes_sid=[^;]+; Path=\/; HttpOnly; SameSite=Strict/);
  const home = await b.get('/admin/');
  assert.equal(home.status, 200);
  isHtml(home);
  assert.equal(flash(home.text), 'Vous êtes connecté(e).');
  assert.match(home.text, /Tableau de bord/);
  assert.match(home.text, /Sessions actives/);
  const again = await b.get('/admin/');
  assert.equal(flash(again.text), null, 'shown once');
  // Logged in, the log-in page sends home.
  const lp = await b.get('/admin/login');
  assert.equal(lp.status, 303);
  assert.equal(lp.headers.get('location'), '/admin/');
});

test('a person named <script>alert(1)</script> shows as text', async () => {
  const prenom = `${L.uniq('p')}"'&`;
  const r = await web.submit('/admin/utilisateurs', '/admin/utilisateurs',
    { nom: XSS, prenom, email: '', telephone: '', notes: XSS });
  assert.equal(r.status, 303, r.text);
  assert.equal(r.headers.get('location'), '/admin/utilisateurs');
  const id = L.sqlOne(`SELECT id FROM utilisateurs WHERE prenom = ${L.lit(prenom)}`);
  assert.ok(id, 'created');
  assert.equal(L.sqlOne(`SELECT nom FROM utilisateurs WHERE id = ${id}`), XSS, 'stored as typed');
  assert.equal(L.sqlOne(`SELECT email FROM utilisateurs WHERE id = ${id}`), null, 'empty is null');

  const list = await web.get(`/admin/utilisateurs?q=${encodeURIComponent(prenom)}`);
  assert.equal(list.status, 200);
  assert.equal(flash(list.text), "L'utilisateur a été créé.");
  assert.ok(list.text.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  assert.ok(list.text.includes(prenom.replace('"', '&quot;').replace("'", '&#39;').replace(/&$/, '&amp;')));
  assert.ok(!list.text.includes('<script'), 'never the raw tag');
  // The search box echoes the query, escaped.
  const q = await web.get(`/admin/utilisateurs?q=${encodeURIComponent('<script>')}`);
  assert.equal(q.status, 200);
  assert.ok(q.text.includes('value="&lt;script&gt;"'));
  assert.ok(!q.text.includes('<script'));
  // The edit form too, in attributes and in the textarea.
  const ed = await web.get(`/admin/utilisateurs/${id}`);
  assert.equal(ed.status, 200);
  assert.ok(ed.text.includes('value="&lt;script&gt;alert(1)&lt;/script&gt;"'));
  assert.ok(ed.text.includes('>&lt;script&gt;alert(1)&lt;/script&gt;</textarea>'));
  assert.ok(!ed.text.includes('<script'));
  // And the ticket of a session for this person.
  const s = await L.newSession(api, { utilisateur_id: Number(id) });
  const t = await web.get(`/admin/sessions/${s.id}/ticket`);
  assert.equal(t.status, 200);
  assert.ok(t.text.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  assert.ok(!t.text.includes('<script'));
});

test('a POST without, or with a wrong, CSRF token is 403 and changes nothing', async () => {
  const u = await L.newUtilisateur(api);
  const s = await L.newSession(api, { utilisateur_id: u.id });
  const other = new Browser();	// a valid token, of another staff session
  await other.adminLogin(L.ADMIN_USER, L.ADMIN_PASSWORD);
  const foreign = Browser.csrf((await other.get('/admin/')).text);
  const posts = [
    ['/admin/utilisateurs', { nom: L.uniq('csrf'), prenom: 'X' }],
    [`/admin/utilisateurs/${u.id}`, { nom: 'Changé', prenom: 'X', actif: '1' }],
    [`/admin/utilisateurs/${u.id}/desactiver`, {}],
    ['/admin/sessions', { utilisateur_id: String(u.id), minutes: '30', jours: '3' }],
    [`/admin/sessions/${s.id}/terminer`, {}],
    [`/admin/sessions/${s.id}/prolonger`, { minutes: '10' }],
    ['/admin/staff', { username: L.uniq('st'), nom: 'X', role: 'admin', password: 'motdepasse-long' }],
    ['/admin/postes', { nom: L.uniq('P'), emplacement: '' }],
    ['/admin/logout', {}],
  ];
  const before = L.dbFingerprint();
  for (const [path, fields] of posts) {
    for (const csrf of [undefined, '', 'faux', 'A'.repeat(43), foreign]) {
      const f = csrf === undefined ? fields : { ...fields, csrf };
      const r = await web.form(path, f);
      assert.equal(r.status, 403, `${path} csrf=${csrf}: ${r.status}`);
      isHtml(r);
      assert.match(r.text, /Jeton de sécurité/);
    }
  }
  assert.deepEqual(L.dbFingerprint(), before, 'nothing changed');
  // Still logged in (the logout was refused too).
  assert.equal((await web.get('/admin/')).status, 200);
});

test('a JSON body on a form route is 415; a form on a JSON route is 415', async () => {
  const r = await web.post('/admin/utilisateurs', { nom: 'x', prenom: 'y' });
  assert.equal(r.status, 415);
  const j = await api.req('POST', '/api/utilisateurs', undefined,
    { raw: 'nom=x&prenom=y', type: FORM });
  assert.equal(j.status, 415);
});

test('a refused form comes back with the message and the values, 422', async () => {
  const prenom = `${L.uniq('v')}<i>`;
  const before = L.dbFingerprint();
  const r = await web.submit('/admin/utilisateurs', '/admin/utilisateurs',
    { nom: '', prenom, email: 'pas-une-adresse', telephone: '', notes: '' });
  assert.equal(r.status, 422);
  isHtml(r);
  assert.match(r.text, /class="error" role="alert">Champ « nom »/);
  assert.ok(r.text.includes(`value="${prenom.replace('<', '&lt;').replace('>', '&gt;')}"`), 'value kept, escaped');
  assert.ok(r.text.includes('value="pas-une-adresse"'));
  assert.deepEqual(L.dbFingerprint(), before);

  const s = await web.submit('/admin/sessions', '/admin/sessions',
    { utilisateur_id: '', minutes: '0', jours: '3' });
  assert.equal(s.status, 422);
  assert.match(s.text, /Champ « durée \(minutes\) »/);
  assert.ok(s.text.includes('name="jours" type="number" value="3"'));
});

test('an agent cannot open the staff pages (403) but works the desk', async () => {
  const ag = await newAgent();
  const b = new Browser();
  await b.adminLogin(ag.username, ag.password);
  for (const path of ['/admin/staff', '/admin/staff/1']) {
    const r = await b.get(path);
    assert.equal(r.status, 403, path);
    isHtml(r);
    assert.match(r.text, /réservée aux administrateurs/);
  }
  const p = await b.get('/admin/sessions');
  assert.equal(p.status, 200);
  assert.ok(!p.text.includes('href="/admin/staff"'), 'no staff link in the menu');
  // A staff form posted by an agent (with a good token) changes nothing.
  const before = L.dbFingerprint();
  const r = await b.form('/admin/staff', { csrf: Browser.csrf(p.text), username: L.uniq('z'),
    nom: 'Z', role: 'admin', password: 'motdepasse-long' });
  assert.equal(r.status, 403);
  const c = await b.form('/admin/postes', { csrf: Browser.csrf(p.text), nom: L.uniq('P') });
  assert.equal(c.status, 403);
  assert.deepEqual(L.dbFingerprint(), before);
});

test('a session made in the form leads to its printable ticket with the code', async () => {
  const u = await L.newUtilisateur(api, { prenom: 'Élodie' });
  const list = await web.get(`/admin/sessions?utilisateur_id=${u.id}`);
  assert.equal(list.status, 200);
  assert.ok(list.text.includes(`<option value="${u.id}" selected>`), 'the person is preselected');
  const r = await web.form('/admin/sessions', { csrf: Browser.csrf(list.text),
    utilisateur_id: String(u.id), minutes: '90', jours: '7' });
  assert.equal(r.status, 303, r.text);
  const m = /^\/admin\/sessions\/(\d+)\/ticket$/.exec(r.headers.get('location'));
  assert.ok(m, r.headers.get('location'));
  const id = m[1];
  const [code, duree, statut] = L.sql(`SELECT code, duree_totale, statut FROM sessions WHERE id = ${id}`)[0];
  assert.equal(duree, '5400');
  assert.equal(statut, 'en_attente');
  const days = Number(L.sqlOne(`SELECT TIMESTAMPDIFF(HOUR, UTC_TIMESTAMP(), valide_jusqu) FROM sessions WHERE id = ${id}`));
  assert.ok(days >= 7 * 24 - 1 && days <= 7 * 24, `valid 7 days (${days} h)`);

  const t = await web.get(r.headers.get('location'));
  assert.equal(t.status, 200);
  isHtml(t);
  assert.equal(flash(t.text), 'La session a été créée : remettez ce ticket.');
  assert.ok(t.text.includes(`<p class="code" aria-label="Code d'accès">${code}</p>`));
  assert.match(t.text, /1 h 30 min/);
  assert.match(t.text, /Élodie/);
  assert.match(t.text, /@media print/);
  assert.equal(flash((await web.get(r.headers.get('location'))).text), null);

  // Extend, then end, from the list.
  let p = await web.get('/admin/sessions');
  let x = await web.form(`/admin/sessions/${id}/prolonger`, { csrf: Browser.csrf(p.text), minutes: '15' });
  assert.equal(x.status, 303);
  assert.equal(L.sqlOne(`SELECT duree_totale FROM sessions WHERE id = ${id}`), '6300');
  p = await web.get('/admin/sessions');
  assert.equal(flash(p.text), 'La session a été prolongée.');
  // Suspending a session that never started is refused: 409, said in the page.
  x = await web.form(`/admin/sessions/${id}/suspendre`, { csrf: Browser.csrf(p.text) });
  assert.equal(x.status, 409);
  assert.match(x.text, /class="error"/);
  x = await web.form(`/admin/sessions/${id}/terminer`, { csrf: Browser.csrf(p.text) });
  assert.equal(x.status, 303);
  assert.deepEqual(L.sql(`SELECT statut, raison FROM sessions WHERE id = ${id}`)[0], ['terminee', 'admin']);
  p = await web.get('/admin/sessions?statut=terminee');
  assert.equal(p.status, 200);
  assert.ok(p.text.includes(code));
  assert.match(p.text, /Terminée \(arrêtée par l&#39;accueil\)/);
});

test('postes: creation shows the token once; maintenance; token rotation', async () => {
  const nom = L.uniq('P-');
  const r = await web.submit('/admin/postes', '/admin/postes', { nom, emplacement: 'Salle 1' });
  assert.equal(r.status, 200);
  const tok = /<p class="token">([A-Za-z0-9_-]{43})<\/p>/.exec(r.text);
  assert.ok(tok, 'token shown');
  const id = L.sqlOne(`SELECT id FROM postes WHERE nom = ${L.lit(nom)}`);
  const k = await L.kiosk(tok[1]).post('/api/kiosk/heartbeat');
  assert.equal(k.status, 200, 'the token works');
  const list = await web.get('/admin/postes');
  assert.ok(!list.text.includes(tok[1]), 'never shown again');

  let x = await web.form(`/admin/postes/${id}/maintenance`, { csrf: Browser.csrf(list.text), maintenance: '1' });
  assert.equal(x.status, 303);
  assert.equal(L.sqlOne(`SELECT etat FROM postes WHERE id = ${id}`), 'maintenance');
  x = await web.form(`/admin/postes/${id}/maintenance`, { csrf: Browser.csrf(list.text), maintenance: '0' });
  assert.equal(x.status, 303);
  assert.notEqual(L.sqlOne(`SELECT etat FROM postes WHERE id = ${id}`), 'maintenance');

  x = await web.submit(`/admin/postes/${id}`, `/admin/postes/${id}/jeton`, {});
  assert.equal(x.status, 200);
  const tok2 = /<p class="token">([A-Za-z0-9_-]{43})<\/p>/.exec(x.text);
  assert.ok(tok2 && tok2[1] !== tok[1]);
  assert.equal((await L.kiosk(tok[1]).post('/api/kiosk/heartbeat')).status, 401, 'old token revoked');

  // A duplicate name is refused in the form, 409.
  const d = await web.submit('/admin/postes', '/admin/postes', { nom, emplacement: '' });
  assert.equal(d.status, 409);
  assert.match(d.text, /Un poste porte déjà ce nom/);
});

test('staff: create an agent, change the role, deactivate', async () => {
  const username = L.uniq('st');
  let r = await web.submit('/admin/staff', '/admin/staff',
    { username, nom: 'Nouvel agent', role: 'agent', password: 'Zq9-xw' });
  assert.equal(r.status, 422, 'password too short');
  assert.ok(!r.text.includes('Zq9-xw'), 'a password is never shown again');
  r = await web.submit('/admin/staff', '/admin/staff',
    { username, nom: 'Nouvel agent', role: 'agent', password: 'mot-de-passe-long' });
  assert.equal(r.status, 303);
  const id = L.sqlOne(`SELECT id FROM staff WHERE username = ${L.lit(username)}`);
  const page = await web.get('/admin/staff');
  assert.equal(flash(page.text), 'Le compte a été créé.');
  r = await web.submit(`/admin/staff/${id}`, `/admin/staff/${id}`,
    { nom: 'Agent promu', role: 'admin', actif: '1', password: '' });
  assert.equal(r.status, 303);
  assert.deepEqual(L.sql(`SELECT nom, role, actif FROM staff WHERE id = ${id}`)[0], ['Agent promu', 'admin', '1']);
  r = await web.submit(`/admin/staff/${id}`, `/admin/staff/${id}`,
    { nom: 'Agent promu', role: 'admin', password: '' });
  assert.equal(r.status, 303);
  assert.equal(L.sqlOne(`SELECT actif FROM staff WHERE id = ${id}`), '0');
  assert.equal((await web.get('/admin/staff/999999')).status, 404);
});

test('log-out is a form; afterwards the pages send to the log-in page', async () => {
  const b = new Browser();
  await b.adminLogin(L.ADMIN_USER, L.ADMIN_PASSWORD);
  const r = await b.submit('/admin/', '/admin/logout', {});
  assert.equal(r.status, 303);
  assert.equal(r.headers.get('location'), '/admin/login');
  assert.ok(!b.jar.has('postes_sid'));
  const lp = await b.get('/admin/login');
  assert.equal(flash(lp.text), 'Vous êtes déconnecté(e).');
  assert.equal((await b.get('/admin/')).status, 303);
});

// The /admin routes as router.c declares them: [method, pattern].
function adminRoutes() {
  const src = readFileSync(`${L.ROOT}fcgi-api/router.c`, 'utf8');
  const re = /\{\s*METH_(\w+),\s*"(\/admin[^"]*)",\s*\w+,\s*ACC_\w+,\s*B_\w+\s*\}/g;
  return [...src.matchAll(re)].map((m) => [m[1], m[2]]);
}

test('every admin route: anonymous callers are sent to log in, agents kept off staff pages', async () => {
  const routes = adminRoutes();
  assert.ok(routes.length >= 20, `parsed ${routes.length} admin routes`);
  const ag = await newAgent();
  const agent = new Browser();
  await agent.adminLogin(ag.username, ag.password);
  const csrf = Browser.csrf((await agent.get('/admin/')).text);
  const before = L.dbFingerprint();
  for (const [method, pattern] of routes) {
    const path = pattern.replace(':id', '4294967295');
    // The log-in page and the language switch are for anyone.
    if (path === '/admin/login' || path === '/admin/langue') continue;
    const r = method === 'GET' ? await L.request('GET', path)
      : await L.request(method, path, { raw: 'csrf=x', type: FORM });
    assert.equal(r.status, 303, `${method} ${path}`);
    assert.equal(r.headers.get('location'), '/admin/login', `${method} ${path}`);
    if (!pattern.startsWith('/admin/staff')) continue;
    const a = method === 'GET' ? await agent.get(path) : await agent.form(path, { csrf });
    assert.equal(a.status, 403, `agent ${method} ${path}`);
  }
  assert.deepEqual(L.dbFingerprint(), before);
});

test('refusals under /admin are pages: unknown path, wrong method, foreign origin', async () => {
  let r = await web.get('/admin/nulle-part');
  assert.equal(r.status, 404);
  isHtml(r);
  assert.match(r.text, /Ressource inconnue/);
  r = await web.req('DELETE', '/admin/utilisateurs');
  assert.equal(r.status, 405);
  isHtml(r);
  assert.ok(r.headers.get('allow').includes('POST'));
  const p = await web.get('/admin/utilisateurs');
  const before = L.dbFingerprint();
  r = await L.request('POST', '/admin/utilisateurs', {
    raw: new URLSearchParams({ csrf: Browser.csrf(p.text), nom: 'X', prenom: 'Y' }).toString(),
    type: FORM, cookie: web.cookie, headers: { origin: 'http://evil.example' },
  });
  assert.equal(r.status, 403);
  isHtml(r);
  assert.match(r.text, /Origine de la requête refusée/);
  assert.deepEqual(L.dbFingerprint(), before);
  // The API keeps answering JSON.
  r = await L.request('GET', '/api/nulle-part');
  assert.equal(r.status, 404);
  assert.equal(r.json.error.code, 'not_found');
});

test('a flash cookie selects a fixed message; anything else shows nothing', async () => {
  for (const v of ['<script>alert(1)</script>', 'inconnu', '%3Cb%3E']) {
    const r = await L.request('GET', '/admin/', { cookie: `${web.cookie}; postes_flash=${v}` });
    assert.equal(r.status, 200);
    assert.equal(flash(r.text), null, v);
    assert.ok(!r.text.includes('<script'));
    assert.match(r.headers.getSetCookie().join('\n'), /postes_flash=; Path=\/admin; HttpOnly; SameSite=Strict; Max-Age=0/);
  }
});
