// api-authz.test.mjs - the authorization matrix over every route of
// fcgi-api/router.c: anonymous, agent, admin and kiosk callers each get
// what the route's access column says. The route list is read from
// router.c itself, so a new route without a row here fails the test.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as L from './lib.mjs';

const NONE = 4294967295;	// a well-formed id that names nothing

// The routes as router.c declares them: [method, pattern, access].
function routerTable() {
  const src = readFileSync(`${L.ROOT}fcgi-api/router.c`, 'utf8');
  const re = /\{\s*METH_(\w+),\s*"([^"]+)",\s*\w+,\s*ACC_(\w+),\s*B_\w+\s*\}/g;
  const out = [];
  // The /admin pages check their callers themselves (redirect to the
  // log-in page, 403 HTML): admin-pages.test.mjs holds their matrix.
  for (const m of src.matchAll(re)) if (m[2].startsWith('/api/')) out.push([m[1], m[2], m[3]]);
  return out;
}

let admin, agent, kioskPoste, ids;

before(async () => {
  admin = await L.admin();
  // An agent, created as the product does it.
  const username = L.uniq('agent');
  const r = await admin.post('/api/staff', { username, nom: 'Agent Test', role: 'agent',
    password: 'mot-de-passe-agent' });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.role, 'agent');
  agent = new L.Client();
  await agent.login(username, 'mot-de-passe-agent');
  agent.username = username;
  agent.password = 'mot-de-passe-agent';
  kioskPoste = await L.newPoste(admin);
  const u = await L.newUtilisateur(admin);
  const s = await L.newSession(admin, { utilisateur_id: u.id });
  ids = { staff: r.json.id, utilisateur: u.id, poste: kioskPoste.id, session: s.id };
});

