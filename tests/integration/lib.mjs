// lib.mjs - shared helpers for the HTTP integration tests (node:test).
//
// Environment (set by deploy/test.sh): POSTES_BASE_URL, POSTES_ADMIN_USER,
// POSTES_ADMIN_PASSWORD, POSTES_DB_SOCKET (MariaDB socket, root by socket
// authentication), POSTES_BUILD (where postes-api lives), POSTES_CONFIG.
//
// Kept small and generic: a fetch wrapper that never throws on a status,
// a Client with a cookie jar, SQL through the mariadb client (read the
// database's state, or move time by hand), unique names, and waiting.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';

export const BASE = (process.env.POSTES_BASE_URL || 'http://127.0.0.1:8080').replace(/\/$/, '');
export const ADMIN_USER = process.env.POSTES_ADMIN_USER || 'admin';
export const ADMIN_PASSWORD = process.env.POSTES_ADMIN_PASSWORD || '';
export const ROOT = new URL('../../', import.meta.url).pathname;
export const BUILD = process.env.POSTES_BUILD || `${ROOT}build/std`;

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A name nobody else uses: prefix + 8 hex characters.
export const uniq = (prefix = 't') => `${prefix}${crypto.randomBytes(4).toString('hex')}`;

export function parseJson(text) {
  if (text === undefined || text === null || text === '') return null;
  try { return JSON.parse(text); } catch { return undefined; }
}

// One HTTP request. opts: body (object: sent as JSON), raw (string or
// Buffer: sent as is), type (Content-Type; default application/json when
// a body is given), cookie, bearer, headers. Resolves to
// { status, headers, text, json } whatever the status.
export async function request(method, path, opts = {}) {
  const headers = { ...(opts.headers || {}) };
  let body;
  if (opts.raw !== undefined) body = opts.raw;
  else if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined && opts.type !== null && !('content-type' in headers))
    headers['content-type'] = opts.type || 'application/json';
  if (opts.cookie) headers.cookie = opts.cookie;
  if (opts.bearer) headers.authorization = `Bearer ${opts.bearer}`;
  const res = await fetch(BASE + path, { method, headers, body, redirect: 'manual' });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: parseJson(text) };
}

// A staff member's browser, reduced to a cookie jar.
export class Client {
  constructor() { this.jar = new Map(); }

  get cookie() {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  absorb(res) {
    for (const sc of res.headers.getSetCookie()) {
      const [pair] = sc.split(';');
      const i = pair.indexOf('=');
      const k = pair.slice(0, i).trim(), v = pair.slice(i + 1).trim();
      if (v === '' || /;\s*max-age=0/i.test(sc)) this.jar.delete(k);
      else this.jar.set(k, v);
    }
    return res;
  }

  async req(method, path, body, opts = {}) {
    const o = { ...opts, cookie: this.jar.size ? this.cookie : undefined };
    if (body !== undefined) o.body = body;
    return this.absorb(await request(method, path, o));
  }

  get(path, opts) { return this.req('GET', path, undefined, opts); }
  post(path, body, opts) { return this.req('POST', path, body, opts); }
  patch(path, body, opts) { return this.req('PATCH', path, body, opts); }
  del(path, opts) { return this.req('DELETE', path, undefined, opts); }

  async login(username, password) {
    const r = await this.post('/api/auth/login', { username, password });
    if (r.status !== 200)
      throw new Error(`login ${username}: ${r.status} ${r.text}`);
    this.user = r.json;
    return r;
  }
}

// A browser on the admin pages (HTML forms, no JavaScript): the cookie jar
// of Client, forms posted urlencoded, each with the CSRF token of the page
// it came from, and the admin log-in.
export class AdminBrowser extends Client {
  async form(path, fields) {
    return this.absorb(await request('POST', path, {
      raw: new URLSearchParams(fields).toString(), type: 'application/x-www-form-urlencoded',
      cookie: this.jar.size ? this.cookie : undefined,
    }));
  }

