// tabs.js - one stream per browser: leader election over BroadcastChannel.
//
// Every tab of the dashboard joins the channel "postes-tabs". One of them,
// the leader, holds the pusher connection and relays what it receives to
// the others; the others only listen. The leader says so every beatMs
// ("beat") and answers a newcomer's "hello" at once; a tab that hears no beat for deadMs claims leadership
// ("claim"), waits claimMs for an objection (a beat, or a claim from a
// tab with a smaller id) and then leads. Two leaders (after a partition,
// a frozen tab waking up) resolve themselves: the larger id steps down. A
// leader that closes says "bye" so that another takes over at once, and
// the new leader resumes from the last event id the tabs have seen, so
// nothing is lost in the hand-over.
//
// Without BroadcastChannel each tab simply leads itself.

export class TabElection {
  constructor({ channel, id, onLeader, onFollower, onMessage, schedule, cancel, beatMs = 1000, deadMs = 3500, claimMs = 400, joinMs = 700 }) {
    this.bc = channel;
    this.id = id ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
    this.onLeader = onLeader || (() => {});
    this.onFollower = onFollower || (() => {});
    this.onMessage = onMessage || (() => {});
    this.schedule = schedule || ((fn, ms) => setTimeout(fn, ms));
    this.cancel = cancel || ((h) => clearTimeout(h));
    this.beatMs = beatMs;
    this.deadMs = deadMs;
    this.claimMs = claimMs;
    this.joinMs = joinMs;
    this.role = 'joining';	// joining | claiming | leader | follower
    this.leaderId = null;
    this.watch = null;
    this.beatTimer = null;
    this.claimTimer = null;
  }

  start() {
    if (!this.bc) return this.becomeLeader();
    this.bc.onmessage = (ev) => this.handle(ev.data);
    this.post({ kind: 'hello' });
    // A leader answers a hello at once; silence means there is none.
    this.watch = this.schedule(() => { this.watch = null; this.claim(); }, this.joinMs);
  }

  stop() {
    if (this.role === 'leader' && this.bc) this.post({ kind: 'bye' });
    this.clear();
    this.role = 'stopped';
    if (this.bc) { this.bc.onmessage = null; try { this.bc.close(); } catch { /* closed */ } }
  }

  post(m) {
    try { this.bc?.postMessage({ ...m, from: this.id }); } catch { /* closed */ }
  }

  // Relay application data to the other tabs.
  send(data) {
    this.post({ kind: 'data', data });
  }

  clear() {
    for (const k of ['watch', 'beatTimer', 'claimTimer']) {
      if (this[k]) { this.cancel(this[k]); this[k] = null; }
    }
  }

  // (Re)start waiting for the leader's beat.
  arm() {
    if (this.watch) this.cancel(this.watch);
    this.watch = this.schedule(() => { this.watch = null; this.claim(); }, this.deadMs);
  }

  claim() {
    if (this.role === 'leader' || this.role === 'stopped') return;
    this.role = 'claiming';
    this.post({ kind: 'claim' });
    this.claimTimer = this.schedule(() => {
      this.claimTimer = null;
      if (this.role === 'claiming') this.becomeLeader();
    }, this.claimMs);
  }

  becomeLeader() {
    this.clear();
    this.role = 'leader';
    this.leaderId = this.id;
    const beat = () => {
      this.post({ kind: 'beat' });
      this.beatTimer = this.schedule(beat, this.beatMs);
    };
    beat();
    this.onLeader();
  }

  becomeFollower(leaderId) {
    const was = this.role;
    this.leaderId = leaderId;
    if (this.claimTimer) { this.cancel(this.claimTimer); this.claimTimer = null; }
    if (this.beatTimer) { this.cancel(this.beatTimer); this.beatTimer = null; }
    this.role = 'follower';
    this.arm();
    if (was !== 'follower') this.onFollower(leaderId, was === 'leader');
  }

  handle(m) {
    if (!m || m.from === this.id || this.role === 'stopped') return;
    switch (m.kind) {
    case 'beat':
      if (this.role === 'leader') {
        // Two leaders: the smaller id keeps it.
        if (m.from < this.id) this.becomeFollower(m.from);
        return;
      }
      if (this.role !== 'follower' || this.leaderId !== m.from) this.becomeFollower(m.from);
      else this.arm();
      return;
    case 'claim':
      if (this.role === 'leader') this.post({ kind: 'beat' });
      else if (this.role === 'claiming' && m.from < this.id) this.becomeFollower(m.from);
      return;
    case 'hello':
      if (this.role === 'leader') { this.post({ kind: 'beat' }); this.onMessage({ kind: 'hello', from: m.from }); }
      return;
    case 'bye':
      if (this.leaderId === m.from && this.role === 'follower') {
        // Smallest id first, so the successors do not all claim at once.
        this.role = 'joining';
        if (this.watch) this.cancel(this.watch);
        this.watch = this.schedule(() => { this.watch = null; this.claim(); }, 50 + Math.floor(Math.random() * 150));
      }
      return;
    case 'data':
      this.onMessage({ kind: 'data', data: m.data, from: m.from });
      return;
    default:
    }
  }
}
