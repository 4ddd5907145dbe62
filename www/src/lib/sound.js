// sound.js - short beeps with WebAudio (no audio files). Browsers only
// allow sound after a user gesture, so the context is created when the
// person opts in (a click) and reused afterwards.

let ctx = null;

export function unlockSound() {
  try {
    const AC = globalThis.AudioContext || globalThis.webkitAudioContext;
    if (!AC) return false;
    if (!ctx) ctx = new AC();
    if (ctx.state === 'suspended') ctx.resume();
    return true;
  } catch {
    return false;
  }
}

// pattern: list of [frequency Hz, duration ms].
export function beep(pattern = [[880, 150], [660, 200]]) {
  if (!ctx) return;
  try {
    let t = ctx.currentTime + 0.02;
    for (const [freq, ms] of pattern) {
      const o = ctx.createOscillator();
      const g = ctx.createGain();
      o.type = 'sine';
      o.frequency.value = freq;
      g.gain.setValueAtTime(0.0001, t);
      g.gain.exponentialRampToValueAtTime(0.25, t + 0.02);
      g.gain.exponentialRampToValueAtTime(0.0001, t + ms / 1000);
      o.connect(g).connect(ctx.destination);
      o.start(t);
      o.stop(t + ms / 1000 + 0.02);
      t += ms / 1000 + 0.06;
    }
  } catch { /* audio unavailable */ }
}
