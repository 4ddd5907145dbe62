// stream.js - one live feed of events with fallbacks: WebSocket, then
// Server-Sent Events, then HTTP polling of /api/events, and back.
//
// A "round" tries the WebSocket; if it does not subscribe in time it
// tries SSE; if that fails too the client polls (status "degraded") and
// schedules the next round after a back-off with jitter. A stream that
// subscribes makes the status "live" and ends polling; when it drops,
// polling resumes at once and a new round follows (quickly if the stream
// had been stable). Polling that fails makes the status "offline" and
// slows down with its own back-off.
//
// Every event carries the outbox id. The client remembers where it is
// (resume point: ?since= for WebSocket, last_event_id for SSE, since= per
// channel for polling) and drops ids it has already seen, so switching
// transports neither loses nor repeats events. A "reset" (stream message
// or polling answer) means the server cannot replay from there: onReset
// tells the application to reload its state. A client started without a
// resume point takes its first one from the server's head (the stream's
// "subscribed", the first poll's last_id) and calls onReset then too:
// the application's state was read before that point, and an event made
// in between (while the page was asking for a ticket, say) would
// otherwise be lost.
//
// Where no pusher runs at all (shared hosting: GET /api/config says
// pusher: false), the application passes pusher: false: the client then
// polls from the start with the status "polling" (the normal state there,
// not a degradation) and never knocks at /ws/ or /events/.
//
// Transports are injected (connectWs, connectSse, poll), so the machine
// runs in Node's test runner with fakes; browser adapters are at the end.

import { Backoff } from './backoff.js';

// Messages that are not outbox events: no id to resume from. "revoked"
// is the pusher's last word to a stream whose log-in (or poste token)
// was revoked; the stream then closes, and reconnecting with the same
// credentials is refused, so the application sees the API's 401 next.
export const EPHEMERAL = new Set(['subscribed', 'stats_update', 'time_update', 'reset', 'heartbeat', 'error',
  'revoked']);

export class StreamClient {
  constructor(o) {
    this.channels = o.channels;
    this.streams = o.pusher !== false;		// false: polling only, by design
    this.connectWs = this.streams ? o.connectWs : null;	// (since, handlers) -> { close, send? }
    this.connectSse = this.streams ? o.connectSse : null;	// (since, handlers) -> { close }
    this.pollStatus = this.streams ? 'degraded' : 'polling';
    this.poll = o.poll;			// async (channel, since) -> {events, last_id, reset}
    this.onMessage = o.onMessage || (() => {});
    this.onStatus = o.onStatus || (() => {});
    this.onReset = o.onReset || (() => {});
    this.schedule = o.schedule || ((fn, ms) => setTimeout(fn, ms));
    this.cancel = o.cancel || ((h) => clearTimeout(h));
    this.now = o.now || (() => Date.now());
    this.pollInterval = o.pollInterval ?? 2000;
    this.openTimeout = o.openTimeout ?? 5000;
    this.stableAfter = o.stableAfter ?? 20000;
    this.pingEvery = o.pingEvery ?? 25000;
    this.silenceLimit = o.silenceLimit ?? 70000;
    this.roundBackoff = new Backoff({ base: 1000, max: o.roundMax ?? 15000, random: o.random });
    this.pollBackoff = new Backoff({ base: this.pollInterval, max: 30000, random: o.random });
    this.since = o.since ?? null;		// resume point (last id seen)
    this.pollSince = {};
    this.seen = new Set();
    this.seenOrder = [];
    this.status = 'connecting';
    this.mode = 'idle';
    this.conn = null;
    this.timers = new Set();
    this.pollTimer = null;
    this.polling = false;
    this.stopped = true;
    this.gen = 0;			// bumps on every new attempt: stale callbacks are ignored
  }

  start() {
    if (!this.stopped) return;
    this.stopped = false;
    this.round();
  }

  stop() {
    this.stopped = true;
    this.gen++;
    this.closeConn();
    this.stopPolling();
    for (const h of this.timers) this.cancel(h);
    this.timers.clear();
    this.mode = 'idle';
  }

