// pusher-lib.mjs - helpers for the pusher's integration tests: the API
// (staff login, tickets, postes, sessions, kiosk), WebSocket and SSE
// clients that record every message, raw sockets, SQL through the
// mariadb client, and the pusher control script.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import http from 'node:http';
import crypto from 'node:crypto';
import WebSocket from 'ws';

export const BASE = process.env.POSTES_BASE_URL || 'http://127.0.0.1:8080';
export const PUSHER = process.env.POSTES_PUSHER_URL || 'http://127.0.0.1:8081';
export const WSBASE = PUSHER.replace(/^http/, 'ws');
const ROOT = new URL('../../', import.meta.url).pathname;

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function api(method, path, body, { cookie, bearer } = {}) {
  const headers = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (cookie) headers.cookie = cookie;
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  const res = await fetch(BASE + path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, json, headers: res.headers };
}

let staffCookie = null;
export async function login() {
  if (staffCookie) return staffCookie;
  const r = await api('POST', '/api/auth/login', {
    username: process.env.POSTES_ADMIN_USER || 'admin',
    password: process.env.POSTES_ADMIN_PASSWORD,
  });
  if (r.status !== 200) throw new Error(`login: ${r.status} ${JSON.stringify(r.json)}`);
  const sc = r.headers.get('set-cookie');
  staffCookie = sc.split(';')[0];
  return staffCookie;
}

export async function staffTicket() {
  const r = await api('POST', '/api/auth/ticket', undefined, { cookie: await login() });
  if (r.status !== 200) throw new Error(`ticket: ${r.status}`);
  return r.json.ticket;
}

const uniq = () => crypto.randomBytes(4).toString('hex');

export async function createPoste() {
  const r = await api('POST', '/api/postes', { nom: `P-${uniq()}`, emplacement: 'test' },
    { cookie: await login() });
  if (r.status !== 201 && r.status !== 200) throw new Error(`poste: ${r.status} ${JSON.stringify(r.json)}`);
  return { id: r.json.id ?? r.json.poste?.id, token: r.json.token };
}

export async function createUser() {
  const r = await api('POST', '/api/utilisateurs', { nom: `Nom${uniq()}`, prenom: 'Test' },
    { cookie: await login() });
  if (r.status !== 201 && r.status !== 200) throw new Error(`user: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json.id;
}

export async function createSession(duree = 3600) {
  const uid = await createUser();
  const r = await api('POST', '/api/sessions', { utilisateur_id: uid, duree },
    { cookie: await login() });
  if (r.status !== 201 && r.status !== 200) throw new Error(`session: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json;
}

// A poste with a started session: { poste, session, ticket }.
export async function startSession(duree = 3600) {
  const poste = await createPoste();
  await api('POST', '/api/kiosk/heartbeat', undefined, { bearer: poste.token });
  const s = await createSession(duree);
  const r = await api('POST', '/api/kiosk/start', { code: s.code }, { bearer: poste.token });
  if (r.status !== 200 && r.status !== 201) throw new Error(`start: ${r.status} ${JSON.stringify(r.json)}`);
  const t = await api('POST', '/api/kiosk/ticket', undefined, { bearer: poste.token });
  return { poste, session: s, ticket: t.json?.ticket, start: r.json };
}

export function sql(query) {
  return execFileSync('mariadb', ['--socket', process.env.POSTES_DB_SOCKET, '-uroot',
    '--batch', '--skip-column-names', 'postes', '-e', query], { encoding: 'utf8' }).trim();
}

export function pusherCtl(cmd) {
  execFileSync('bash', [ROOT + 'deploy/pusher-ctl.sh', cmd], { stdio: 'inherit', env: process.env });
}

// A WebSocket client that records every message (parsed JSON).
export function wsOpen(path, opts = {}) {
  const ws = new WebSocket(WSBASE + path, opts.wsOptions || {});
  const c = { ws, msgs: [], closed: null, opened: false, waiters: [] };
  c.ready = new Promise((resolve, reject) => {
    ws.on('open', () => { c.opened = true; resolve(c); });
    ws.on('unexpected-response', (req, res) => {
      c.status = res.statusCode; resolve(c);
    });
    ws.on('error', (e) => { c.error = e; resolve(c); });
  });
  ws.on('message', (data) => {
    let m; try { m = JSON.parse(data.toString()); } catch { m = { raw: data.toString() }; }
    c.msgs.push(m); c.poke();
  });
  ws.on('close', (code, reason) => { c.closed = { code, reason: reason.toString() }; c.poke(); });
  c.poke = () => { for (const w of c.waiters.splice(0)) w(); };
  c.waitFor = (pred, ms = 5000, what = 'message') => waitFor(c, pred, ms, what);
  c.send = (o) => ws.send(typeof o === 'string' ? o : JSON.stringify(o));
  c.close = () => { try { ws.close(); } catch { /* closed */ } };
  c.events = () => c.msgs.filter((m) => typeof m.id === 'number' && m.type !== 'stats_update');
  return c;
}

function waitFor(c, pred, ms, what) {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const check = () => {
      const hit = c.msgs.find(pred);
      if (hit) return resolve(hit);
      if (Date.now() - t0 > ms) return reject(new Error(`timeout waiting for ${what}; got ${JSON.stringify(c.msgs.map((m) => m.type)).slice(0, 500)}`));
      c.waiters.push(check);
      setTimeout(check, Math.min(100, ms));
    };
    check();
  });
}

