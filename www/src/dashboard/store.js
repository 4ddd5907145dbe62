// store.js - the dashboard's state: who is logged in, the counters, the
// sessions and postes as the server last told us, notifications, and the
// live connection (one per browser: see lib/tabs.js).

import { reactive } from 'vue';
import { createApi, qs } from '../lib/api.js';
import { ServerClock } from '../lib/clock.js';
import { StreamClient, browserWs, browserSse } from '../lib/stream.js';
import { serverConfig } from '../lib/serverconfig.js';
import { TabElection } from '../lib/tabs.js';
import { createNotifier } from '../lib/notify.js';
import { beep, unlockSound } from '../lib/sound.js';
import { i18n } from '../lib/vue-i18n.js';

const CHANNELS = ['dashboard', 'sessions', 'postes'];
const MULTI = 'channels=' + CHANNELS.join(',');

export const clock = new ServerClock();

export const state = reactive({
  me: null,
  checked: false,
  conn: { status: 'connecting', mode: 'idle', leader: false },
  stats: null,
  statsAt: null,
  sessions: {},		// id -> session
  postes: {},		// id -> poste
  sessionsLoaded: false,
  postesLoaded: false,
  usersRev: 0,		// bumps when utilisateurs change (views reload)
  deskRev: 0,		// bumps on messages and reservations (views reload)
  sitesRev: 0,		// ... sites or their hours
  invitesRev: 0,	// ... guest passes
  notifications: [],	// newest first: {id, key, level, text, params, at, read}
  toasts: [],
  sound: localStorage.getItem('postes.sound') === '1',
  now: Date.now(),	// the server's clock, ticking
});

export const api = createApi({
  clock,
  onUnauthorized: () => { if (state.me) logoutLocal(); },
});

// The server's time, four times a second (countdowns derive from it).
setInterval(() => { state.now = clock.now(); }, 250);

// ---------------------------------------------------------------- auth

export async function checkSession() {
  try {
    state.me = await api.get('/api/auth/me', { quiet401: true });
    await afterLogin();
  } catch {
    state.me = null;
  }
  state.checked = true;
}

export async function login(username, password) {
  state.me = await api.post('/api/auth/login', { username, password }, { quiet401: true });
  await afterLogin();
}

export async function logout() {
  // The cookie is gone for every tab: tell them.
  election?.send({ t: 'logout' });
  try { await api.post('/api/auth/logout', {}); } catch { /* gone already */ }
  logoutLocal();
}

function logoutLocal() {
  stopLive();
  state.me = null;
  state.stats = null;
  state.sessions = {};
  state.postes = {};
  state.sessionsLoaded = state.postesLoaded = false;
}

async function afterLogin() {
  // Where the outbox is now, before loading: anything after it is replayed.
  let since = null;
  try { since = (await api.get('/api/events' + qs({ channel: 'dashboard' }))).last_id; } catch { /* stream starts live */ }
  await reloadAll();
  // Without a pusher (shared hosting) the stream polls from the start.
  pusher = (await serverConfig(api)).pusher;
  startLive(since);
}

// ---------------------------------------------------------------- data

export async function reloadAll() {
  await Promise.allSettled([refreshStats(), loadSessions(), loadPostes()]);
  state.usersRev++;
}

export async function refreshStats() {
  const s = await api.get('/api/dashboard/stats');
  state.stats = s;
  state.statsAt = Date.now();
  return s;
}

export async function loadSessions() {
  const r = await api.get('/api/sessions' + qs({ aujourdhui: 'true', per_page: 200 }));
  const m = {};
  for (const s of r.results) m[s.id] = s;
  state.sessions = m;
  state.sessionsLoaded = true;
}

export async function loadPostes() {
  const r = await api.get('/api/postes' + qs({ per_page: 200 }));
  const m = {};
  for (const p of r.results) m[p.id] = p;
  state.postes = m;
  state.postesLoaded = true;
}

const posteTimers = new Map();
function refreshPosteSoon(id) {
  if (!id || posteTimers.has(id)) return;
  posteTimers.set(id, setTimeout(async () => {
    posteTimers.delete(id);
    try { state.postes[id] = await api.get(`/api/postes/${id}`); } catch (e) {
      if (e.status === 404) delete state.postes[id];
    }
  }, 150));
}

// ---------------------------------------------------------------- events

const notifier = createNotifier({ posteName: (id) => state.postes[id]?.nom });
const notifiedKeys = new Set();
let notifSeq = 0;

export function notify(level, text, params = {}, key = null) {
  if (key) {
    if (notifiedKeys.has(key)) return;
    notifiedKeys.add(key);
  }
  const n = { id: ++notifSeq, key, level, text, params, at: Date.now(), read: false };
  state.notifications.unshift(n);
  if (state.notifications.length > 100) state.notifications.pop();
  state.toasts.push(n);
  setTimeout(() => dismissToast(n.id), level === 'info' ? 5000 : 10000);
  if (state.sound && level !== 'info') beep(level === 'error' ? [[440, 200], [440, 200]] : [[880, 150], [660, 200]]);
}

export function dismissToast(id) {
  const i = state.toasts.findIndex((x) => x.id === id);
  if (i >= 0) state.toasts.splice(i, 1);
}

export function setSound(on) {
  if (on) unlockSound();
  state.sound = on;
  localStorage.setItem('postes.sound', on ? '1' : '0');
  if (on) beep([[660, 120]]);
}