  // The CSRF token of the first form of a page.
  static csrf(html) {
    const m = /name="csrf" value="([^"]+)"/.exec(html);
    if (!m) throw new Error('the page has no CSRF field');
    return m[1];
  }

  // GET path, then post its form (with its CSRF token) to action.
  async submit(path, action, fields) {
    const p = await this.get(path);
    if (p.status !== 200) throw new Error(`GET ${path}: ${p.status} ${p.text.slice(0, 200)}`);
    return this.form(action, { csrf: AdminBrowser.csrf(p.text), ...fields });
  }

  async adminLogin(username, password) {
    const r = await this.submit('/admin/login', '/admin/login', { username, password });
    if (r.status !== 303 || r.headers.get('location') !== '/admin/')
      throw new Error(`log-in ${username}: ${r.status} ${r.text.slice(0, 200)}`);
    return r;
  }
}

// A freshly logged-in admin (each call makes a new staff session).
export async function admin() {
  const c = new Client();
  await c.login(ADMIN_USER, ADMIN_PASSWORD);
  return c;
}

// Must answer status; returns the JSON body.
export function expectStatus(r, status, what = '') {
  if (r.status !== status)
    throw new Error(`${what} expected ${status}, got ${r.status}: ${r.text}`);
  return r.json;
}

// Run SQL as root on the test database. Returns the rows as arrays of
// strings (NULL as null), without the header line.
export function sql(query) {
  const out = execFileSync('mariadb', [
    `--socket=${process.env.POSTES_DB_SOCKET}`, '-uroot', '--batch',
    '--skip-column-names', '--default-character-set=utf8mb4', 'postes', '-e', query,
  ], { encoding: 'utf8' });
  const unesc = (s) => (s === 'NULL' ? null : s.replace(/\\(.)/g,
    (_, c) => ({ n: '\n', t: '\t', 0: '\0', '\\': '\\' }[c] ?? c)));
  return out.split('\n').filter((l) => l !== '').map((l) => l.split('\t').map(unesc));
}

// The first column of the first row, or null.
export function sqlOne(query) {
  const rows = sql(query);
  return rows.length && rows[0].length ? rows[0][0] : null;
}

// What a refused request must leave alone, as comparable values: row
// counts and CRCs of staff, utilisateurs, postes and sessions, and (with
// logs) the audit rows and events written. The clock may move a poste's
// etat meanwhile (hors_ligne), so postes are fingerprinted without
// etat/last_seen and poste_status events are not counted.
const fp = (table, cols) => `(SELECT CONCAT(COUNT(*), '/', COALESCE(BIT_XOR(CRC32(CONCAT_WS('|', ${
  cols.split(',').map((c) => `IFNULL(${c.trim()}, '~')`).join(', ')}))), 0)) FROM ${table})`;
export function dbFingerprint({ withLogs = true } = {}) {
  const [state] = sql(`SELECT
    ${fp('staff', 'id, username, nom, role, password_hash, actif, updated_at')},
    ${fp('utilisateurs', 'id, nom, prenom, email, telephone, notes, actif, updated_at')},
    ${fp('postes', 'id, nom, emplacement, HEX(token_hash), actif')},
    ${fp('sessions', `id, utilisateur_id, poste_id, code, statut, raison, duree_totale, temps_restant,
      fin_prevue, valide_jusqu, averti_jusqu, started_at, ended_at, updated_at`)}`);
  const logs = withLogs ? sql(`SELECT (SELECT COUNT(*) FROM audit_log),
    (SELECT COUNT(*) FROM events WHERE type <> 'poste_status')`)[0] : [];
  return { state, logs };
}

// A string as an SQL literal (tests build a few queries by hand).
export const lit = (s) => (s === null ? 'NULL' : `'${String(s).replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`);

// Highest event id in the outbox.
export const lastEventId = () => Number(sqlOne('SELECT last_id FROM event_seq WHERE id = 1'));

// Run the postes-api command line (sweep, ...); returns stdout.
export function cli(...args) {
  return execFileSync(`${BUILD}/postes-api`, args, { encoding: 'utf8', env: process.env });
}

// The pusher (it runs the clock). Tests that must see a state before
// the clock acts on it (an expired code, a session past its end) stop it
// for a moment; without a pusher there is nothing to stop.
export const PUSHER = process.env.POSTES_PUSHER_URL
  || `http://127.0.0.1:${process.env.POSTES_PUSHER_PORT || 8081}`;

export async function pusherUp() {
  try { return (await fetch(`${PUSHER}/healthz`)).ok; } catch { return false; }
}