// For each route: the request that an allowed caller makes, and what it
// answers. Reads use real ids; writes use an unknown id (404) or an empty
// body (422), so that being let in is shown without changing anything.
// "per" overrides the allowed answer for one kind of caller.
function plan() {
  return {
    'GET /api/health': { ok: 200 },
    'GET /api/config': { ok: 200 },
    'POST /api/auth/login': { body: {}, ok: 422 },
    'POST /api/auth/logout': { fresh: true, ok: 204 },
    'GET /api/auth/me': { ok: 200 },
    'POST /api/auth/ticket': { ok: 200 },
    'POST /api/auth/password': { body: {}, ok: 422 },
    'GET /api/staff': { ok: 200 },
    'POST /api/staff': { body: {}, ok: 422 },
    'GET /api/staff/:id': { id: ids.staff, ok: 200 },
    'PATCH /api/staff/:id': { id: NONE, body: {}, ok: 404 },
    'DELETE /api/staff/:id': { id: NONE, ok: 404 },
    'GET /api/utilisateurs': { ok: 200 },
    'POST /api/utilisateurs': { body: {}, ok: 422 },
    'GET /api/utilisateurs/:id': { id: ids.utilisateur, ok: 200 },
    'PATCH /api/utilisateurs/:id': { id: NONE, body: {}, ok: 404 },
    'DELETE /api/utilisateurs/:id': { id: NONE, ok: 404 },
    'GET /api/postes': { ok: 200 },
    'POST /api/postes': { body: {}, ok: 422 },
    'GET /api/postes/:id': { id: ids.poste, ok: 200 },
    'PATCH /api/postes/:id': { id: NONE, body: {}, ok: 404 },
    'DELETE /api/postes/:id': { id: NONE, ok: 404 },
    'POST /api/postes/:id/token': { id: NONE, ok: 404 },
    'POST /api/postes/:id/maintenance': { id: NONE, body: { maintenance: true }, ok: 404 },
    'GET /api/sessions': { ok: 200 },
    'POST /api/sessions': { body: {}, ok: 422 },
    'GET /api/sessions/:id': { id: ids.session, ok: 200 },
    'POST /api/sessions/:id/extend': { id: NONE, body: { duree: 60 }, ok: 404 },
    'POST /api/sessions/:id/suspend': { id: NONE, ok: 404 },
    'POST /api/sessions/:id/terminate': { id: NONE, ok: 404 },
    'POST /api/kiosk/validate': { body: {}, ok: 422 },
    'POST /api/kiosk/start': { body: {}, ok: 422 },
    'POST /api/kiosk/heartbeat': { ok: 200 },
    'POST /api/kiosk/end': { ok: 409 },	// nothing running: no_session
    'GET /api/kiosk/session': { ok: 200 },
    'POST /api/kiosk/ticket': { ok: 200 },
    'GET /api/sites': { ok: 200 },
    'POST /api/sites': { body: {}, ok: 422 },
    'GET /api/sites/:id': { id: NONE, ok: 404 },
    'PATCH /api/sites/:id': { id: NONE, body: {}, ok: 404 },
    'DELETE /api/sites/:id': { id: NONE, ok: 404 },
    'PUT /api/sites/:id/horaires': { id: NONE, body: {}, ok: 422 },
    'POST /api/sites/:id/fermetures': { id: NONE, body: {}, ok: 422 },
    'DELETE /api/sites/:id/fermetures': { id: NONE, ok: 422 },
    'GET /api/categories': { ok: 200 },
    'POST /api/categories': { body: {}, ok: 422 },
    'GET /api/categories/:id': { id: NONE, ok: 404 },
    'PATCH /api/categories/:id': { id: NONE, body: {}, ok: 404 },
    'DELETE /api/categories/:id': { id: NONE, ok: 404 },
    'POST /api/invites': { body: { nombre: 0 }, ok: 422 },	// {} would make one pass
    'GET /api/invites/lots': { ok: 200 },
    'GET /api/invites/lots/:id': { id: NONE, ok: 404 },
    'GET /api/utilisateurs/:id/quota': { id: NONE, ok: 404 },
    'GET /api/kiosk/messages': { ok: 200 },
    'POST /api/kiosk/messages/:id/ack': { id: NONE, ok: 404 },
    'GET /api/utilisateurs/:id/export': { id: NONE, ok: 404 },
    'POST /api/utilisateurs/:id/erase': { id: NONE, body: {}, ok: 422 },
    'GET /api/messages': { ok: 200 },
    'POST /api/messages': { body: {}, ok: 422 },
    'GET /api/messages/:id': { id: NONE, ok: 404 },
    'GET /api/reservations': { ok: 200 },
    'POST /api/reservations': { body: {}, ok: 422 },
    'GET /api/reservations/:id': { id: NONE, ok: 404 },
    'POST /api/reservations/:id/cancel': { id: NONE, ok: 404 },
    'GET /api/stats/activite': { ok: 200 },
    'GET /api/stats/postes': { ok: 200 },
    'GET /api/stats/heures': { ok: 200 },
    'GET /api/stats/categories': { ok: 200 },
    'GET /api/stats/sites': { ok: 200 },
    'GET /api/audit': { ok: 200 },
    'GET /api/audit/actions': { ok: 200 },
    'GET /api/dashboard/stats': { ok: 200 },
    'GET /api/utilisateurs/:id/quota': { id: ids.utilisateur, ok: 200 },
    'GET /api/sites': { ok: 200 },
    'POST /api/sites': { body: {}, ok: 422 },
    'GET /api/sites/:id': { id: NONE, ok: 404 },
    'PATCH /api/sites/:id': { id: NONE, body: {}, ok: 404 },
    'DELETE /api/sites/:id': { id: NONE, ok: 404 },
    'PUT /api/sites/:id/horaires': { id: NONE, body: { horaires: [] }, ok: 404 },
    'POST /api/sites/:id/fermetures': { id: NONE, body: {}, ok: 422 },
    'DELETE /api/sites/:id/fermetures': { id: NONE, query: '?jour=2099-01-01', ok: 404 },
    'GET /api/categories': { ok: 200 },
    'POST /api/categories': { body: {}, ok: 422 },
    'GET /api/categories/:id': { id: NONE, ok: 404 },
    'PATCH /api/categories/:id': { id: NONE, body: {}, ok: 404 },
    'DELETE /api/categories/:id': { id: NONE, ok: 404 },
    'POST /api/invites': { body: { nombre: 0 }, ok: 422 },
    'GET /api/invites/lots': { ok: 200 },
    'GET /api/invites/lots/:id': { id: NONE, ok: 404 },
    // Open route; the channel decides: staff channels need staff.
    'GET /api/events': { query: '?channel=dashboard', ok: 200, per: { anonymous: 401, kiosk: 403 } },
  };
}