// A raw SSE client (http.get) that parses records: {id, event, data}.
export function sseOpen(path, headers = {}) {
  const c = { msgs: [], records: [], waiters: [], status: null, headers: null, ended: false };
  c.poke = () => { for (const w of c.waiters.splice(0)) w(); };
  c.ready = new Promise((resolve) => {
    c.req = http.get(PUSHER + path, { headers }, (res) => {
      c.status = res.statusCode; c.headers = res.headers;
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        buf += chunk;
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i); buf = buf.slice(i + 2);
          const rec = { data: [] };
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) { rec.comment = line; continue; }
            const k = line.indexOf(':');
            const f = k < 0 ? line : line.slice(0, k);
            const v = k < 0 ? '' : line.slice(k + 1).replace(/^ /, '');
            if (f === 'data') rec.data.push(v); else rec[f] = v;
          }
          c.records.push(rec);
          if (rec.data.length) {
            let m; try { m = JSON.parse(rec.data.join('\n')); } catch { m = { raw: rec.data.join('\n') }; }
            m._sse = rec; c.msgs.push(m);
          }
          c.poke();
        }
      });
      res.on('end', () => { c.ended = true; c.poke(); });
      res.on('error', () => { c.ended = true; c.poke(); });
      resolve(c);
    });
    c.req.on('error', (e) => { c.error = e; c.ended = true; c.poke(); resolve(c); });
  });
  c.waitFor = (pred, ms = 5000, what = 'message') => waitFor(c, pred, ms, what);
  c.close = () => c.req.destroy();
  c.events = () => c.msgs.filter((m) => typeof m.id === 'number' && m.type !== 'stats_update');
  return c;
}

// Raw TCP: send bytes, collect everything until the peer closes.
export function rawSocket() {
  const u = new URL(PUSHER);
  const s = net.connect(Number(u.port), u.hostname);
  const c = { s, buf: Buffer.alloc(0), ended: false, waiters: [] };
  c.poke = () => { for (const w of c.waiters.splice(0)) w(); };
  s.on('data', (d) => { c.buf = Buffer.concat([c.buf, d]); c.poke(); });
  s.on('end', () => { c.ended = true; c.poke(); });
  s.on('close', () => { c.ended = true; c.poke(); });
  s.on('error', () => { c.ended = true; c.poke(); });
  c.until = (pred, ms = 5000) => new Promise((resolve, reject) => {
    const t0 = Date.now();
    const check = () => {
      if (pred(c)) return resolve(c);
      if (Date.now() - t0 > ms) return reject(new Error('raw socket timeout'));
      c.waiters.push(check); setTimeout(check, 50);
    };
    check();
  });
  return c;
}

export function readConfig() {
  const out = {};
  try {
    for (const line of readFileSync(process.env.POSTES_CONFIG, 'utf8').split('\n')) {
      const m = line.match(/^\s*([A-Z_]+)\s*=\s*(.*)$/);
      if (m) out[m[1]] = m[2];
    }
  } catch { /* none */ }
  return out;
}

export async function metrics() {
  const r = await fetch(PUSHER + '/metrics');
  return r.text();
}
