// front-errors.test.mjs - what the front server (lighttpd or Apache,
// FRONT) answers by itself under /api/ comes in the API's JSON error shape,
// never an HTML page: a POST without Content-Length (what `curl -X POST`
// sends), a body over the front's limit, a request in the hands of a
// FastCGI worker that dies (kill -9). Raw sockets, so that nothing adds a
// Content-Length we did not write. After the workers die, the front (or
// the pool it talks to) starts new ones and the API serves again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as L from './lib.mjs';

const FRONT = process.env.FRONT || 'lighttpd';
const VAR = process.env.POSTES_VAR_DIR;
const { hostname, port } = new URL(L.BASE);

// Send bytes (several parts with a pause between them: [buf, ms, buf...]),
// read the answer until the server closes. { status, headers, body }.
function raw(parts, { timeout = 20000 } = {}) {
  return new Promise((resolve, reject) => {
    const s = net.connect(Number(port), hostname);
    const chunks = [];
    const timer = setTimeout(() => { s.destroy(); reject(new Error('no answer')); }, timeout);
    s.on('data', (d) => chunks.push(d));
    s.on('error', reject);
    s.on('close', () => {
      clearTimeout(timer);
      const all = Buffer.concat(chunks).toString('latin1');
      const i = all.indexOf('\r\n\r\n');
      if (i < 0) return reject(new Error(`no header in ${JSON.stringify(all)}`));
      const lines = all.slice(0, i).split('\r\n');
      const status = Number(lines[0].split(' ')[1]);
      const headers = {};
      for (const l of lines.slice(1)) {
        const k = l.slice(0, l.indexOf(':')).trim().toLowerCase();
        headers[k] = l.slice(l.indexOf(':') + 1).trim();
      }
      let body = all.slice(i + 4);
      if (/chunked/i.test(headers['transfer-encoding'] || '')) {
        let out = '';
        for (;;) {
          const n = parseInt(body, 16);
          if (!n) break;
          const start = body.indexOf('\r\n') + 2;
          out += body.slice(start, start + n);
          body = body.slice(start + n + 2);
        }
        body = out;
      }
      resolve({ status, headers, body: Buffer.from(body, 'latin1').toString('utf8') });
    });
    (async () => {
      for (const p of parts) {
        if (typeof p === 'number') await L.sleep(p);
        else s.write(p);
      }
    })();
  });
}

const head = (lines) => `${lines.join('\r\n')}\r\n\r\n`;

// The answer is JSON (never the front's HTML page); when it is an error,
// it has the API's shape. Returns the parsed body.
function assertJson(r, what) {
  if (r.status === 204) { assert.equal(r.body, '', what); return null; }
  assert.match(r.headers['content-type'] || '', /^application\/json/, `${what}: ${r.status} ${r.body}`);
  assert.doesNotMatch(r.body, /<html|<!DOCTYPE/i, what);
  const j = r.body === '' ? null : JSON.parse(r.body);
  if (r.status >= 400) {
    assert.deepEqual(Object.keys(j), ['error'], what);
    assert.equal(typeof j.error.code, 'string', what);
    assert.equal(typeof j.error.message, 'string', what);
  }
  return j;
}

// The FastCGI processes serving /api/ (children of lighttpd, or of the
// pool Apache talks to).
function workers() {
  const parent = readFileSync(`${VAR}/run/api-parent.pid`, 'utf8').trim();
  const out = execFileSync('ps', ['-e', '-o', 'pid=,ppid=,stat=,args='], { encoding: 'utf8' });
  return out.split('\n').map((l) => l.trim().split(/\s+/))
    .filter((f) => f[1] === parent && !f[2]?.startsWith('Z') && f[3]?.endsWith('/postes-api'))
    .map((f) => Number(f[0])).sort();
}

const kill = (pids, sig) => { for (const p of pids) { try { process.kill(p, sig); } catch { /* gone */ } } };

async function apiBack(n) {
  await L.waitUntil(async () => (await L.request('GET', '/api/health')).status === 200
    && workers().length === n, 20000, 'the API serves again with as many workers');
}