let statsTimer = null;
function statsSoon() {
  // With a stream, stats_update arrives by itself; polling must ask.
  if (state.conn.mode === 'ws' || state.conn.mode === 'sse' || statsTimer) return;
  statsTimer = setTimeout(() => { statsTimer = null; refreshStats().then(relayStats, () => {}); }, 300);
}

function relayStats(s) {
  if (election && election.role === 'leader') election.send({ t: 'msg', msg: { type: 'stats_update', data: s } });
}

export function handleMessage(msg) {
  const d = msg.data || {};
  switch (msg.type) {
  case 'stats_update':
    state.stats = d;
    state.statsAt = Date.now();
    break;
  case 'session_created': case 'session_updated': case 'session_started':
  case 'session_extended': case 'session_suspended': case 'session_terminated':
  case 'warning': case 'fermeture_proche':
    if (d.id && d.statut) state.sessions[d.id] = { ...(state.sessions[d.id] || {}), ...d };
    if (msg.poste_id) refreshPosteSoon(msg.poste_id);
    if (d.poste_id && d.poste_id !== msg.poste_id) refreshPosteSoon(d.poste_id);
    statsSoon();
    break;
  case 'site_updated':
    state.sitesRev++;
    loadPostes().catch(() => {});
    break;
  case 'invites_created':
    state.invitesRev++;
    statsSoon();
    break;
  case 'poste_created': case 'poste_updated': case 'poste_status': case 'poste_online':
    if (d.id) state.postes[d.id] = { ...(state.postes[d.id] || {}), ...d };
    statsSoon();
    break;
  case 'poste_deleted':
    delete state.postes[msg.poste_id ?? d.id];
    statsSoon();
    break;
  case 'utilisateur_created': case 'utilisateur_updated': case 'utilisateur_deleted':
    state.usersRev++;
    statsSoon();
    break;
  case 'message_sent':
    state.deskRev++;
    // A staff notice shows on every dashboard, in words.
    if (d.cible === 'staff') notify('warning', 'msg.notice', { who: d.staff_nom || '', text: d.texte }, `msg-${d.id}`);
    break;
  case 'message_acquitte': case 'reservation_created': case 'reservation_updated':
    state.deskRev++;
    break;
  default:
  }
  const n = notifier(msg);
  if (n) notify(n.level, n.text[0], n.text[1], n.key);
}

// ---------------------------------------------------------------- live

let election = null;
let stream = null;
let pusher = true;	// GET /api/config: false where no pusher runs
let statsPoll = null;
let lastId = null;

function track(msg) {
  if (typeof msg.id === 'number' && msg.type !== 'stats_update' && (lastId === null || msg.id > lastId)) lastId = msg.id;
}

function setConn(c) {
  state.conn = { ...state.conn, ...c };
}

function startStream() {
  stream = new StreamClient({
    channels: CHANNELS,
    since: lastId,
    pusher,
    connectWs: (since, h) => browserWs('/ws/multi/?' + MULTI, since, h),
    connectSse: (since, h) => browserSse('/events/multi?' + MULTI, since, h),
    poll: (channel, since) => api.get('/api/events' + qs({ channel, since }), { quiet401: false }),
    onMessage: (msg) => {
      track(msg);
      handleMessage(msg);
      election?.send({ t: 'msg', msg });
    },
    onStatus: ({ status, mode }) => {
      setConn({ status, mode, leader: true });
      election?.send({ t: 'status', status, mode });
      if (mode === 'poll') statsSoon();
    },
    onReset: () => {
      reloadAll();
      election?.send({ t: 'reset' });
    },
  });
  stream.start();
  // Polling has no stats_update: ask now and then.
  statsPoll = setInterval(() => {
    if (stream && stream.mode === 'poll' && stream.status !== 'offline') refreshStats().then(relayStats, () => {});
  }, 10000);
}

function stopStream() {
  if (stream) stream.stop();
  stream = null;
  if (statsPoll) clearInterval(statsPoll);
  statsPoll = null;
}

function startLive(since) {
  stopLive();
  lastId = since;
  const bc = typeof BroadcastChannel === 'function' ? new BroadcastChannel('postes-tabs') : null;
  election = new TabElection({
    channel: bc,
    onLeader: () => startStream(),
    onFollower: (leader, wasLeader) => {
      if (wasLeader) stopStream();
      setConn({ leader: false });
      election.send({ t: 'want-status' });
    },
    onMessage: (m) => {
      if (m.kind === 'hello') {
        if (stream) election.send({ t: 'status', status: stream.status, mode: stream.mode });
        if (state.stats) election.send({ t: 'msg', msg: { type: 'stats_update', data: state.stats } });
        return;
      }
      const x = m.data;
      if (x && x.t === 'logout') { logoutLocal(); return; }
      if (!x || election.role === 'leader') {
        if (x && x.t === 'want-status' && stream) election.send({ t: 'status', status: stream.status, mode: stream.mode });
        return;
      }
      if (x.t === 'msg') { track(x.msg); handleMessage(x.msg); }
      else if (x.t === 'status') setConn({ status: x.status, mode: x.mode, leader: false });
      else if (x.t === 'reset') reloadAll();
    },
  });
  election.start();
}

// A page leaving hands the stream over (bye); one restored from the
// back-forward cache joins again, from the last id it saw.
addEventListener('pagehide', () => stopLive());
addEventListener('pageshow', (e) => { if (e.persisted && state.me) startLive(lastId); });
addEventListener('online', () => stream?.retryNow());

function stopLive() {
  stopStream();
  if (election) election.stop();
  election = null;
}

// For the tests and the curious: window.postesDebug.
globalThis.postesDebug = { state, get stream() { return stream; }, get election() { return election; } };