  // Try the next round now (e.g. the browser came back online).
  retryNow() {
    if (this.stopped || this.mode === 'ws' || this.mode === 'sse') return;
    this.roundBackoff.reset();
    this.clearTimers();
    this.round();
  }

  later(fn, ms) {
    const h = this.schedule(() => { this.timers.delete(h); fn(); }, ms);
    this.timers.add(h);
    return h;
  }

  clearTimers() {
    for (const h of this.timers) this.cancel(h);
    this.timers.clear();
  }

  setStatus(status, mode = this.mode) {
    if (status === this.status && mode === this.mode) return;
    this.status = status;
    this.mode = mode;
    this.onStatus({ status, mode });
  }

  closeConn() {
    if (this.conn) {
      const c = this.conn;
      this.conn = null;
      try { c.close(); } catch { /* already closed */ }
    }
  }

  // ---- rounds: WebSocket, then SSE, then polling until the next round

  round() {
    if (this.stopped) return;
    if (!this.connectWs && !this.connectSse) return this.startPolling();
    this.tryStream('ws', () => this.tryStream('sse', () => {
      this.startPolling();
      this.later(() => this.round(), this.roundBackoff.next());
    }));
  }

  tryStream(kind, onFail) {
    const connect = kind === 'ws' ? this.connectWs : this.connectSse;
    if (!connect) return onFail();
    const gen = ++this.gen;
    let live = false, done = false, liveAt = 0, lastMsg = 0;
    let openTimer = null, pingTimer = null;
    const fail = () => {
      if (done || gen !== this.gen) return;
      done = true;
      if (openTimer) this.cancel(openTimer);
      if (pingTimer) this.cancel(pingTimer);
      this.closeConn();
      if (!live) return onFail();
      // A live stream dropped: poll meanwhile, new round after a pause.
      if (this.now() - liveAt >= this.stableAfter) this.roundBackoff.reset();
      this.setStatus(this.pollStatus, 'poll');
      this.startPolling();
      this.later(() => this.round(), this.roundBackoff.next());
    };
    const handlers = {
      message: (msg) => {
        if (done || gen !== this.gen) return;
        lastMsg = this.now();
        if (msg && msg.type === 'subscribed' && !live) {
          live = true;
          liveAt = this.now();
          if (openTimer) { this.cancel(openTimer); openTimer = null; }
          this.stopPolling();
          this.pollBackoff.reset();
          this.setStatus('live', kind);
          if (kind === 'ws' && this.conn && this.conn.send) {
            const ping = () => {
              pingTimer = null;
              if (done || gen !== this.gen) return;
              if (this.now() - lastMsg > this.silenceLimit) return fail();
              try { this.conn.send({ type: 'heartbeat' }); } catch { return fail(); }
              pingTimer = this.schedule(ping, this.pingEvery);
            };
            pingTimer = this.schedule(ping, this.pingEvery);
          }
        }
        this.receive(msg);
      },
      close: fail,
      error: fail,
    };
    try {
      this.conn = connect(this.since, handlers);
    } catch {
      this.conn = null;
      return onFail();
    }
    openTimer = this.schedule(() => { openTimer = null; if (!live) fail(); }, this.openTimeout);
  }

  // ---- polling

  startPolling() {
    if (this.polling || this.stopped) return;
    this.polling = true;
    if (this.status !== 'offline') this.setStatus(this.pollStatus, 'poll');
    else this.mode = 'poll';
    this.pollOnce();
  }

  stopPolling() {
    this.polling = false;
    if (this.pollTimer) { this.cancel(this.pollTimer); this.pollTimer = null; }
  }

