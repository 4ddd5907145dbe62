// pusher-channels.test.mjs - every channel gets what it should and nothing
// else, over WebSocket, SSE and the multiplexed stream; who may listen;
// stats_update; client messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as L from './pusher-lib.mjs';

const CH = { dashboard: 1, sessions: 2, postes: 4, session: 8 };

// Events a channel must carry, from the outbox (the truth).
function expected(rows, chan, sid = 0) {
  return rows.filter((r) => chan === 'session'
    ? (r.channels & CH.session) && r.session_id === sid
    : (r.channels & CH[chan])).map((r) => r.id);
}

test('each channel receives exactly its events, on WebSocket, SSE and multi', async () => {
  const t = L.enc(await L.staffTicket());
  // A session that exists before we listen, so sessions/<id> can be opened.
  const s = await L.createSession(3600);
  const start = L.lastEventId();
  const subs = {
    ws_dashboard: L.wsOpen(`/ws/dashboard/?ticket=${t}`),
    ws_sessions: L.wsOpen(`/ws/sessions/?ticket=${t}`),
    ws_postes: L.wsOpen(`/ws/postes/?ticket=${t}`),
    ws_session: L.wsOpen(`/ws/sessions/${s.id}/?ticket=${t}`),
    sse_dashboard: L.sseOpen(`/events/dashboard?ticket=${t}`),
    sse_sessions: L.sseOpen(`/events/sessions?ticket=${t}`),
    sse_postes: L.sseOpen(`/events/postes?ticket=${t}`),
    sse_session: L.sseOpen(`/events/sessions/${s.id}?ticket=${t}`),
    ws_multi: L.wsOpen(`/ws/multi/?channels=dashboard,postes,sessions/${s.id}&ticket=${t}`),
    sse_multi: L.sseOpen(`/events/multi?channels=postes,sessions,dashboard&ticket=${t}`),
  };
  for (const c of Object.values(subs)) {
    await c.ready;
    await c.waitFor((m) => m.type === 'subscribed');
  }

  // Activity touching every channel: a poste, a user, the session started
  // on the poste, extended, then ended by staff.
  const poste = await L.createPoste();
  await L.api('POST', '/api/kiosk/heartbeat', undefined, { bearer: poste.token });
  const r = await L.api('POST', '/api/kiosk/start', { code: s.code }, { bearer: poste.token });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const cookie = await L.login();
  assert.equal((await L.api('POST', `/api/sessions/${s.id}/extend`, { duree: 600 }, { cookie })).status, 200);
  assert.equal((await L.api('POST', `/api/sessions/${s.id}/terminate`, {}, { cookie })).status, 200);
  await L.createUser();
  const last = L.lastEventId();
  const rows = L.outboxSince(start);
  assert.ok(rows.length >= 6, 'activity produced events');

  const want = {
    ws_dashboard: expected(rows, 'dashboard'), sse_dashboard: expected(rows, 'dashboard'),
    ws_sessions: expected(rows, 'sessions'), sse_sessions: expected(rows, 'sessions'),
    ws_postes: expected(rows, 'postes'), sse_postes: expected(rows, 'postes'),
    ws_session: expected(rows, 'session', s.id), sse_session: expected(rows, 'session', s.id),
    ws_multi: rows.filter((x) => (x.channels & (CH.dashboard | CH.postes)) ||
      ((x.channels & CH.session) && x.session_id === s.id)).map((x) => x.id),
    sse_multi: rows.filter((x) => x.channels & (CH.dashboard | CH.postes | CH.sessions)).map((x) => x.id),
  };
  for (const [name, c] of Object.entries(subs)) {
    const w = want[name];
    if (w.length) await c.waitFor((m) => m.id === w[w.length - 1] && m.type !== 'stats_update', 5000, `${name} last`);
    await L.sleep(name === 'ws_dashboard' ? 300 : 0);
    const got = c.events().map((m) => m.id).filter((id) => id > start && id <= last);
    assert.deepEqual(got, w, `${name}: got ${got} want ${w}`);
    for (const m of c.events()) {
      const row = rows.find((x) => x.id === m.id);
      if (row) assert.equal(m.type, row.type, `${name}: type of ${m.id}`);
    }
    // SSE: every event record carries id: and event: lines.
    if (name.startsWith('sse')) {
      for (const m of c.events()) {
        assert.equal(m._sse.id, String(m.id));
        assert.equal(m._sse.event, m.type);
      }
    }
  }
  // Wire shape of one event.
  const ev = subs.ws_session.events().find((m) => m.type === 'session_started');
  assert.ok(ev, 'session_started on sessions/<id>');
  assert.equal(ev.session_id, s.id);
  assert.equal(ev.poste_id, poste.id);
  assert.match(ev.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(typeof ev.data, 'object');
  for (const c of Object.values(subs)) c.close();
});

test('SSE response headers and opening', async () => {
  const t = L.enc(await L.staffTicket());
  const c = L.sseOpen(`/events/postes?ticket=${t}`);
  await c.ready;
  assert.equal(c.status, 200);
  assert.match(c.headers['content-type'], /^text\/event-stream/);
  assert.equal(c.headers['x-accel-buffering'], 'no');
  assert.match(c.headers['cache-control'], /no-cache/);
  await c.waitFor((m) => m.type === 'subscribed');
  assert.ok(c.records[0].comment, 'opening comment');
  assert.ok(c.records.some((r) => r.retry), 'retry: field');
  c.close();
});

// The pool libmicrohttpd gives each connection (POSTES_PUSHER_CONN_MEMORY,
// 3 KiB by default, most of a subscriber's memory) must still take the
// request a browser sends, with room for a few cookies of other
// applications; a head past it gets 431, and the pusher goes on serving.
test('request heads: a browser head with cookies is served, an oversized one gets 431', async () => {
  const t = L.enc(await L.staffTicket());
  const browser = {
    'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
    Accept: 'text/event-stream', 'Accept-Language': 'fr-FR,fr;q=0.9,en-US;q=0.8,en;q=0.7',
    'Accept-Encoding': 'gzip, deflate, br', 'Cache-Control': 'no-cache', Pragma: 'no-cache',
    Referer: `${L.BASE}/dashboard/`, 'Sec-Fetch-Dest': 'empty', 'Sec-Fetch-Mode': 'cors', 'Sec-Fetch-Site': 'same-origin',
    Cookie: `postes_sid=${'a'.repeat(64)}; other_app=${'x'.repeat(600)}; lang=fr`,
  };
  const big = L.sseOpen(`/events/dashboard?ticket=${t}`, browser);
  await big.ready;
  assert.equal(big.status, 200, 'a browser head of about 1.4 KB');
  await big.waitFor((m) => m.type === 'subscribed');
  const w = await L.wsRaw(`/ws/dashboard/?ticket=${t}`, { headers: browser });
  assert.equal(w.status, 101, 'the same head on WebSocket');
  w.s.destroy();
  const huge = L.sseOpen(`/events/dashboard?ticket=${t}`, { ...browser, Cookie: `junk=${'y'.repeat(4000)}` });
  await huge.ready;
  assert.equal(huge.status, 431, 'a 4 KB cookie');
  // Still serving, and the first stream still open.
  const after = L.sseOpen(`/events/dashboard?ticket=${t}`);
  await after.ready;
  assert.equal(after.status, 200);
  assert.equal(big.ended, false);
  big.close(); after.close(); huge.close();
});

test('who may listen: anonymous, bad ticket, kiosk, cookie, Origin', async () => {
  // Anonymous: 401 on SSE, close 1008 on WebSocket.
  const a = L.sseOpen('/events/dashboard');
  await a.ready;
  assert.equal(a.status, 401);
  const aw = L.wsOpen('/ws/dashboard/');
  await aw.ready;
  await aw.waitFor(() => aw.closed, 5000, 'close').catch(() => {});
  assert.equal(aw.closed?.code, 1008);
  assert.equal(aw.msgs.filter((m) => m.type === 'subscribed').length, 0);

  // A forged or altered ticket is no ticket.
  const good = await L.staffTicket();
  const bad = good.slice(0, -2) + (good.endsWith('A') ? 'BB' : 'AA');
  const b = L.sseOpen(`/events/dashboard?ticket=${L.enc(bad)}`);
  await b.ready;
  assert.equal(b.status, 401);

  // A kiosk follows its own session and nothing else.
  const k = await L.startSession(3600);
  assert.ok(k.ticket, 'kiosk ticket');
  const kt = L.enc(k.ticket);
  const other = await L.createSession(3600);
  for (const path of ['dashboard', 'sessions', 'postes', `sessions/${other.id}`]) {
    const c = L.sseOpen(`/events/${path}?ticket=${kt}`);
    await c.ready;
    assert.equal(c.status, 403, `kiosk on ${path}`);
    const w = L.wsOpen(`/ws/${path}/?ticket=${kt}`);
    await w.ready;
    await w.waitFor(() => w.closed, 5000, 'close').catch(() => {});
    assert.equal(w.closed?.code, 1008, `kiosk ws on ${path}`);
  }
  const own = L.wsOpen(`/ws/sessions/${k.session.id}/?ticket=${kt}`);
  await own.ready;
  await own.waitFor((m) => m.type === 'subscribed');
  own.send({ type: 'get_stats' });
  const e = await own.waitFor((m) => m.type === 'error');
  assert.equal(e.data.code, 'forbidden');
  own.close();

  // The staff cookie works as on the API.
  const cookie = await L.login();
  const cs = L.sseOpen('/events/dashboard', { cookie });
  await cs.ready;
  assert.equal(cs.status, 200);
  await cs.waitFor((m) => m.type === 'subscribed');
  cs.close();
  const cw = L.wsOpen('/ws/postes/', { wsOptions: { headers: { cookie } } });
  await cw.ready;
  await cw.waitFor((m) => m.type === 'subscribed');
  cw.close();
  // ... but not from a page on another origin.
  const ev = L.wsOpen('/ws/postes/', { wsOptions: { headers: { cookie }, origin: 'http://evil.example' } });
  await ev.ready;
  assert.equal(ev.status, 403);
  // Unknown channels are 404.
  const u = L.sseOpen(`/events/nope?ticket=${L.enc(good)}`);
  await u.ready;
  assert.equal(u.status, 404);
});

test('stats_update: sent at once to a new dashboard subscriber, then at most 1/s', async () => {
  const t = L.enc(await L.staffTicket());
  const d = L.wsOpen(`/ws/dashboard/?ticket=${t}`);
  await d.ready;
  const first = await d.waitFor((m) => m.type === 'stats_update', 3000);
  for (const k of ['utilisateurs', 'sessions', 'postes']) assert.ok(first.data[k], k);
  assert.equal(typeof first.data.utilisateurs.total, 'number');
  assert.equal(typeof first.data.postes.disponibles, 'number');
  // A burst of events: stats follow, coalesced.
  const t0 = Date.now();
  const n0 = d.msgs.filter((m) => m.type === 'stats_update').length;
  for (let i = 0; i < 8; i++) await L.createUser();
  await L.sleep(2500);
  const stats = d.msgs.filter((m) => m.type === 'stats_update').slice(n0);
  const secs = (Date.now() - t0) / 1000;
  assert.ok(stats.length >= 1, 'stats after events');
  assert.ok(stats.length <= Math.ceil(secs) + 1, `${stats.length} stats_update in ${secs}s`);
  const total = Number(L.sql('SELECT COUNT(*) FROM utilisateurs'));
  assert.equal(stats[stats.length - 1].data.utilisateurs.total, total);
  // get_stats answers from the cache.
  d.send({ type: 'get_stats' });
  await d.waitFor((m, i) => m.type === 'stats_update' && d.msgs.indexOf(m) >= n0 + stats.length);
  // Not on other channels.
  const p = L.wsOpen(`/ws/postes/?ticket=${t}`);
  await p.ready;
  await p.waitFor((m) => m.type === 'subscribed');
  await L.createUser();
  await L.sleep(1500);
  assert.equal(p.msgs.filter((m) => m.type === 'stats_update').length, 0);
  d.close(); p.close();
});

test('client messages: heartbeat, get_time; bad messages get an error, not a close', async () => {
  const k = await L.startSession(3600);
  const c = L.wsOpen(`/ws/sessions/${k.session.id}/?ticket=${L.enc(k.ticket)}`);
  await c.ready;
  await c.waitFor((m) => m.type === 'subscribed');
  c.send({ type: 'heartbeat' });
  const hb = await c.waitFor((m) => m.type === 'heartbeat');
  assert.match(hb.data.timestamp, /Z$/);
  const tu = await c.waitFor((m) => m.type === 'time_update', 3000);
  assert.equal(tu.session_id, k.session.id);
  assert.ok(tu.data.temps_restant > 3500 && tu.data.temps_restant <= 3600);
  assert.match(tu.data.fin_prevue, /Z$/);
  c.send({ type: 'get_time' });
  await L.sleep(300);
  c.send('not json');
  c.send({ type: 'nope' });
  const errs = await c.waitFor((m) => m.type === 'error' && m.data.code === 'unknown_type');
  assert.ok(errs);
  assert.ok(c.msgs.some((m) => m.type === 'error' && m.data.code === 'bad_message'));
  assert.equal(c.closed, null);
  c.close();
});
