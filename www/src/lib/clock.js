// clock.js - the server's clock as seen from the browser.
//
// The server owns time: a session has an absolute end (fin_prevue) and
// what is left is derived from it at each tick, never decremented on the
// client. The browser's own clock may be minutes off, so we estimate the
// offset server - client from samples: an HTTP Date header (whole
// seconds) or a server_time field, each bracketed by the moment the
// request left (tSend) and the answer arrived (tRecv). A sample says the
// offset lies in [server - tRecv, server + resolution - tSend]; the
// intersection of the samples narrows it, and its middle is the estimate.
// If a new sample does not intersect (the client's clock jumped), the
// estimate restarts from that sample.

export class ServerClock {
  constructor(now = () => Date.now()) {
    this.clientNow = now;
    this.lo = null;
    this.hi = null;
  }

  get offset() {
    return this.lo === null ? 0 : Math.round((this.lo + this.hi) / 2);
  }

  get synced() {
    return this.lo !== null;
  }

  // serverMs: server time in ms; resolution: its precision in ms.
  sample(serverMs, tSend, tRecv, resolution = 1000) {
    if (!Number.isFinite(serverMs) || !(tRecv >= tSend)) return;
    const lo = serverMs - tRecv;
    const hi = serverMs + resolution - tSend;
    if (this.lo === null || lo > this.hi || hi < this.lo) {
      this.lo = lo;
      this.hi = hi;
    } else {
      this.lo = Math.max(this.lo, lo);
      this.hi = Math.min(this.hi, hi);
    }
  }

  // A front server stamps Date from a clock it refreshes about once a
  // second (lighttpd caches the string), so the header may lag up to a
  // second behind its own whole second: it bounds the time within 2 s.
  sampleDateHeader(header, tSend, tRecv) {
    if (!header) return;
    this.sample(Date.parse(header), tSend, tRecv, 2000);
  }

  sampleIso(iso, tSend, tRecv) {
    if (!iso) return;
    const ms = Date.parse(iso);
    // "…:05Z" is whole seconds; "…:05.123Z" is milliseconds.
    this.sample(ms, tSend, tRecv, /\.\d{3}/.test(iso) ? 1 : 1000);
  }

  now() {
    return this.clientNow() + this.offset;
  }
}

// Whole seconds left until the ISO end time, by the server's clock, never
// negative; null when there is no end time.
export function secondsLeft(finIso, serverNowMs) {
  if (!finIso) return null;
  const end = Date.parse(finIso);
  if (!Number.isFinite(end)) return null;
  return Math.max(0, Math.ceil((end - serverNowMs) / 1000));
}
