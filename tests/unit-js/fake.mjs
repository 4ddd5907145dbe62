// fake.mjs - a virtual clock for the state machines: schedule/cancel like
// setTimeout/clearTimeout, advanced by hand, with microtasks flushed
// between timers so that async code (polling) progresses.
export function fakeTime(start = 1_000_000) {
  let now = start;
  let seq = 0;
  const timers = new Map();
  const flush = () => new Promise((r) => setImmediate(r));
  return {
    now: () => now,
    schedule(fn, ms) {
      const id = ++seq;
      timers.set(id, { at: now + Math.max(0, ms), fn });
      return id;
    },
    cancel(id) { timers.delete(id); },
    pending: () => timers.size,
    async advance(ms) {
      const end = now + ms;
      for (;;) {
        await flush();
        let next = null;
        for (const [id, t] of timers) if (t.at <= end && (!next || t.at < next[1].at)) next = [id, t];
        if (!next) break;
        timers.delete(next[0]);
        now = next[1].at;
        next[1].fn();
      }
      now = end;
      await flush();
    },
  };
}