  async pollOnce() {
    if (!this.polling) return;
    this.pollTimer = null;
    const batch = [];
    let reset = false, ok = true;
    try {
      for (const ch of this.channels) {
        const since = this.pollSince[ch] ?? this.since;
        const r = await this.poll(ch, since);
        if (!this.polling) return;
        // A reset, or the first point taken from the head (see the top).
        if (r.reset || since === null || since === undefined) reset = true;
        for (const e of r.events || []) batch.push(e);
        if (typeof r.last_id === 'number') this.pollSince[ch] = r.last_id;
      }
    } catch {
      ok = false;
    }
    if (!this.polling) return;
    if (ok) {
      this.pollBackoff.reset();
      if (this.mode === 'poll' && this.status !== this.pollStatus) this.setStatus(this.pollStatus, 'poll');
      if (reset) this.handleReset(Math.min(...this.channels.map((c) => this.pollSince[c] ?? 0)));
      batch.sort((a, b) => a.id - b.id);
      for (const e of batch) this.receive(e);
      // Where every channel has been read up to: the stream resumes there.
      const min = Math.min(...this.channels.map((c) => this.pollSince[c] ?? Infinity));
      if (Number.isFinite(min) && (this.since === null || min > this.since)) this.since = min;
      this.pollTimer = this.schedule(() => this.pollOnce(), this.pollInterval);
    } else {
      this.setStatus('offline', 'poll');
      this.pollTimer = this.schedule(() => this.pollOnce(), this.pollBackoff.next());
    }
  }

  // ---- messages

  handleReset(lastId) {
    this.seen.clear();
    this.seenOrder = [];
    if (typeof lastId === 'number') {
      this.since = lastId;
      for (const c of this.channels) this.pollSince[c] = lastId;
    }
    this.onReset();
  }

  receive(msg) {
    if (!msg || typeof msg !== 'object') return;
    if (msg.type === 'reset') {
      this.handleReset(msg.data?.last_id);
      return;
    }
    if (msg.type === 'subscribed' && this.since === null && typeof msg.data?.last_id === 'number') {
      this.handleReset(msg.data.last_id);	// the first point, from the head (see the top)
    }
    if (!EPHEMERAL.has(msg.type) && typeof msg.id === 'number' && msg.id > 0) {
      if (this.seen.has(msg.id)) return;
      this.seen.add(msg.id);
      this.seenOrder.push(msg.id);
      if (this.seenOrder.length > 2000) this.seen.delete(this.seenOrder.shift());
      if (this.since === null || msg.id > this.since) this.since = msg.id;
    }
    this.onMessage(msg);
  }
}

// ---- browser adapters

const ALL_TYPES = ['subscribed', 'stats_update', 'time_update', 'reset', 'heartbeat', 'error', 'revoked',
  'session_created', 'session_updated', 'code_valid', 'code_refused', 'session_started',
  'session_extended', 'session_suspended', 'warning', 'session_terminated', 'poste_created',
  'poste_updated', 'poste_status', 'poste_deleted', 'utilisateur_created',
  'utilisateur_updated', 'utilisateur_deleted'];

function wsBase() {
  return (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host;
}

// path: "/ws/multi/?channels=a,b" or "/ws/sessions/12/"; extra: query string parts.
export function browserWs(path, since, h, extra = '') {
  let url = wsBase() + path;
  const q = [];
  if (since !== null && since !== undefined) q.push('since=' + since);
  if (extra) q.push(extra);
  if (q.length) url += (url.includes('?') ? '&' : '?') + q.join('&');
  const ws = new WebSocket(url);
  ws.onmessage = (ev) => {
    let m;
    try { m = JSON.parse(ev.data); } catch { return; }
    h.message(m);
  };
  ws.onclose = () => h.close();
  ws.onerror = () => h.error();
  return {
    close: () => { ws.onclose = ws.onerror = ws.onmessage = null; ws.close(); },
    send: (obj) => ws.send(JSON.stringify(obj)),
  };
}

export function browserSse(path, since, h, extra = '') {
  let url = path;
  const q = [];
  if (since !== null && since !== undefined) q.push('last_event_id=' + since);
  if (extra) q.push(extra);
  if (q.length) url += (url.includes('?') ? '&' : '?') + q.join('&');
  const es = new EventSource(url);
  const on = (ev) => {
    let m;
    try { m = JSON.parse(ev.data); } catch { return; }
    if (!m.type && ev.type !== 'message') m.type = ev.type;
    h.message(m);
  };
  es.onmessage = on;
  for (const t of ALL_TYPES) es.addEventListener(t, on);
  // EventSource would reconnect by itself; the state machine decides.
  es.onerror = () => h.error();
  return { close: () => { es.onerror = null; es.close(); } };
}
