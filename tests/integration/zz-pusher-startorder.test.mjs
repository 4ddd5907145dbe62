// zz-pusher-startorder.test.mjs - exact resume whatever the start order
// (issue 8). The pusher starts while MariaDB is down; WebSocket, SSE
// (the eventsource package) and polling clients, with and without a
// resume point, connect at once; the database comes 10 s later. Then
// 500 events, during which MariaDB is restarted under the pusher and the
// pusher is killed (-9) and restarted under load. Every client must end
// with exactly the outbox's rows after its start: 0 lost, 0 duplicated,
// 0 out of order, none older than its since. A client without since
// starts at the outbox head once it is known, and hears "subscribed"
// only then. It stops MariaDB, so it runs last (name order).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import WebSocket from 'ws';
import { EventSource } from 'eventsource';
import * as L from './pusher-lib.mjs';

const run = promisify(execFile);
const ROOT = new URL('../../', import.meta.url).pathname;
const dbCtl = (cmd) => run('bash', [`${ROOT}deploy/db-ctl.sh`, cmd], { env: process.env });
const dbUp = () => { try { L.sql('SELECT 1'); return true; } catch { return false; } };
const TYPES = ['session_created', 'session_updated', 'code_valid', 'code_refused',
  'session_started', 'session_extended', 'session_suspended', 'warning', 'session_terminated',
  'poste_created', 'poste_updated', 'poste_status', 'poste_deleted', 'utilisateur_created',
  'utilisateur_updated', 'utilisateur_deleted'];
const CHANNELS = 'dashboard,postes';
const MASK = 1 | 4;

const ST = { ticket: null, timer: null };
const clients = [];

after(async () => {
  clearInterval(ST.timer);
  for (const c of clients) c.stop();
  if (!dbUp()) await dbCtl('start');
  let up = false;
  try { up = (await fetch(`${L.PUSHER}/healthz`)).status === 200; } catch { /* down */ }
  if (!up) L.pusherCtl('restart');
});

async function until(pred, ms, what) {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > ms) throw new Error(`timeout: ${what}`);
    await L.sleep(50);
  }
}

function base(name, since, mask) {
  return { name, since, mask, ids: [], subs: [], resets: 0, start: since ?? null, last: since ?? null, dead: false };
}

function record(c, m) {
  if (m.type === 'subscribed') {
    c.subs.push({ at: Date.now(), last_id: m.data.last_id });
    if (c.start === null) { c.start = m.data.last_id; c.last = m.data.last_id; }
  } else if (m.type === 'reset') {
    c.resets++;
  } else if (typeof m.id === 'number' && m.type !== 'stats_update') {
    c.ids.push(m.id);
    c.last = m.id;
  }
}

// A WebSocket client that reconnects with ?since= its last id, as the
// dashboard does.
function wsClient(name, since) {
  const c = base(name, since, MASK);
  const open = () => {
    if (c.dead) return;
    const q = c.last !== null ? `&since=${c.last}` : '';
    const ws = new WebSocket(`${L.WSBASE}/ws/multi/?channels=${CHANNELS}&ticket=${L.enc(ST.ticket)}${q}`);
    ws.on('message', (d) => record(c, JSON.parse(d.toString())));
    ws.on('close', () => setTimeout(open, 300));
    ws.on('error', () => { /* close follows */ });
    c.ws = ws;
  };
  c.stop = () => { c.dead = true; try { c.ws.terminate(); } catch { /* gone */ } };
  open();
  return c;
}

// A plain EventSource; it resumes with Last-Event-ID by itself. Each
// (re)connection carries a fresh ticket (they live 60 s).
function sseClient(name, since) {
  const c = base(name, since, MASK);
  const url = `${L.PUSHER}/events/multi?channels=${CHANNELS}` + (since !== undefined ? `&last_event_id=${since}` : '');
  const es = new EventSource(url, {
    fetch: (input, init) => {
      const u = new URL(input);
      u.searchParams.set('ticket', ST.ticket);
      return fetch(u, init);
    },
  });
  for (const t of [...TYPES, 'subscribed', 'reset']) {
    es.addEventListener(t, (e) => record(c, JSON.parse(e.data)));
  }
  c.es = es;
  c.stop = () => { c.dead = true; es.close(); };
  return c;
}

// The polling fallback (GET /api/events), on the postes channel.
function pollClient(name, since) {
  const c = base(name, since, 4);
  const loop = async () => {
    while (!c.dead) {
      try {
        const q = c.last !== null ? `&since=${c.last}` : '';
        const r = await L.api('GET', `/api/events?channel=postes${q}`, undefined, { cookie: await L.login() });
        c.status = r.status;
        if (r.status === 200) {
          if (r.json.reset) c.resets++;
          if (c.subs.length === 0) c.subs.push({ at: Date.now(), last_id: r.json.last_id });
          if (c.start === null) { c.start = r.json.last_id; c.last = r.json.last_id; continue; }
          for (const m of r.json.events) record(c, m);
          if (r.json.events.length > 0) continue;
        }
      } catch (e) { c.status = String(e); /* API or database down: try again */ }
      await L.sleep(200);
    }
  };
  c.stop = () => { c.dead = true; };
  loop();
  return c;
}

