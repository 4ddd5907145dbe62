// backoff.js - exponential back-off with jitter ("equal jitter": half the
// delay is fixed, half is random), so that a hundred dashboards that lost
// the pusher at the same second do not all come back at the same second.

export function backoffDelay(attempt, { base = 1000, max = 30000, factor = 2, random = Math.random } = {}) {
  const a = Math.max(0, attempt | 0);
  const cap = Math.min(max, base * Math.pow(factor, a));
  return Math.round(cap / 2 + random() * (cap / 2));
}

export class Backoff {
  constructor(opts = {}) {
    this.opts = opts;
    this.attempt = 0;
  }
  // The delay before the next try; each call lengthens the following one.
  next() {
    return backoffDelay(this.attempt++, this.opts);
  }
  reset() {
    this.attempt = 0;
  }
}