const CALLERS = ['anonymous', 'agent', 'admin', 'kiosk'];

// What access says for a caller: 'ok', or the refusal [status, code].
function expected(access, caller) {
  switch (access) {
    case 'ANY': return 'ok';
    case 'STAFF': return caller === 'agent' || caller === 'admin' ? 'ok' : [401, 'unauthenticated'];
    case 'ADMIN': return caller === 'admin' ? 'ok' : caller === 'agent' ? [403, 'forbidden'] : [401, 'unauthenticated'];
    case 'KIOSK': return caller === 'kiosk' ? 'ok' : [401, 'unauthenticated'];
    default: throw new Error(`unknown access ${access}`);
  }
}

async function call(caller, method, pattern, p) {
  const path = pattern.replace(':id', String(p.id ?? NONE)) + (p.query || '');
  const opts = { body: p.body };
  if (caller === 'agent' || caller === 'admin') {
    let c = caller === 'agent' ? agent : admin;
    if (p.fresh) {
      c = new L.Client();
      await c.login(caller === 'agent' ? agent.username : L.ADMIN_USER,
        caller === 'agent' ? agent.password : L.ADMIN_PASSWORD);
    }
    opts.cookie = c.cookie;
  } else if (caller === 'kiosk') opts.bearer = kioskPoste.token;
  return L.request(method, path, opts);
}

test('every route in router.c has a row in the matrix, and no row is stale', () => {
  const routes = routerTable();
  assert.ok(routes.length >= 30, `parsed ${routes.length} routes from router.c`);
  const keys = routes.map(([m, p]) => `${m} ${p}`);
  assert.deepEqual([...keys].sort(), Object.keys(plan()).sort());
});

test('refused callers: 401 anonymous or kiosk on staff routes, 403 agent on admin routes, 401 staff on kiosk routes; nothing changes', async () => {
  const P = plan();
  const before = L.dbFingerprint({ withLogs: true });
  let n = 0;
  for (const [method, pattern, access] of routerTable()) {
    const p = P[`${method} ${pattern}`];
    for (const caller of CALLERS) {
      const exp = p.per?.[caller] !== undefined && expected(access, caller) === 'ok'
        ? [p.per[caller], null] : expected(access, caller);
      if (exp === 'ok') continue;
      const r = await call(caller, method, pattern, p);
      const what = `${caller} ${method} ${pattern}`;
      assert.equal(r.status, exp[0], `${what}: ${r.text}`);
      assert.deepEqual(Object.keys(r.json.error).sort(), ['code', 'message'], what);
      if (exp[1]) assert.equal(r.json.error.code, exp[1], what);
      n++;
    }
  }
  assert.ok(n >= 60, `${n} refusals checked`);
  assert.deepEqual(L.dbFingerprint({ withLogs: true }), before, 'a refused call changed the database');
});

test('allowed callers get past the door: the route answers as its handler does', async () => {
  const P = plan();
  for (const [method, pattern, access] of routerTable()) {
    const p = P[`${method} ${pattern}`];
    for (const caller of CALLERS) {
      if (expected(access, caller) !== 'ok' || p.per?.[caller] !== undefined) continue;
      const r = await call(caller, method, pattern, p);
      const what = `${caller} ${method} ${pattern}`;
      assert.equal(r.status, p.ok, `${what}: ${r.text}`);
      if (r.status >= 400) {
        assert.notEqual(r.json.error.code, 'unauthenticated', what);
        assert.notEqual(r.json.error.code, 'forbidden', what);
      }
    }
  }
});

