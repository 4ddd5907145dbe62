// api-throttle.test.mjs - log-in throttling without third-party lock-out
// (docs/api.md, "Log-in throttling"). Requests come from several
// loopback addresses (127.0.0.x), which the front passes on as
// REMOTE_ADDR: each stands for one machine.
//
//   - an address failing on an account backs off exponentially, on that
//     account only; the owner elsewhere logs in at once;
//   - an address failing on many accounts backs off on all of them, and
//     nobody else is touched;
//   - many addresses failing on one account put it "under attack": each
//     address then gets one free failure before a steeper back-off, but
//     the right password from an address that is not backing off itself
//     is never refused.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import * as L from './lib.mjs';

const base = new URL(L.BASE);
// Addresses of this run (a stack lives across runs): 127.<r>.<r>.<n>.
const net = `127.${1 + Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
const at = (n) => `${net}.${n}`;

// POST /api/auth/login from a given source address.
function loginFrom(addr, username, password) {
  const body = JSON.stringify({ username, password });
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: base.hostname, port: base.port, path: '/api/auth/login', method: 'POST',
      localAddress: addr, agent: false,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({
        status: res.statusCode, json: L.parseJson(text), text,
        retryAfter: res.headers['retry-after'] === undefined ? null : Number(res.headers['retry-after']),
      }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

let admin;
before(async () => { admin = await L.admin(); });

async function newAgent() {
  const username = L.uniq('th');
  const password = 'mot-de-passe-agent';
  const r = await admin.post('/api/staff', { username, nom: 'Agent', role: 'agent', password });
  assert.equal(r.status, 201, r.text);
  return { id: r.json.id, username, password };
}

test('one address failing on an account backs off exponentially; the owner elsewhere is not touched', async () => {
  const ag = await newAgent();
  const A = at(2);
  const seen = [];
  for (let i = 0; i < 8; i++) seen.push((await loginFrom(A, ag.username, `faux-${i}`)).status);
  // Four free failures, a fifth that starts the back-off, then 429s that
  // are not even counted (nothing is verified while blocked).
  assert.deepEqual(seen, [401, 401, 401, 401, 401, 429, 429, 429]);
  let r = await loginFrom(A, ag.username, ag.password);
  assert.equal(r.status, 429, 'the attacking address itself waits');
  assert.equal(r.json.error.code, 'too_many_attempts');
  assert.ok(r.retryAfter >= 1 && r.retryAfter <= 5, `Retry-After ${r.retryAfter}`);
  const first = r.retryAfter;

  // The owner, from another address, at once.
  r = await loginFrom(at(3), ag.username, ag.password);
  assert.equal(r.status, 200, r.text);

  // After the wait, one more failure doubles the wait.
  await L.sleep(first * 1000 + 300);
  r = await loginFrom(A, ag.username, 'encore-faux');
  assert.equal(r.status, 401);
  r = await loginFrom(A, ag.username, ag.password);
  assert.equal(r.status, 429);
  assert.ok(r.retryAfter > 5 && r.retryAfter <= 10, `doubled: Retry-After ${r.retryAfter}`);
  // And still nothing for the owner elsewhere.
  r = await loginFrom(at(4), ag.username, ag.password);
  assert.equal(r.status, 200, r.text);
});

test('one address failing on many accounts backs off on all of them, and only there', async () => {
  const ag = await newAgent();
  const A = at(5);
  let r;
  // 20 free failures per address, whatever the names (unknown ones too).
  for (let i = 0; i < 21; i++) {
    r = await loginFrom(A, L.uniq('inconnu'), 'x');
    assert.equal(r.status, 401, `failure ${i + 1}`);
  }
  r = await loginFrom(A, ag.username, ag.password);
  assert.equal(r.status, 429, 'this address now waits for every account');
  assert.ok(r.retryAfter >= 1 && r.retryAfter <= 300, `Retry-After ${r.retryAfter}`);
  r = await loginFrom(at(6), ag.username, ag.password);
  assert.equal(r.status, 200, 'another address is not concerned');
});

test('distributed guessing: the account slows every address down, never refuses the right password from a new one', async () => {
  const ag = await newAgent();
  const from = Number(L.sqlOne('SELECT COALESCE(MAX(id), 0) FROM audit_log'));
  // Five addresses, two failures each: ten counted failures.
  for (const a of [at(41), at(42), at(43), at(44), at(45)])
    for (let i = 0; i < 2; i++)
      assert.equal((await loginFrom(a, ag.username, `faux-${a}-${i}`)).status, 401);
  assert.equal(L.sqlOne(`SELECT COUNT(*) FROM audit_log WHERE id > ${from} AND action = 'auth.login_attack'
    AND cible_id = ${ag.id}`), '1', 'the attack is audited once');

  // Under attack, a new address has one free failure, then 30 s and up.
  const N = at(49);
  assert.equal((await loginFrom(N, ag.username, 'faux-1')).status, 401);
  assert.equal((await loginFrom(N, ag.username, 'faux-2')).status, 401);
  const r = await loginFrom(N, ag.username, 'faux-3');
  assert.equal(r.status, 429);
  assert.ok(r.retryAfter > 5 && r.retryAfter <= 30, `steeper: Retry-After ${r.retryAfter}`);

  // The owner, from an address of their own: in at once, even after a typo.
  const O = at(60);
  assert.equal((await loginFrom(O, ag.username, 'une-faute-de-frappe')).status, 401);
  const ok = await loginFrom(O, ag.username, ag.password);
  assert.equal(ok.status, 200, ok.text);
  // One of the attacking addresses, now under the steeper rule.
  assert.equal((await loginFrom(at(41), ag.username, 'faux-4')).status, 401);
  assert.equal((await loginFrom(at(41), ag.username, 'faux-5')).status, 429);
  // An address that never failed: in at once.
  assert.equal((await loginFrom(at(61), ag.username, ag.password)).status, 200);
});

test('throttle keys hold no typed text', async () => {
  const typed = L.uniq('UnSecretTape');
  assert.equal((await loginFrom(at(81), typed, 'x')).status, 401);
  assert.equal(L.sqlOne(`SELECT COUNT(*) FROM throttle WHERE k LIKE ${L.lit(`%${typed}%`)}`), '0');
  assert.ok(Number(L.sqlOne("SELECT COUNT(*) FROM throttle WHERE k REGEXP '^login-(ua|acct):[0-9a-f]{24}$'")) > 0);
});