async function makeEvents(n, during) {
  let made = 0;
  const worker = async () => {
    while (made < n) {
      made++;
      for (let tries = 0; ; tries++) {
        try { await L.createPoste(); break; } catch (e) { if (tries > 50) throw e; await L.sleep(200); }
      }
      if (during && made >= during.at && !during.fired) {
        during.fired = true;	// once, whichever worker gets here first
        await during.fn();
      }
    }
  };
  await Promise.all([worker(), worker(), worker()]);
}

test('pusher first, database 10 s later, 500 events across a database restart and a pusher kill -9: 0 lost, 0 duplicated, 0 out of order', { timeout: 300000 }, async () => {
  ST.ticket = await L.staffTicket();
  ST.timer = setInterval(async () => { try { ST.ticket = await L.staffTicket(); } catch { /* db down */ } }, 15000);
  await L.createPoste();
  await L.createPoste();
  const head0 = L.lastEventId();

  L.pusherCtl('stop');
  await dbCtl('stop');
  assert.equal(dbUp(), false);
  L.pusherCtl('start-answering');
  const h = await fetch(`${L.PUSHER}/healthz`);
  assert.equal(h.status, 503, 'pusher without its database is not healthy');
  const hj = await h.json();
  assert.ok(['outbox', 'starting'].includes(hj.reason), JSON.stringify(hj));
  assert.equal(hj.last_event_id, undefined, '/healthz hands out no event id');

  clients.push(wsClient('ws-live'), wsClient('ws-since', head0 - 1),
    sseClient('sse-live'), sseClient('sse-since', head0 - 2));
  const downAt = Date.now();
  await L.sleep(10000);
  for (const c of clients) assert.equal(c.subs.length, 0, `${c.name}: nothing before the outbox is known`);
  await dbCtl('start');
  const upAt = Date.now();
  clients.push(pollClient('poll-live'), pollClient('poll-since', head0 - 2));
  await until(() => clients.every((c) => c.subs.length > 0), 20000, `every client subscribed: ${clients.map((c) => `${c.name}=${c.subs.length}/${c.status}`).join(' ')}`);
  // Live clients start at the head as it was when they subscribed: no
  // old event replayed. The head may have moved past head0 on its own
  // (the clock ending an earlier test's session once the database is
  // back), so the bound is the head read after the subscriptions.
  const headUp = L.lastEventId();
  for (const c of clients.filter((x) => x.since === undefined)) {
    assert.ok(c.start >= head0 && c.start <= headUp, `${c.name} starts at the outbox head (${head0}..${headUp}), not at ${c.start}`);
    assert.ok(c.subs[0].at >= upAt, `${c.name}: subscribed after the database came (${c.subs[0].at - downAt} ms)`);
  }

  await makeEvents(250);
  await dbCtl('restart');		// MariaDB restarted under the pusher
  await makeEvents(150);
  await makeEvents(100, { at: 30, fn: async () => { L.pusherCtl('kill9'); await L.sleep(500); L.pusherCtl('start'); } });
  const head = L.lastEventId();
  const rows = L.outboxSince(0);
  const want = (c) => rows.filter((r) => r.id > c.start && r.id <= head && (r.channels & c.mask)).map((r) => r.id);
  await until(() => clients.every((c) => c.ids.filter((i) => i <= head).length >= want(c).length), 60000,
    `every client caught up: ${clients.map((c) => `${c.name} ${c.ids.length}/${want(c).length}`).join(', ')}`);
  await L.sleep(1500);		// anything extra would have come by now

  const report = [];
  for (const c of clients) {
    const w = want(c);
    const got = c.ids.filter((i) => i <= head);
    const set = new Set(got);
    const lost = w.filter((i) => !set.has(i)).length;
    const dup = got.length - set.size;
    let disorder = 0;
    for (let i = 1; i < got.length; i++) if (got[i] <= got[i - 1]) disorder++;
    const old = got.filter((i) => i <= c.start).length;
    const extra = got.filter((i) => !w.includes(i)).length;
    report.push({ client: c.name, since: c.since ?? 'none', start: c.start, expected: w.length, received: got.length, lost, dup, disorder, old, extra, resets: c.resets, subscribed: c.subs.length });
  }
  console.log('# start order: ' + JSON.stringify(report));
  for (const r of report) {
    assert.equal(r.lost, 0, `${r.client}: lost`);
    assert.equal(r.dup, 0, `${r.client}: duplicated`);
    assert.equal(r.disorder, 0, `${r.client}: out of order`);
    assert.equal(r.old, 0, `${r.client}: older than its since`);
    assert.equal(r.extra, 0, `${r.client}: not in the outbox`);
    assert.equal(r.resets, 0, `${r.client}: reset`);
    assert.ok(r.expected >= 500, `${r.client}: ${r.expected} events expected`);
  }
});