test('a POST without Content-Length: served (Apache) or 411 in the JSON shape (lighttpd)', async () => {
  const staff = await L.admin();
  // A bodyless POST the documentation lists: a stream ticket.
  let r = await raw([head(['POST /api/auth/ticket HTTP/1.1', `Host: ${hostname}:${port}`,
    `Cookie: ${staff.cookie}`, 'Connection: close'])]);
  let j = assertJson(r, 'POST /api/auth/ticket without Content-Length');
  if (FRONT === 'lighttpd') {
    assert.equal(r.status, 411);
    assert.equal(j.error.code, 'length_required');
    assert.match(j.error.message, /Content-Length/);
  } else {
    assert.equal(r.status, 200, r.body);
    assert.equal(typeof j.ticket, 'string');
  }
  // The same with HTTP/1.0 and no Host, and for logout.
  r = await raw([head(['POST /api/auth/logout HTTP/1.0', `Cookie: ${staff.cookie}`])]);
  assertJson(r, 'POST /api/auth/logout HTTP/1.0 without Content-Length');
  if (FRONT === 'lighttpd') {
    assert.equal(r.status, 411);
    // With Content-Length: 0, as the message says: served.
    r = await raw([head(['POST /api/auth/logout HTTP/1.1', `Host: ${hostname}`,
      `Cookie: ${staff.cookie}`, 'Content-Length: 0', 'Connection: close'])]);
  }
  assert.equal(r.status, 204, r.body);
  assert.equal((await staff.get('/api/auth/me')).status, 401, 'logged out');
});

test('a body over the front\'s limit: 413 in the JSON shape', async () => {
  const big = Buffer.alloc(2 * 1024 * 1024, 'a');
  const r = await raw([head(['POST /api/auth/login HTTP/1.1', `Host: ${hostname}`,
    'Content-Type: application/json', `Content-Length: ${big.length}`, 'Connection: close']), big]);
  assert.equal(r.status, 413);
  assertJson(r, 'oversized body');
});

test('malformed requests the front refuses itself: the JSON shape under /api/', async () => {
  // Header lines past every front's limit: 400 or 431, never HTML.
  const r = await raw([head(['GET /api/health HTTP/1.1', `Host: ${hostname}`,
    `X-Big: ${'b'.repeat(70000)}`, 'Connection: close'])]);
  assert.ok([400, 413, 431].includes(r.status), `status ${r.status}`);
  assertJson(r, 'oversized header');
});

test('workers killed with a request in their hands: JSON (an error or the answer), then served again', async (t) => {
  const staff = await L.admin();
  const before = workers();
  assert.ok(before.length >= 1, 'FastCGI workers found');

  // 1. Every worker frozen, a request sent, every worker killed.
  kill(before, 'SIGSTOP');
  const pending = raw([head(['GET /api/auth/me HTTP/1.1', `Host: ${hostname}`,
    `Cookie: ${staff.cookie}`, 'Connection: close'])]);
  await L.sleep(700);
  kill(before, 'SIGKILL');
  let r = await pending;
  let j = assertJson(r, 'request held by a killed worker');
  t.diagnostic(`${FRONT}: request held by a killed worker: ${r.status} ${r.body}`);
  assert.ok(r.status === 200 || r.status >= 500, `status ${r.status}: ${r.body}`);
  if (r.status === 200) assert.equal(j.username, L.ADMIN_USER);
  await apiBack(before.length);
  const second = workers();
  assert.equal(second.filter((p) => before.includes(p)).length, 0, 'new workers');

  // 2. Every worker killed while one waits for the rest of a body (Apache
  // hands the body over as it comes; lighttpd keeps it until complete,
  // then the request reaches a new worker and is served).
  const body = JSON.stringify({ nom: L.uniq('Mort'), prenom: 'Travailleur' });
  const slow = raw([head(['POST /api/utilisateurs HTTP/1.1', `Host: ${hostname}`,
    `Cookie: ${staff.cookie}`, 'Content-Type: application/json', `Content-Length: ${body.length}`,
    'Connection: close']), body.slice(0, 5), 1200, body.slice(5)]);
  await L.sleep(500);
  kill(second, 'SIGKILL');
  r = await slow;
  j = assertJson(r, 'request whose worker died while reading its body');
  t.diagnostic(`${FRONT}: worker killed while reading the body: ${r.status} ${r.body}`);
  assert.ok(r.status === 201 || r.status >= 500, `status ${r.status}: ${r.body}`);
  await apiBack(before.length);
  assert.equal((await staff.get('/api/auth/me')).status, 200);
});
