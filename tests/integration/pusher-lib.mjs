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

// A raw WebSocket client: our own handshake and frames, so that broken
// frames can be sent. frames: [{fin, op, payload: Buffer}] from the server.
export async function wsRaw(path, { headers = {} } = {}) {
  const c = rawSocket();
  const key = crypto.randomBytes(16).toString('base64');
  const u = new URL(PUSHER);
  const h = {
    Host: u.host, Upgrade: 'websocket', Connection: 'Upgrade',
    'Sec-WebSocket-Key': key, 'Sec-WebSocket-Version': '13', ...headers,
  };
  let req = `GET ${path} HTTP/1.1\r\n`;
  for (const [k, v] of Object.entries(h)) if (v !== null) req += `${k}: ${v}\r\n`;
  c.s.write(req + '\r\n');
  await c.until((x) => x.buf.indexOf('\r\n\r\n') >= 0 || x.ended);
  const end = c.buf.indexOf('\r\n\r\n');
  c.head = c.buf.slice(0, end < 0 ? c.buf.length : end).toString();
  c.status = Number((c.head.match(/^HTTP\/1\.1 (\d+)/) || [])[1]);
  c.accept = (c.head.match(/sec-websocket-accept: *(\S+)/i) || [])[1];
  c.expectAccept = crypto.createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
  c.buf = end < 0 ? Buffer.alloc(0) : c.buf.slice(end + 4);
  c.frames = () => parseFrames(c.buf);
  c.frame = (op, payload, { fin = true, mask = true, rsv = 0, len } = {}) =>
    c.s.write(buildFrame(op, payload, { fin, mask, rsv, len }));
  c.waitFrame = (pred, ms = 5000) => c.until((x) => x.frames().some(pred), ms)
    .then(() => c.frames().find(pred));
  c.closeCode = () => {
    const f = c.frames().find((x) => x.op === 8);
    return f && f.payload.length >= 2 ? f.payload.readUInt16BE(0) : (f ? 1005 : null);
  };
  return c;
}

export function buildFrame(op, payload = Buffer.alloc(0), { fin = true, mask = true, rsv = 0, len } = {}) {
  payload = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  const n = len ?? payload.length;
  const head = [((fin ? 0x80 : 0) | (rsv << 4) | op)];
  const m = mask ? 0x80 : 0;
  if (n < 126) head.push(m | n);
  else if (n < 65536) head.push(m | 126, n >> 8, n & 255);
  else { head.push(m | 127); const b = Buffer.alloc(8); b.writeBigUInt64BE(BigInt(n)); head.push(...b); }
  if (!mask) return Buffer.concat([Buffer.from(head), payload]);
  const key = crypto.randomBytes(4);
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i] ^= key[i & 3];
  return Buffer.concat([Buffer.from(head), key, body]);
}

export function parseFrames(buf) {
  const out = [];
  let o = 0;
  while (buf.length - o >= 2) {
    const b0 = buf[o], b1 = buf[o + 1];
    let n = b1 & 0x7f, h = 2;
    if (n === 126) { if (buf.length - o < 4) break; n = buf.readUInt16BE(o + 2); h = 4; }
    else if (n === 127) { if (buf.length - o < 10) break; n = Number(buf.readBigUInt64BE(o + 2)); h = 10; }
    if (buf.length - o < h + n) break;
    out.push({ fin: !!(b0 & 0x80), op: b0 & 0x0f, masked: !!(b1 & 0x80), payload: buf.slice(o + h, o + h + n) });
    o += h + n;
  }
  return out;
}

export const enc = encodeURIComponent;

// Outbox rows above id, as {id,type,channels,session_id}.
export function outboxSince(id) {
  const out = sql(`SELECT id, type, channels, COALESCE(session_id,0) FROM events WHERE id > ${Number(id)} ORDER BY id`);
  return out ? out.split('\n').map((l) => {
    const [i, t, ch, s] = l.split('\t');
    return { id: Number(i), type: t, channels: Number(ch), session_id: Number(s) };
  }) : [];
}
export const lastEventId = () => Number(sql('SELECT COALESCE(MAX(id),0) FROM events'));
