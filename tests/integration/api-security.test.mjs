// api-security.test.mjs - what protects the desk: the audit log of staff
// actions, secrets stored only as hashes, the Origin rule for cookie
// writes, throttled log-in, revoked workstation tokens, cookie and
// header hygiene.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import crypto from 'node:crypto';
import * as L from './lib.mjs';

const sha256hex = (s) => crypto.createHash('sha256').update(s).digest('hex').toUpperCase();

function dump() {
  return execFileSync('mariadb-dump', [`--socket=${process.env.POSTES_DB_SOCKET}`, '-uroot',
    '--skip-extended-insert', '--hex-blob', '--skip-comments', 'postes'],
  { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
}

function configuredOrigin() {
  try {
    const m = readFileSync(process.env.POSTES_CONFIG, 'utf8').match(/^POSTES_ORIGIN=(.*)$/m);
    if (m) return m[1].trim();
  } catch { /* no file: the default below */ }
  return L.BASE;
}

async function newAgent(admin, password = 'mot-de-passe-agent') {
  const username = L.uniq('ag');
  const r = await admin.post('/api/staff', { username, nom: 'Agent', role: 'agent', password });
  assert.equal(r.status, 201, r.text);
  return { id: r.json.id, username, password };
}

let admin;
before(async () => { admin = await L.admin(); });

test('every staff action leaves one audit row: who, what, on what, from where', async () => {
  const c = new L.Client();
  await c.login(L.ADMIN_USER, L.ADMIN_PASSWORD);
  const me = c.user.id;
  const from = Number(L.sqlOne('SELECT COALESCE(MAX(id), 0) FROM audit_log'));
  // Logging in was recorded already; take it from just before.
  const login = L.sql(`SELECT action, staff_id, cible_id, ip FROM audit_log WHERE staff_id = ${me}
    AND action = 'auth.login' ORDER BY id DESC LIMIT 1`)[0];
  assert.deepEqual(login.slice(0, 3), ['auth.login', String(me), String(me)]);
  assert.ok(login[3].length > 0, 'ip recorded');

  const u = await L.newUtilisateur(c);
  await c.patch(`/api/utilisateurs/${u.id}`, { notes: 'note' });
  const p = await L.newPoste(c);
  await c.patch(`/api/postes/${p.id}`, { emplacement: 'ailleurs' });
  await c.post(`/api/postes/${p.id}/token`);
  await c.post(`/api/postes/${p.id}/maintenance`, { maintenance: true });
  await c.post(`/api/postes/${p.id}/maintenance`, { maintenance: false });
  const s = await L.newSession(c, { utilisateur_id: u.id, duree: 600 });
  await c.post(`/api/sessions/${s.id}/extend`, { duree: 60 });
  const p2 = await L.newPoste(c);
  assert.equal((await L.kiosk(p2.token).post('/api/kiosk/start', { code: s.code })).status, 200);
  await c.post(`/api/sessions/${s.id}/suspend`);
  await c.post(`/api/sessions/${s.id}/terminate`);
  await c.del(`/api/utilisateurs/${u.id}`);	// has a session: deactivated
  const u2 = await L.newUtilisateur(c);
  await c.del(`/api/utilisateurs/${u2.id}`);	// none: deleted
  await c.del(`/api/postes/${p.id}`);
  const ag = await newAgent(c);
  await c.patch(`/api/staff/${ag.id}`, { nom: 'Renommé' });
  await c.post('/api/auth/logout');

  const rows = L.sql(`SELECT action, cible_type, COALESCE(cible_id, 0), staff_id FROM audit_log
    WHERE id > ${from} AND staff_id = ${me} ORDER BY id`).map((r) => r.slice(0, 3).join(' '));
  assert.deepEqual(rows, [
    `utilisateur.create utilisateur ${u.id}`,
    `utilisateur.update utilisateur ${u.id}`,
    `poste.create poste ${p.id}`,
    `poste.update poste ${p.id}`,
    `poste.rotate_token poste ${p.id}`,
    `poste.maintenance_on poste ${p.id}`,
    `poste.maintenance_off poste ${p.id}`,
    `session.create session ${s.id}`,
    `session.extend session ${s.id}`,
    `poste.create poste ${p2.id}`,
    `session.suspend session ${s.id}`,
    `session.terminate session ${s.id}`,
    `utilisateur.deactivate utilisateur ${u.id}`,
    `utilisateur.create utilisateur ${u2.id}`,
    `utilisateur.delete utilisateur ${u2.id}`,
    `poste.delete poste ${p.id}`,
    `staff.create staff ${ag.id}`,
    `staff.update staff ${ag.id}`,
    `auth.logout staff ${me}`,
  ]);
  // Details that matter: how much time was given, the ending's reason.
  assert.equal(L.sqlOne(`SELECT detail FROM audit_log WHERE id > ${from} AND action = 'session.extend'
    AND cible_id = ${s.id}`), 'secondes=60');
  assert.equal(L.sqlOne(`SELECT detail FROM audit_log WHERE id > ${from} AND action = 'session.terminate'
    AND cible_id = ${s.id}`), 'admin');
  // The kiosk is not staff: its start leaves no staff row.
  assert.equal(L.sqlOne(`SELECT COUNT(*) FROM audit_log WHERE id > ${from} AND action = 'session.start'`), '0');
});

test('failed log-ins are audited without a staff id; a wrong name costs the same answer', async () => {
  const from = Number(L.sqlOne('SELECT COALESCE(MAX(id), 0) FROM audit_log'));
  // A name that is no account may be a password typed in the wrong
  // field: neither the audit log nor the throttle table keeps its text.
  const ghost = L.uniq('MonMotDePasse');
  const r = await L.request('POST', '/api/auth/login', { body: { username: ghost, password: 'x' } });
  assert.equal(r.status, 401);
  assert.equal(r.json.error.code, 'invalid_credentials');
  const rows = L.sql(`SELECT action, staff_id, detail FROM audit_log WHERE id > ${from}`);
  assert.equal(rows.length, 1);
  assert.deepEqual(rows[0].slice(0, 2), ['auth.login_failed', null]);
  assert.match(rows[0][2], /^inconnu #[0-9a-f]{24}$/);
  const again = await L.request('POST', '/api/auth/login', { body: { username: ghost, password: 'y' } });
  assert.equal(again.status, 401);
  // The same name gives the same tag: repeated attempts still show.
  assert.equal(L.sqlOne(`SELECT COUNT(*) FROM audit_log WHERE id > ${from} AND detail = ${L.lit(rows[0][2])}`), '2');
  assert.equal(L.sqlOne(`SELECT COUNT(*) FROM audit_log WHERE detail LIKE ${L.lit(`%${ghost}%`)}`), '0');
  assert.equal(L.sqlOne(`SELECT COUNT(*) FROM throttle WHERE k LIKE ${L.lit(`%${ghost}%`)}`), '0');
});

test('the database keeps hashes only: staff cookies, workstation tokens, passwords', async () => {
  const password = `pw-${L.uniq()}`;
  const ag = await newAgent(admin, password);
  const c = new L.Client();
  const r = await c.login(ag.username, password);
  const sid = c.jar.get('postes_sid');
  assert.match(sid, /^[A-Za-z0-9_-]{43}$/);
  // The cookie's SHA-256 is the key of the staff session row.
  assert.equal(L.sqlOne(`SELECT COUNT(*) FROM staff_sessions WHERE staff_id = ${ag.id}
    AND HEX(token_hash) = '${sha256hex(sid)}'`), '1');
  const p = await L.newPoste(admin);
  const rot = (await admin.post(`/api/postes/${p.id}/token`)).json.token;
  assert.equal(L.sqlOne(`SELECT HEX(token_hash) FROM postes WHERE id = ${p.id}`), sha256hex(rot));
  assert.match(L.sqlOne(`SELECT password_hash FROM staff WHERE id = ${ag.id}`), /^\$argon2id\$/);
  // None of the secrets appears anywhere in the database.
  const all = dump();
  for (const [what, secret] of [['cookie', sid], ['poste token', p.token], ['rotated token', rot],
    ['password', password], ['admin password', L.ADMIN_PASSWORD]]) {
    assert.ok(!all.includes(secret), `${what} found in the database`);
  }
  assert.ok(r.json.password_hash === undefined);
});

test('a cookie write from a foreign Origin or Referer: 403 bad_origin, nothing written', async () => {
  const origin = configuredOrigin();
  const body = () => ({ nom: L.uniq('Csrf'), prenom: 'x' });
  const before = L.dbFingerprint();
  for (const headers of [{ origin: 'http://evil.example' }, { origin: 'null' }, { origin: `${origin}.evil.example` },
    { origin: `${origin}/` }, { origin: origin.replace('http:', 'https:') },
    { referer: 'http://evil.example/page' }, { referer: `${origin}.evil.example/` },
    { referer: `${origin}@evil.example/` }]) {
    for (const [m, path, b] of [['POST', '/api/utilisateurs', body()], ['POST', '/api/auth/logout'],
      ['PATCH', `/api/postes/${NONE_ID}`, { nom: 'x' }], ['DELETE', `/api/utilisateurs/${NONE_ID}`]]) {
      const r = await L.request(m, path, { cookie: admin.cookie, headers, body: b });
      assert.equal(r.status, 403, `${m} ${path} ${JSON.stringify(headers)}: ${r.text}`);
      assert.equal(r.json.error.code, 'bad_origin');
    }
  }
  // Logging in from elsewhere is refused too (no log-in CSRF).
  let r = await L.request('POST', '/api/auth/login', { headers: { origin: 'http://evil.example' },
    body: { username: L.ADMIN_USER, password: L.ADMIN_PASSWORD } });
  assert.equal(r.status, 403);
  assert.equal(r.json.error.code, 'bad_origin');
  assert.deepEqual(L.dbFingerprint(), before);
  // Our own origin, or a same-origin Referer, or none (not a browser): fine.
  r = await L.request('POST', '/api/utilisateurs', { cookie: admin.cookie, headers: { origin }, body: body() });
  assert.equal(r.status, 201, r.text);
  r = await L.request('POST', '/api/utilisateurs', { cookie: admin.cookie,
    headers: { referer: `${origin}/admin/` }, body: body() });
  assert.equal(r.status, 201, r.text);
  // Reads are not writes; a kiosk's Bearer token is not a cookie.
  r = await L.request('GET', '/api/dashboard/stats', { cookie: admin.cookie, headers: { origin: 'http://evil.example' } });
  assert.equal(r.status, 200);
  const p = await L.newPoste(admin);
  r = await L.request('POST', '/api/kiosk/heartbeat', { bearer: p.token, headers: { origin: 'http://evil.example' } });
  assert.equal(r.status, 200);
});
const NONE_ID = 4294967295;

test('log-in throttle: 5 wrong passwords for one account, then 429 with Retry-After, even with the right one', async () => {
  const ag = await newAgent(admin);
  for (let i = 0; i < 5; i++) {
    const r = await L.request('POST', '/api/auth/login', { body: { username: ag.username, password: `faux-${i}` } });
    assert.equal(r.status, 401, `try ${i + 1}`);
    assert.equal(r.json.error.code, 'invalid_credentials');
  }
  const r = await L.request('POST', '/api/auth/login', { body: { username: ag.username, password: ag.password } });
  assert.equal(r.status, 429, r.text);
  assert.equal(r.json.error.code, 'too_many_attempts');
  const ra = Number(r.headers.get('retry-after'));
  assert.ok(Number.isInteger(ra) && ra >= 1 && ra <= 60, `Retry-After ${r.headers.get('retry-after')}`);
  assert.deepEqual(r.headers.getSetCookie(), []);
  assert.equal(L.sqlOne(`SELECT COUNT(*) FROM staff_sessions WHERE staff_id = ${ag.id}`), '0');
  assert.equal(L.sqlOne(`SELECT COUNT(*) FROM audit_log WHERE action = 'auth.login_failed'
    AND detail = ${L.lit(ag.username)}`), '5');
  // Other accounts are not locked out by it.
  const other = await newAgent(admin);
  const c = new L.Client();
  await c.login(other.username, other.password);
});

test('a rotated workstation token is revoked at once: 401 invalid_token', async () => {
  const p = await L.newPoste(admin);
  const old = L.kiosk(p.token);
  assert.equal((await old.post('/api/kiosk/heartbeat')).status, 200);
  const r = await admin.post(`/api/postes/${p.id}/token`);
  assert.equal(r.status, 200);
  const fresh = L.kiosk(r.json.token);
  for (const [m, path] of [['POST', '/api/kiosk/heartbeat'], ['GET', '/api/kiosk/session'],
    ['POST', '/api/kiosk/ticket'], ['POST', '/api/kiosk/end']]) {
    const x = await L.request(m, path, { bearer: p.token });
    assert.equal(x.status, 401, `${m} ${path}`);
    assert.equal(x.json.error.code, 'invalid_token');
  }
  const s = await L.newSession(admin);
  let x = await old.post('/api/kiosk/validate', { code: s.code });
  assert.equal(x.status, 401);
  x = await fresh.post('/api/kiosk/validate', { code: s.code });
  assert.equal(x.status, 200);
  assert.equal((await fresh.post('/api/kiosk/heartbeat')).status, 200);
});

test('changing a password ends the account\'s other sessions', async () => {
  const ag = await newAgent(admin);
  const a = new L.Client(); await a.login(ag.username, ag.password);
  const b = new L.Client(); await b.login(ag.username, ag.password);
  let r = await a.post('/api/auth/password', { current: ag.password, new: 'un-nouveau-mot-de-passe' });
  assert.equal(r.status, 204, r.text);
  assert.equal((await a.get('/api/auth/me')).status, 200);
  assert.equal((await b.get('/api/auth/me')).status, 401);
  r = await L.request('POST', '/api/auth/login', { body: { username: ag.username, password: ag.password } });
  assert.equal(r.status, 401);
  const c = new L.Client();
  await c.login(ag.username, 'un-nouveau-mot-de-passe');
});

test('cookies get Secure when the browser came over https, and only then', async () => {
  const login = (headers) => L.request('POST', '/api/auth/login',
    { body: { username: L.ADMIN_USER, password: L.ADMIN_PASSWORD }, headers });
  // Plain http (this stack): no Secure, or the browser would drop it.
  let r = await login({});
  assert.equal(r.status, 200);
  assert.doesNotMatch(r.headers.getSetCookie()[0], /Secure/i);
  // A TLS proxy in front of the front says https: Secure.
  for (const xfp of ['https', 'HTTPS', 'https, http']) {
    r = await login({ 'x-forwarded-proto': xfp });
    assert.equal(r.status, 200);
    assert.match(r.headers.getSetCookie()[0], /; Secure(;|$)/, xfp);
  }
  for (const xfp of ['http', 'httpsx', '']) {
    r = await login({ 'x-forwarded-proto': xfp });
    assert.doesNotMatch(r.headers.getSetCookie()[0], /Secure/i, xfp);
  }
  // Log-out over https clears the cookie with the same attributes.
  r = await login({ 'x-forwarded-proto': 'https' });
  const sid = r.headers.getSetCookie()[0].split(';')[0];
  const out = await L.request('POST', '/api/auth/logout',
    { cookie: sid, headers: { origin: configuredOrigin(), 'x-forwarded-proto': 'https' } });
  assert.equal(out.status, 204);
  assert.match(out.headers.getSetCookie()[0], /^postes_sid=; .*Max-Age=0.*; Secure/);
});

test('cookie attributes, log-out clears it, answers carry the security headers', async () => {
  const c = new L.Client();
  const r = await c.login(L.ADMIN_USER, L.ADMIN_PASSWORD);
  const [sc] = r.headers.getSetCookie();
  assert.match(sc, /^postes_sid=[A-Za-z0-9_-]{43}; /);
  for (const attr of [/; Path=\//, /; HttpOnly/, /; SameSite=Strict/, /; Max-Age=\d+/]) assert.match(sc, attr);
  for (const h of [['cache-control', /no-store/], ['x-content-type-options', /nosniff/],
    ['content-security-policy', /default-src 'none'/], ['content-type', /^application\/json; charset=utf-8$/]]) {
    assert.match(r.headers.get(h[0]) || '', h[1], h[0]);
  }
  const out = await c.post('/api/auth/logout');
  assert.equal(out.status, 204);
  assert.match(out.headers.getSetCookie()[0], /^postes_sid=; .*Max-Age=0/);
  // Tickets for the pusher: opaque, bound to this staff session (the
  // pusher checks it on every connect); expires_in is only the cap.
  const d = new L.Client();
  await d.login(L.ADMIN_USER, L.ADMIN_PASSWORD);
  const t = await d.post('/api/auth/ticket');
  assert.equal(t.status, 200);
  assert.ok(Number.isInteger(t.json.expires_in) && t.json.expires_in > 0 && t.json.expires_in <= 43200);
  assert.match(t.json.ticket, /^s\.\d+\.0\.[1-9]\d*\.\d+\.[A-Za-z0-9_-]{43}$/);
  // Error messages name our fields, never echo the request.
  const e = await d.post('/api/utilisateurs', { '<script>alert(1)</script>': 1 });
  assert.equal(e.status, 422);
  assert.ok(!e.text.includes('<script>'));
});