test('what each role may change: agents run the desk, admins manage staff and postes', async () => {
  // An agent creates people and sessions and acts on them.
  const u = await L.newUtilisateur(agent);
  const s = await L.newSession(agent, { utilisateur_id: u.id, duree: 600 });
  let r = await agent.post(`/api/sessions/${s.id}/extend`, { duree: 60 });
  assert.equal(r.status, 200);
  r = await agent.post(`/api/postes/${kioskPoste.id}/maintenance`, { maintenance: true });
  assert.equal(r.status, 200);
  r = await agent.post(`/api/postes/${kioskPoste.id}/maintenance`, { maintenance: false });
  assert.equal(r.status, 200);
  r = await agent.post(`/api/sessions/${s.id}/terminate`);
  assert.equal(r.status, 200);
  // ... but may not create or rename postes, or touch staff accounts.
  for (const [m, path, body] of [['POST', '/api/postes', { nom: L.uniq('P-') }],
    ['PATCH', `/api/postes/${kioskPoste.id}`, { nom: L.uniq('P-') }], ['POST', `/api/postes/${kioskPoste.id}/token`],
    ['DELETE', `/api/postes/${kioskPoste.id}`], ['GET', '/api/staff'],
    ['PATCH', `/api/staff/${ids.staff}`, { role: 'admin' }]]) {
    r = await agent.req(m, path, body);
    assert.equal(r.status, 403, `${m} ${path}`);
    assert.equal(r.json.error.code, 'forbidden');
  }
  assert.equal(L.sqlOne(`SELECT role FROM staff WHERE id = ${ids.staff}`), 'agent');
  // A deactivated agent is logged out at once.
  const extra = L.uniq('ag');
  r = await admin.post('/api/staff', { username: extra, nom: 'Temp', role: 'agent', password: 'mot-de-passe-temp' });
  assert.equal(r.status, 201);
  const tmp = new L.Client();
  await tmp.login(extra, 'mot-de-passe-temp');
  assert.equal((await tmp.get('/api/auth/me')).status, 200);
  r = await admin.del(`/api/staff/${r.json.id}`);
  assert.equal(r.status, 204);
  assert.equal((await tmp.get('/api/auth/me')).status, 401);
  r = await tmp.post('/api/auth/login', { username: extra, password: 'mot-de-passe-temp' });
  assert.equal(r.status, 401);
});

test('credentials do not cross: kiosk token on staff routes, staff cookie on kiosk routes, bad tokens', async () => {
  // Both at once: the Bearer token decides, and a kiosk is not staff.
  let r = await L.request('GET', '/api/postes', { cookie: admin.cookie, bearer: kioskPoste.token });
  assert.equal(r.status, 401);
  r = await L.request('POST', '/api/kiosk/heartbeat', { cookie: admin.cookie });
  assert.equal(r.status, 401);
  assert.equal(r.json.error.code, 'unauthenticated');
  // A token that is not one, even on open routes: the kiosk must know.
  for (const auth of ['Bearer', 'Bearer ', 'Bearer x', `Bearer ${'A'.repeat(43)}`, `Basic ${'A'.repeat(43)}`,
    `bearer ${kioskPoste.token}`, `Bearer ${kioskPoste.token}x`, `Bearer  ${kioskPoste.token}`]) {
    r = await L.request('GET', '/api/health', { headers: { authorization: auth } });
    assert.equal(r.status, 401, auth);
    assert.equal(r.json.error.code, 'invalid_token', auth);
    r = await L.request('POST', '/api/kiosk/heartbeat', { headers: { authorization: auth } });
    assert.equal(r.status, 401, auth);
  }
  // A cookie that is not a session is just anonymous.
  for (const cookie of ['postes_sid=', `postes_sid=${'A'.repeat(43)}`, 'postes_sid=x; other=y', 'other=1']) {
    r = await L.request('GET', '/api/auth/me', { cookie });
    assert.equal(r.status, 401, cookie);
    assert.equal(r.json.error.code, 'unauthenticated');
  }
  // The kiosk's own session channel only: not other sessions, not staff channels.
  for (const ch of ['dashboard', 'sessions', 'postes', `sessions/${ids.session}`]) {
    r = await L.request('GET', `/api/events?channel=${encodeURIComponent(ch)}`, { bearer: kioskPoste.token });
    assert.equal(r.status, 403, ch);
    r = await L.request('GET', `/api/events?channel=${encodeURIComponent(ch)}`);
    assert.equal(r.status, 401, ch);
    r = await agent.get(`/api/events?channel=${encodeURIComponent(ch)}`);
    assert.equal(r.status, 200, ch);
  }
});