function pusherCtl(cmd) {
  execFileSync('bash', [`${ROOT}deploy/pusher-ctl.sh`, cmd],
    { stdio: ['ignore', 'inherit', 'inherit'], env: process.env });
}

export async function withClockStopped(fn) {
  const was = await pusherUp();
  if (was) pusherCtl('stop');
  try {
    return await fn();
  } finally {
    if (was) pusherCtl('start');
  }
}

// Poll fn until it returns a truthy value, or throw after ms.
export async function waitUntil(fn, ms = 5000, what = 'condition') {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`timeout waiting for ${what}`);
    await sleep(100);
  }
}

// ISO 8601 UTC, seconds precision, as the API writes times.
// The UTC instant (ms) at which the town hall's current day (or, with
// month, its month) began: days are POSTES_TZ's, not UTC's.
export function localMidnight({ month = false, tz = process.env.POSTES_TZ || 'Europe/Paris' } = {}) {
  const offset = (t) => {	// the zone's offset at t, in ms
    const p = Object.fromEntries(new Intl.DateTimeFormat('en-GB', { timeZone: tz, hourCycle: 'h23',
      year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
      .formatToParts(new Date(t)).map((x) => [x.type, x.value]));
    return Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second) - Math.floor(t / 1000) * 1000;
  };
  const [y, m, d] = new Intl.DateTimeFormat('sv-SE', { timeZone: tz }).format(new Date()).split('-').map(Number);
  const day = month ? 1 : d;
  const t = Date.UTC(y, m - 1, day) - offset(Date.now());
  return Date.UTC(y, m - 1, day) - offset(t);	// the offset at that midnight (DST)
}
// A time as MariaDB's DATETIME(3) literal (UTC).
export const sqlTime = (ms) => new Date(ms).toISOString().slice(0, 23).replace('T', ' ');
// The dashboard's counters as the database has them, in the order of
// GET /api/dashboard/stats ("today" and "this month" are the town hall's).
export const dashboardCounts = () => sql(`SELECT
    (SELECT COUNT(*) FROM utilisateurs), (SELECT COUNT(*) FROM utilisateurs WHERE actif = 1),
    (SELECT COUNT(*) FROM utilisateurs WHERE created_at >= '${sqlTime(localMidnight({ month: true }))}'),
    (SELECT COUNT(*) FROM sessions), (SELECT COUNT(*) FROM sessions WHERE statut = 'active'),
    (SELECT COUNT(*) FROM sessions WHERE statut = 'en_attente'),
    (SELECT COUNT(*) FROM sessions WHERE statut = 'terminee' AND ended_at >= '${sqlTime(localMidnight())}'),
    (SELECT COUNT(*) FROM postes WHERE actif = 1),
    (SELECT COUNT(*) FROM postes WHERE actif = 1 AND etat = 'disponible'),
    (SELECT COUNT(*) FROM postes WHERE actif = 1 AND etat = 'occupe'),
    (SELECT COUNT(*) FROM postes WHERE actif = 1 AND etat = 'hors_ligne')`)[0].map(Number);
export const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

// Fixtures: the few objects most tests need, with unique names. c is a
// logged-in Client (admin for postes).
export async function newPoste(c, fields = {}) {
  const r = await c.post('/api/postes', { nom: uniq('P-'), emplacement: 'tests', ...fields });
  const p = expectStatus(r, 201, 'create poste');
  return p;	// carries .token, shown only here
}

export async function newUtilisateur(c, fields = {}) {
  const r = await c.post('/api/utilisateurs', { nom: uniq('Nom'), prenom: 'Test', ...fields });
  return expectStatus(r, 201, 'create utilisateur');
}

export async function newSession(c, fields = {}) {
  const uid = fields.utilisateur_id ?? (await newUtilisateur(c)).id;
  const r = await c.post('/api/sessions', { utilisateur_id: uid, duree: 3600, ...fields });
  return expectStatus(r, 201, 'create session');
}

// The kiosk side: a workstation's token.
export const kiosk = (token) => ({
  post: (path, body, opts = {}) => request('POST', path, { ...opts, body, bearer: token }),
  get: (path, opts = {}) => request('GET', path, { ...opts, bearer: token }),
});
