// agent-x11.test.mjs - postes-agent on a real X server, against the real stack.
//
// Xvfb with openbox (Debian's), the agent started by its own launcher
// (agent/postes-agent-session.in, the restart loop it uses where no
// systemd user manager runs, as in this sandbox), driven with xdotool as
// a person would: keys and clicks. What is on screen is read from the X
// server (xdotool: which windows are mapped, their geometry; `import`:
// pixels) and, for the words, from the agent's "screen:" log lines, which
// are compared with the kiosk page's own messages (www/src/lib/messages.js).
//
// Only the garbage case talks to a fake server (a node http server that
// answers nonsense); everything else is the real API, pusher and MariaDB
// that deploy/test.sh started. The stack is stopped and restarted once
// (offline countdown), as zz-api-dbrestart does for the database.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import * as L from './lib.mjs';
import messages from '../../www/src/lib/messages.js';

const FR = messages.fr;
const AGENT = `${L.BUILD}/postes-agent`;
const LAUNCHER = `${L.ROOT}agent/postes-agent-session.in`;
const SHOTS = process.env.POSTES_SHOTS || '';	// e.g. docs/screenshots
const W = 1280, H = 800;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'postes-agent-'));
const procs = [];
let staff, poste, display, logFile, launcher;

// ------------------------------------------------------------ X helpers

function freeDisplay(from) {
  for (let n = from; n < from + 200; n++)
    if (!fs.existsSync(`/tmp/.X11-unix/X${n}`) && !fs.existsSync(`/tmp/.X${n}-lock`)) return n;
  throw new Error('no free X display');
}

async function startX(n, size = `${W}x${H}`) {
  const x = spawn('Xvfb', [`:${n}`, '-screen', '0', `${size}x24`, '-nolisten', 'tcp'],
    { stdio: 'ignore' });
  procs.push(x);
  await L.waitUntil(() => fs.existsSync(`/tmp/.X11-unix/X${n}`), 10000, 'Xvfb');
  const wm = spawn('openbox', [], { stdio: 'ignore', env: { ...process.env, DISPLAY: `:${n}` } });
  procs.push(wm);
  await L.sleep(500);
  return `:${n}`;
}

function xdo(args, disp = display) {
  return execFileSync('xdotool', args, { encoding: 'utf8', env: { ...process.env, DISPLAY: disp } });
}

// Ids of the mapped windows whose name matches re.
function visible(re, disp = display) {
  try {
    return xdo(['search', '--onlyvisible', '--name', re], disp).split('\n').filter(Boolean);
  } catch {
    return [];	// xdotool exits 1 when nothing matches
  }
}
const lockUp = (disp) => visible('poste verrouill', disp).length > 0;
const barUp = (disp) => visible('temps restant', disp).length > 0;

function geometry(id, disp = display) {
  const o = {};
  for (const l of xdo(['getwindowgeometry', '--shell', id], disp).split('\n')) {
    const [k, v] = l.split('=');
    if (v !== undefined) o[k] = Number(v);
  }
  return o;
}

function shot(name) {
  const file = path.join(SHOTS || tmp, name);
  execFileSync('import', ['-window', 'root', file], { env: { ...process.env, DISPLAY: display } });
  return file;
}

// The colour of one pixel of a screenshot, as "r,g,b".
function pixel(file, x, y) {
  const out = execFileSync('convert', [file, '-crop', `1x1+${x}+${y}`, '-depth', '8', 'txt:-'],
    { encoding: 'utf8' });
  const m = out.match(/\((\d+),(\d+),(\d+)/);
  return m ? `${m[1]},${m[2]},${m[3]}` : '';
}

async function typeCode(code, disp = display) {
  xdo(['type', '--delay', '40', code], disp);
  xdo(['key', 'Return'], disp);
}

// ------------------------------------------------------------ agent log

function logText(file = logFile) {
  try { return fs.readFileSync(file, 'utf8'); } catch { return ''; }
}

// Wait for a log line matching re after offset; returns [match, end offset].
async function logWait(re, from, ms = 8000, file = logFile) {
  let m;
  await L.waitUntil(() => {
    const t = logText(file).slice(from);
    m = t.match(re);
    return m;
  }, ms, `agent log ${re}`);
  return m;
}
const mark = (file = logFile) => logText(file).length;
// What the agent says it shows: msg="screen: error=\"TEXT\"" (the log
// escapes quotes and newlines); scr(kind, prefix) matches TEXT as m[1].
const scr = (kind, prefix = '') => new RegExp(`screen: ${kind}=\\\\"(${prefix}.*?)\\\\""`);
const screenText = (s) => s.replace(/\\"/g, '"').replace(/\\n/g, '\n');

// The agent our launcher runs now (its child named postes-agent).
function agentPids(l = launcher) {
  try {
    return execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(l.pid)], { encoding: 'utf8' })
      .split('\n').map((x) => x.trim().split(/\s+/)).filter((x) => x[1] === 'postes-agent')
      .map((x) => Number(x[0]));
  } catch { return []; }
}

function startAgent(env, disp, log) {
  const out = fs.openSync(log, 'a');
  const p = spawn('sh', [LAUNCHER], {
    stdio: ['ignore', out, out],
    env: {
      ...process.env,
      DISPLAY: disp,
      XDG_RUNTIME_DIR: fs.mkdtempSync(path.join(tmp, 'run-')),
      POSTES_AGENT_BIN: AGENT,
      POSTES_AGENT_NO_SYSTEMD: '1',
      POSTES_AGENT_CONFIG: '/dev/null',
      ...env,
    },
  });
  launchers.push(p);
  return p;
}

function stack(cmds) {
  execFileSync('bash', ['-c', `. deploy/lib.sh; ${cmds}`],
    { cwd: L.ROOT, stdio: ['ignore', 'inherit', 'inherit'], env: process.env });
}

// ------------------------------------------------------------ set-up

before(async () => {
  staff = await L.admin();
  poste = await L.newPoste(staff, { nom: L.uniq('Agent-') });
  fs.writeFileSync(path.join(tmp, 'token'), poste.token + '\n', { mode: 0o600 });
  display = await startX(freeDisplay(90 + (Number(process.env.POSTES_TEST_PORT_BASE || 18080) % 50)));
  logFile = path.join(tmp, 'agent.log');
  launcher = startAgent({
    POSTES_AGENT_SERVER: L.BASE,
    POSTES_AGENT_TOKEN_FILE: path.join(tmp, 'token'),
    POSTES_AGENT_CLEANUP: `date +%s%3N > ${tmp}/cleaned`,
    POSTES_AGENT_HTTP_TIMEOUT: '3',
    // The workstation's own zone is not the town hall's: what the agent
    // shows of a reservation is in the API's (fuseau).
    TZ: 'Pacific/Kiritimati',
  }, display, logFile);
});

const launchers = [];
after(async () => {
  // Launchers first (so they restart nothing), then their agents.
  const agents = launchers.flatMap((l) => agentPids(l));
  for (const l of launchers) try { l.kill('SIGTERM'); } catch { /* gone */ }
  for (const pid of agents) try { process.kill(pid, 'SIGTERM'); } catch { /* gone */ }
  for (const p of procs.reverse()) try { p.kill('SIGTERM'); } catch { /* gone */ }
  await L.sleep(300);
  if (process.env.POSTES_AGENT_KEEP_LOG) console.log(logText());
});

// A session for this poste's agent: created, its code typed, started.
async function unlock(duree = 3600) {
  const s = await L.newSession(staff, { duree });
  const m0 = mark();
  await typeCode(s.code.toLowerCase());
  await logWait(scr('confirm'), m0);
  xdo(['key', 'Return']);
  await logWait(new RegExp(`session ${s.id} running`), m0);
  await L.waitUntil(() => barUp() && !lockUp(), 5000, 'bar up, lock down');
  return s;
}


// ------------------------------------------------------------ staff messages

// A message from the desk to this poste, as staff send it; its id.
async function sendMessage(texte) {
  const m = L.expectStatus(await staff.post('/api/messages', { cible: 'poste', poste_id: poste.id, texte }),
    201, 'message sent');
  return m.id;
}
const ackedAt = (id) => L.sqlOne(`SELECT acquitte_at FROM message_postes WHERE message_id = ${id} AND poste_id = ${poste.id}`);

// Where the agent drew message id (its box and its "J'ai lu" button), in
// root coordinates: the agent logs them relative to the window the message
// is in once laid out (again when they change; the last line counts),
// xdotool gives that window's place.
async function messageOnScreen(where, id, from) {
  const re = new RegExp(`message: ${where} ${id} box (\\d+),(\\d+) (\\d+)x(\\d+) button (\\d+),(\\d+) (\\d+)x(\\d+)`, 'g');
  await logWait(new RegExp(re.source), from, 5000);
  await L.sleep(400);	// let the layout settle
  const m = [...logText().slice(from).matchAll(re)].at(-1);
  const [win] = visible(where === 'lock' ? 'poste verrouill' : 'temps restant');
  const g = geometry(win);
  const n = m.slice(1).map(Number);
  return {
    win: g,
    box: { x: g.X + n[0], y: g.Y + n[1], w: n[2], h: n[3] },
    button: { x: g.X + n[4], y: g.Y + n[5], w: n[6], h: n[7] },
  };
}
const inside = (a, b) => a.x >= b.x && a.y >= b.y && a.x + a.w <= b.x + b.w && a.y + a.h <= b.y + b.h;
const MSG_BG = '255,247,214';	// the kiosk page's banner: #fff7d6

// Click "J'ai lu" as a person would, then wait for the server to know.
async function acknowledge(s, id) {
  const m0 = mark();
  xdo(['mousemove', String(s.button.x + Math.floor(s.button.w / 2)), String(s.button.y + Math.floor(s.button.h / 2)),
    'click', '1']);
  await logWait(new RegExp(`message: ${id} acknowledged`), m0, 5000);
  await L.waitUntil(() => ackedAt(id) !== null, 5000, 'acquitte_at set');
}

// ------------------------------------------------------------ tests

test('at start the lock covers the whole screen, keyboard and pointer grabbed', async () => {
  await logWait(/lock: keyboard and pointer grabbed/, 0, 15000);
  await logWait(/view: boot -> idle/, 0, 15000);
  const ids = await L.waitUntil(() => visible('poste verrouill'), 5000, 'lock window');
  const g = geometry(ids[0]);
  assert.deepEqual([g.X, g.Y, g.WIDTH, g.HEIGHT], [0, 0, W, H], 'the lock is the size of the screen');
  assert.equal(barUp(), false, 'no countdown while locked');
  // The X server's own VT switch and zap keys are off in this session.
  await logWait(/XKB srvrkeys:none/, 0, 5000);
  assert.match(execFileSync('setxkbmap', ['-query'], { encoding: 'utf8', env: { ...process.env, DISPLAY: display } }),
    /^options:.*srvrkeys:none/m);
  const file = shot('agent-lock.png');
  // Every corner is the lock's background, nothing of the desktop shows.
  for (const [x, y] of [[2, 2], [W - 3, 2], [2, H - 3], [W - 3, H - 3]])
    assert.equal(pixel(file, x, y), '22,50,79', `pixel ${x},${y}`);
});

test('Alt-F4, Escape, Alt-Tab and a close request do not close the lock', async () => {
  const pids = agentPids();
  const [id] = visible('poste verrouill');
  xdo(['key', 'alt+F4']);
  xdo(['key', 'Escape']);
  xdo(['key', 'alt+Tab']);
  xdo(['key', 'ctrl+w']);
  xdo(['key', 'super']);
  await L.sleep(800);
  assert.ok(lockUp(), 'still locked');
  assert.deepEqual(agentPids(), pids, 'the agent did not exit');
  const g = geometry(id);
  assert.deepEqual([g.WIDTH, g.HEIGHT], [W, H]);
  // openbox's own binding: with the keyboard grabbed it never sees the
  // keys; the WM's menu (right click on the root) cannot open either.
  xdo(['mousemove', '5', '5', 'click', '3']);
  await L.sleep(300);
  assert.equal(visible('^Openbox').length, 0);
  assert.ok(lockUp());
});

test('bad input: the kiosk page\'s French messages, and it never unlocks', async () => {
  // A code nobody has.
  let m0 = mark();
  await typeCode('ZZZ-999');
  let m = await logWait(scr('error'), m0);
  assert.equal(screenText(m[1]), FR['kiosk.err.code_inconnu']);
  assert.ok(lockUp() && !barUp(), 'still locked');
  if (SHOTS) { await L.sleep(300); shot('agent-bad-code.png'); }

  // A code that ended: code_expire / plus_de_temps as the server says.
  const ended = await L.newSession(staff, { duree: 600 });
  L.expectStatus(await staff.post(`/api/sessions/${ended.id}/terminate`, {}), 200);
  m0 = mark();
  await typeCode(ended.code);
  m = await logWait(scr('error'), m0);
  assert.equal(screenText(m[1]), FR['kiosk.err.code_inconnu'], 'a terminated code is freed: unknown');

  // Guessing: after 5 refused codes on this poste the next is throttled
  // (429 with Retry-After), and the message counts down.
  for (let i = 2; ; i++) {
    assert.ok(i <= 6, 'throttled by the 6th wrong code');
    m0 = mark();
    await typeCode(`QQQ${i}${i}${i}`);
    m = await logWait(scr('error'), m0);
    if (m[1].startsWith('Trop de codes')) break;
    assert.equal(screenText(m[1]), FR['kiosk.err.code_inconnu']);
  }
  const s = Number(m[1].match(/dans (\d+) secondes/)[1]);
  assert.ok(s > 0 && s <= 60, `retry after ${s}`);
  assert.equal(m[1], FR['kiosk.err.too_many_attempts'].replace('{s}', String(s)));
  m = await logWait(scr('error', 'Trop de codes'), mark(), 3000);
  assert.ok(Number(m[1].match(/dans (\d+) secondes/)[1]) < s, 'the wait counts down');
  // Even a valid code is refused while throttled (the entry is off).
  const valid = await L.newSession(staff, { duree: 600 });
  await typeCode(valid.code);
  await L.sleep(1000);
  assert.ok(lockUp() && !barUp(), 'still locked');
  assert.equal(L.sqlOne(`SELECT statut FROM sessions WHERE id = ${valid.id}`), 'en_attente');
  // Staff lift the lock-out and restart the agent, rather than wait the
  // minute out.
  L.sql(`DELETE FROM throttle WHERE k = 'code:${poste.id}'`);
  const [pid] = agentPids();
  m0 = mark();
  process.kill(pid, 'SIGTERM');
  await logWait(/view: boot -> idle/, m0, 15000);
});

test('a staff message while locked: on the lock\'s card within seconds, acknowledged with a click', async () => {
  await logWait(/view: boot -> idle/, 0, 15000);
  assert.ok(lockUp() && !barUp(), 'locked');
  // 500 characters on several lines, with what markup would eat: shown as
  // plain text, whole, wrapped on the card.
  const line = 'Le poste 3 redémarre à 17 h <b>sauvegardez</b> & fermez vos documents.';
  const texte = (Array(7).fill(line).join('\n') + '\nMerci !').slice(0, 500);
  assert.equal([...texte].length, 500);
  let m0 = mark();
  const t0 = Date.now();
  const id1 = await sendMessage(texte);
  const m = await logWait(scr('message'), m0, 5000);
  console.log(`# message on the lock ${Date.now() - t0} ms after it was sent`);
  assert.equal(screenText(m[1]), texte, 'the text as staff wrote it');
  let s = await messageOnScreen('lock', id1, m0);
  assert.ok(lockUp() && !barUp(), 'still locked');
  const screen = { x: 0, y: 0, w: W, h: H };
  assert.ok(inside(s.box, screen), `the message fits the screen: ${JSON.stringify(s.box)}`);
  assert.ok(inside(s.button, s.box), 'the button is in the message');
  assert.ok(s.box.h > 150, `several lines tall (wrapped): ${s.box.h} px`);
  assert.ok(s.box.w < W * 0.8, `wrapped, not one long line: ${s.box.w} px`);
  await L.sleep(300);
  const file = shot('agent-message-lock.png');
  assert.equal(pixel(file, s.box.x + 6, s.box.y + Math.floor(s.box.h / 2)), MSG_BG, 'the message is drawn on the lock');
  assert.equal(ackedAt(id1), null, 'not acknowledged by being shown');

  // A second one waits behind the first, which says so.
  m0 = mark();
  // Many short lines: the text scrolls inside the message, which stays on
  // the screen with its button.
  const texte2 = 'Deuxième message : merci de votre patience.' + '\nligne'.repeat(76);
  const id2 = await sendMessage(texte2);
  await logWait(/message: 2 unread/, m0, 5000);
  s = await messageOnScreen('lock', id1, m0);	// it moved: the card grew
  m0 = mark();
  await acknowledge(s, id1);
  const m2 = await logWait(scr('message'), m0, 5000);
  assert.equal(screenText(m2[1]), texte2);
  s = await messageOnScreen('lock', id2, m0);
  assert.ok(inside(s.box, screen) && inside(s.button, s.box), `it fits: ${JSON.stringify(s)}`);
  assert.ok(s.box.h < H / 2, `scrolled, not ${texte2.split('\n').length} lines tall: ${s.box.h} px`);
  assert.equal(ackedAt(id2), null);
  m0 = mark();
  await acknowledge(s, id2);
  await logWait(/screen: message hidden/, m0, 5000);
  assert.equal(L.sqlOne(`SELECT COUNT(*) FROM message_postes WHERE poste_id = ${poste.id} AND acquitte_at IS NULL`), '0');
  // Still locked, grabbed, and the code entry still takes a code.
  assert.ok(lockUp() && !barUp(), 'still locked');
  m0 = mark();
  await typeCode('ZZZ-998');
  const e = await logWait(scr('error'), m0);
  assert.equal(screenText(e[1]), FR['kiosk.err.code_inconnu']);
});

test('a valid code unlocks; the countdown is on screen, from the server\'s end time', async () => {
  const s = await unlock(3600);
  const [bar] = visible('temps restant');
  const g = geometry(bar);
  assert.ok(g.WIDTH > 100 && g.WIDTH < W / 2 && g.HEIGHT < H / 3, `a small bar: ${g.WIDTH}x${g.HEIGHT}`);
  assert.ok(g.X >= 0 && g.Y >= 0 && g.X + g.WIDTH <= W && g.Y + g.HEIGHT <= H, 'on screen');
  const file = shot('agent-countdown.png');
  assert.equal(pixel(file, g.X + 4, g.Y + 4), '22,50,79', 'the bar is drawn on top');
  const row = await (await L.kiosk(poste.token)).get('/api/kiosk/session');
  assert.equal(row.json.session.id, s.id);
  assert.equal(row.json.session.statut, 'active');
  // Closing it is ignored: Alt-F4 and Escape on the bar.
  xdo(['windowactivate', '--sync', bar]);
  xdo(['key', 'alt+F4', 'Escape']);
  await L.sleep(500);
  assert.ok(barUp(), 'the bar cannot be closed');
  // It can be moved: pressed, dragged, released, at a person's pace. The
  // window manager takes the move on the press; a motion that reaches it
  // before it has (under load) is lost, as a too-quick flick would be for
  // a person, who would simply drag again: up to three drags.
  let g2 = g;
  for (let i = 0; i < 3 && g2.X === g.X && g2.Y === g.Y; i++) {
    xdo(['mousemove', String(g.X + 20), String(g.Y + 8), 'mousedown', '1']);
    await L.sleep(300);
    for (const [dx, dy] of [[-100, 60], [-100, 70], [-100, 70]]) {
      xdo(['mousemove_relative', '--sync', '--', String(dx), String(dy)]);
      await L.sleep(50);
    }
    xdo(['mouseup', '1']);
    // The window manager applies the move when it gets to it (slow under load).
    await L.waitUntil(async () => { g2 = geometry(bar); return g2.X !== g.X || g2.Y !== g.Y; },
      5000, 'the bar moves').catch(() => {});
  }
  assert.ok(g2.X !== g.X || g2.Y !== g.Y, `moved: ${g.X},${g.Y} -> ${g2.X},${g2.Y}`);

  // Warnings: the database moves the end to 62 s from now; the server's
  // clock warns at 5 min at once, then at 1 min; the bar shows the page's
  // sentence, and the countdown follows the new end.
  const m0 = mark();
  L.sql(`UPDATE sessions SET fin_prevue = UTC_TIMESTAMP() + INTERVAL 62 SECOND WHERE id = ${s.id}`);
  let m = await logWait(scr('warning'), m0, 5000);
  assert.equal(screenText(m[1]), FR['kiosk.warning'].replace('{left}', '5 min'));
  m = await logWait(/end time moved: (\d+) s left/, m0, 5000);
  // Rounded up, from a clock known to the second: 62 s may read 63.
  assert.ok(Number(m[1]) <= 63 && Number(m[1]) >= 55, `${m[1]} s left`);
  m = await logWait(scr('warning', 'Attention[^"]*1 min'), m0, 10000);
  assert.equal(screenText(m[1]), FR['kiosk.warning'].replace('{left}', '1 min'));
  if (SHOTS) shot('agent-warning.png');
  assert.ok(barUp() && !lockUp());
});

test('the server ends the session: the poste relocks within 2 s, then cleans up', async () => {
  const sid = Number(L.sqlOne(`SELECT id FROM sessions WHERE poste_actif = ${poste.id}`));
  assert.ok(sid > 0);
  fs.rmSync(`${tmp}/cleaned`, { force: true });
  const m0 = mark();
  const t0 = Date.now();
  L.expectStatus(await staff.post(`/api/sessions/${sid}/terminate`, {}), 200);
  await L.waitUntil(() => lockUp(), 5000, 'lock');
  const dt = Date.now() - t0;
  console.log(`# relock after staff ended the session: ${dt} ms`);
  assert.ok(dt < 2000, `relocked in ${dt} ms`);
  assert.equal(barUp(), false);
  const m = await logWait(scr('status'), m0);
  assert.equal(screenText(m[1]), FR['kiosk.locked.admin']);
  await L.waitUntil(() => fs.existsSync(`${tmp}/cleaned`), 5000, 'clean-up ran');
  assert.ok(Number(fs.readFileSync(`${tmp}/cleaned`, 'utf8')) >= t0, 'clean-up after the end');
  await logWait(/view: ending -> idle/, m0);
  assert.ok(lockUp());
});

test('a staff message during a session: on the countdown bar, acknowledged with a click', async () => {
  await logWait(/view: \w+ -> idle/, 0, 15000);
  const sess = await unlock(1800);
  const m0 = mark();
  const t0 = Date.now();
  const texte = 'Bonjour, l’espace ferme dans 30 minutes.\nMerci de terminer vos impressions.';
  const id = await sendMessage(texte);
  const m = await logWait(scr('message'), m0, 5000);
  console.log(`# message on the bar ${Date.now() - t0} ms after it was sent`);
  assert.equal(screenText(m[1]), texte);
  const s = await messageOnScreen('bar', id, m0);
  assert.ok(barUp() && !lockUp(), 'the session goes on');
  const bar = { x: s.win.X, y: s.win.Y, w: s.win.WIDTH, h: s.win.HEIGHT };
  assert.ok(inside(bar, { x: 0, y: 0, w: W, h: H }), `the bar is whole on screen: ${JSON.stringify(bar)}`);
  assert.ok(inside(s.box, bar), 'the message is in the bar');
  assert.ok(inside(s.button, s.box), 'the button is in the message');
  await L.sleep(300);
  const file = shot('agent-message-bar.png');
  assert.equal(pixel(file, s.box.x + 6, s.box.y + Math.floor(s.box.h / 2)), MSG_BG, 'the message is drawn on the bar');
  assert.equal(ackedAt(id), null);
  const m1 = mark();
  await acknowledge(s, id);
  await logWait(/screen: message hidden/, m1, 5000);
  assert.ok(barUp() && !lockUp(), 'acknowledging does not end anything');
  // Staff end it: locked again, ready for the next test.
  L.expectStatus(await staff.post(`/api/sessions/${sess.id}/terminate`, {}), 200);
  await L.waitUntil(() => lockUp(), 5000, 'lock');
  await logWait(/view: ending -> idle/, m1, 15000);
});

// ------------------------------------------------------------ reservations

const TZ = process.env.POSTES_TZ || 'Europe/Paris';
// An instant as the kiosk page writes it in the town hall's zone: 14h05.
function townHM(ms) {
  const p = Object.fromEntries(new Intl.DateTimeFormat('fr-FR', { timeZone: TZ, hourCycle: 'h23',
    hour: '2-digit', minute: '2-digit' }).formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  return `${p.hour}h${p.minute}`;
}
const resaAt = (ms) => FR['kiosk.resa.at'].replace('{time}', townHM(ms));
const resaNow = (ms) => FR['kiosk.resa.now'].replace('{time}', townHM(ms));
const RESA_BG = '30,58,138';	// the kiosk page's reservation pill: #1e3a8a

async function reserve(debut, fin, holder = { nom: 'M. Titulaire' }) {
  return L.expectStatus(await staff.post('/api/reservations', { poste_id: poste.id, ...holder,
    debut: new Date(debut).toISOString(), fin: new Date(fin).toISOString() }), 201, 'reservation');
}
async function cancelResa(id) {
  L.expectStatus(await staff.post(`/api/reservations/${id}/cancel`, {}), 200, 'cancel');
}
// Whether a region of a screenshot has the reservation's colour anywhere.
function hasColour(file, r, rgb = RESA_BG) {
  const out = execFileSync('convert', [file, '-crop', `${r.w}x${r.h}+${r.x}+${r.y}`, '+repage', '-depth', '8',
    '-unique-colors', 'txt:-'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return out.includes(`(${rgb})`);
}

test('reservations on the lock: "Réservé à", "Réservé jusqu’à", someone else\'s code refused, cancelled ones go', async () => {
  await logWait(/view: \w+ -> idle/, 0, 15000);
  assert.ok(lockUp() && !barUp(), 'locked');
  const screen = { x: 0, y: 0, w: W, h: H };
  assert.equal(hasColour(shot('agent-resa-none.png'), screen), false, 'no reservation shown yet');

  // A slot later today: announced on the lock within seconds, in the town
  // hall's zone (the agent runs in another one, see before()).
  const later = Math.floor((Date.now() + 3 * 3600 * 1000) / 60000) * 60000;
  let m0 = mark();
  let t0 = Date.now();
  const r1 = await reserve(later, later + 3600 * 1000);
  let m = await logWait(scr('resa'), m0, 5000);
  console.log(`# reservation on the lock ${Date.now() - t0} ms after it was made`);
  assert.equal(screenText(m[1]), resaAt(later));
  assert.ok(lockUp() && !barUp(), 'still locked');
  await L.sleep(300);
  assert.ok(hasColour(shot('agent-resa-lock.png'), screen), 'the reservation is drawn on the lock');
  // The code entry keeps the focus: typing still goes to it.
  m0 = mark();
  await typeCode('ZZZ-997');
  m = await logWait(scr('error'), m0);
  assert.equal(screenText(m[1]), FR['kiosk.err.code_inconnu']);

  // A slot running from now, held by a registered person: the lock says
  // until when, and someone else's code is refused in words.
  const holder = await L.newUtilisateur(staff);
  const now = Date.now();
  m0 = mark();
  const r2 = await reserve(now, now + 30 * 60 * 1000, { utilisateur_id: holder.id });
  m = await logWait(scr('resa'), m0, 5000);
  assert.equal(screenText(m[1]), resaNow(now + 30 * 60 * 1000));
  const other = await L.newSession(staff, { duree: 1800 });
  m0 = mark();
  await typeCode(other.code);
  await logWait(scr('confirm'), m0);
  xdo(['key', 'Return']);
  m = await logWait(scr('error'), m0);
  assert.equal(screenText(m[1]), FR['kiosk.err.poste_reserve']);
  assert.match(m[1], /réservé pour une autre personne/);
  await L.sleep(500);
  assert.ok(lockUp() && !barUp(), 'still locked');
  assert.equal(L.sqlOne(`SELECT statut FROM sessions WHERE id = ${other.id}`), 'en_attente');

  // Cancelled, each goes: the running slot first (the later one is back),
  // then the later one (nothing left).
  m0 = mark();
  t0 = Date.now();
  await cancelResa(r2.id);
  m = await logWait(scr('resa'), m0, 5000);
  console.log(`# cancelled reservation off the lock ${Date.now() - t0} ms after`);
  assert.equal(screenText(m[1]), resaAt(later));
  m0 = mark();
  await cancelResa(r1.id);
  await logWait(/screen: resa hidden/, m0, 5000);
  await L.sleep(300);
  assert.equal(hasColour(shot('agent-resa-gone.png'), screen), false, 'nothing of it left on the lock');
  assert.ok(lockUp() && !barUp(), 'still locked');
});

test('a reservation during a session: on the countdown bar, gone when cancelled', async () => {
  const sess = await unlock(1800);
  const later = Math.floor((Date.now() + 2 * 3600 * 1000) / 60000) * 60000;
  let m0 = mark();
  const r = await reserve(later, later + 3600 * 1000);
  const m = await logWait(scr('resa'), m0, 5000);
  assert.equal(screenText(m[1]), resaAt(later));
  assert.ok(barUp() && !lockUp(), 'the session goes on');
  await L.sleep(500);
  const [bar] = visible('temps restant');
  const g = geometry(bar);
  const box = { x: g.X, y: g.Y, w: g.WIDTH, h: g.HEIGHT };
  assert.ok(hasColour(shot('agent-resa-bar.png'), box), 'the reservation is drawn on the bar');
  m0 = mark();
  await cancelResa(r.id);
  await logWait(/screen: resa hidden/, m0, 5000);
  await L.sleep(500);
  const g2 = geometry(bar);
  assert.equal(hasColour(shot('agent-resa-bar-gone.png'), { x: g2.X, y: g2.Y, w: g2.WIDTH, h: g2.HEIGHT }), false,
    'gone from the bar');
  L.expectStatus(await staff.post(`/api/sessions/${sess.id}/terminate`, {}), 200);
  await L.waitUntil(() => lockUp(), 5000, 'lock');
  await logWait(/view: ending -> idle/, m0, 15000);
});

test('a slot\'s start and end pass on the agent\'s own clock: "Réservé à", "Réservé jusqu’à", then nothing', async () => {
  // No event comes at a slot's start or end: the agent's tick turns the
  // sentence over at the server's time.
  const debut = Math.ceil((Date.now() + 8000) / 1000) * 1000;
  let m0 = mark();
  const r = await reserve(debut, debut + 5 * 60 * 1000);
  let m = await logWait(scr('resa'), m0, 5000);
  assert.equal(screenText(m[1]), resaAt(debut));
  m0 = mark();
  m = await logWait(scr('resa', 'Réservé jusqu'), m0, 15000);
  const late = Date.now() - debut;
  console.log(`# "Réservé jusqu’à" ${late} ms after the slot's start`);
  assert.equal(screenText(m[1]), resaNow(debut + 5 * 60 * 1000));
  assert.ok(late < 1500, `turned at the start (${late} ms)`);
  // The desk's database moves the end close (no event: the heartbeat's
  // answer tells the agent), then the end passes.
  const fin = Math.ceil((Date.now() + 6000) / 1000) * 1000;
  L.sql(`UPDATE reservations SET fin = FROM_UNIXTIME(${fin / 1000}) WHERE id = ${r.id}`);
  m0 = mark();
  await logWait(/screen: resa hidden/, m0, 15000);
  const lateEnd = Date.now() - fin;
  console.log(`# reservation off the lock ${lateEnd} ms after the slot's end`);
  assert.ok(lateEnd > -1000 && lateEnd < 1500, `gone at the end (${lateEnd} ms)`);
  assert.ok(lockUp(), 'locked');
});

// The town hall's wall clock: ISO weekday, seconds since midnight.
function localNow(tz = process.env.POSTES_TZ || 'Europe/Paris') {
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-GB', { timeZone: tz, hourCycle: 'h23', weekday: 'short',
    hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date()).map((x) => [x.type, x.value]));
  return { jour: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(p.weekday) + 1,
    sec: Number(p.hour) * 3600 + Number(p.minute) * 60 + Number(p.second) };
}
const hm = (sec) => [Math.floor(sec / 3600), Math.floor(sec / 60) % 60].map((x) => String(x).padStart(2, '0')).join(':');

test('closing time: the bar warns, and the poste locks at the closing with the site\'s words', async (t) => {
  // Hours are whole minutes: the site closes at the next minute, at least
  // 20 s from now, the same local day.
  let n = localNow();
  if (n.sec % 60 > 40) { await L.sleep((61 - n.sec % 60) * 1000); n = localNow(); }
  const close = (Math.floor(n.sec / 60) + 1) * 60;
  if (close >= 86400) { t.skip('too close to local midnight'); return; }
  const site = L.expectStatus(await staff.post('/api/sites', { nom: L.uniq('Site-') }), 201, 'site');
  L.expectStatus(await staff.patch(`/api/postes/${poste.id}`, { site_id: site.id }), 200, 'poste in the site');
  t.after(async () => { await staff.patch(`/api/postes/${poste.id}`, { site_id: null }); });
  const s = await unlock(1800);
  const m0 = mark();
  L.expectStatus(await staff.req('PUT', `/api/sites/${site.id}/horaires`,
    { horaires: [{ jour: n.jour, ouverture: '00:00', fermeture: hm(close) }] }), 200, 'hours');
  // The warning on the bar, in the kiosk page's words.
  const w = await logWait(scr('closing'), m0, 10000);
  assert.equal(screenText(w[1]), FR['kiosk.closing'].replace('{n}', '1'));
  // At the closing: locked, with the closing's words, the session over once.
  await L.waitUntil(() => lockUp(), 70000, 'locked at the closing');
  const m = await logWait(scr('status'), m0);
  assert.equal(screenText(m[1]), FR['kiosk.locked.fermeture_site']);
  await L.waitUntil(() => L.sqlOne(`SELECT CONCAT(statut, '/', raison) FROM sessions WHERE id = ${s.id}`) === 'terminee/fermeture_site',
    5000, 'ended by the closing');
  await logWait(/view: ending -> idle/, m0, 10000);
});

test('"Terminer ma session" keeps the time left and locks', async () => {
  const s = await unlock(1800);
  const [bar] = visible('temps restant');
  let g = geometry(bar);
  const m0 = mark();
  xdo(['mousemove', String(g.X + Math.floor(g.WIDTH / 2)), String(g.Y + g.HEIGHT - 18), 'click', '1']);
  await L.sleep(600);
  g = geometry(bar);
  // The confirmation: "Oui, terminer" is the first button of the last row.
  xdo(['mousemove', String(g.X + 40), String(g.Y + g.HEIGHT - 20), 'click', '1']);
  await L.waitUntil(() => lockUp(), 5000, 'lock');
  const m = await logWait(scr('status'), m0);
  const row = L.sql(`SELECT statut, temps_restant FROM sessions WHERE id = ${s.id}`)[0];
  assert.equal(row[0], 'suspendue');
  assert.ok(Number(row[1]) > 1700, `kept ${row[1]} s`);
  assert.match(screenText(m[1]), /^Votre temps restant \(.+\) est conservé pour une prochaine fois\.$/);
});

test('a killed agent comes back, locked; its code resumes the running session', async () => {
  const s = await unlock(1800);
  const [old] = agentPids();
  const m0 = mark();
  const t0 = Date.now();
  process.kill(old, 'SIGKILL');
  // A message sent while no agent runs (the launcher waits 1 s): the new
  // one finds it at start, in its list of unread messages.
  const texte = 'Envoyé pendant le redémarrage.';
  const mid = await sendMessage(texte);
  await L.waitUntil(() => agentPids().some((p) => p !== old) && lockUp(), 10000, 'agent back');
  const dt = Date.now() - t0;
  console.log(`# agent killed -> back and locked: ${dt} ms`);
  await logWait(/lock: keyboard and pointer grabbed/, m0);
  assert.equal(barUp(), false, 'no countdown until the code is typed again');
  const m = await logWait(scr('status'), m0);
  assert.match(m[1], /Une session est ouverte sur ce poste/);
  const ms = await logWait(scr('message'), m0);
  assert.equal(screenText(ms[1]), texte);
  await acknowledge(await messageOnScreen('lock', mid, m0), mid);
  // The same code resumes the same session, with its own end time.
  const fin = L.sqlOne(`SELECT fin_prevue FROM sessions WHERE id = ${s.id}`);
  const m1 = mark();
  await typeCode(s.code);
  await logWait(scr('confirm'), m1);
  xdo(['key', 'Return']);
  await logWait(new RegExp(`session ${s.id} running`), m1);
  assert.equal(L.sqlOne(`SELECT fin_prevue FROM sessions WHERE id = ${s.id}`), fin, 'same end');
  await L.waitUntil(() => barUp() && !lockUp(), 5000, 'bar');
});

test('with the stack stopped the countdown goes on and the poste locks at the end', async () => {
  const sid = Number(L.sqlOne(`SELECT id FROM sessions WHERE poste_actif = ${poste.id}`));
  // Bring the end close (what the database says is the truth), let the
  // agent learn it from the stream, then stop the pusher and the API.
  let m0 = mark();
  L.sql(`UPDATE sessions SET fin_prevue = UTC_TIMESTAMP() + INTERVAL 14 SECOND WHERE id = ${sid}`);
  const endMs = Date.parse(L.sqlOne(`SELECT DATE_FORMAT(fin_prevue, '%Y-%m-%dT%H:%i:%sZ') FROM sessions WHERE id = ${sid}`));
  // The agent counts on the monotonic clock (docs/agent.md), so lateness
  // is measured on it too: this sandbox's wall clock has been seen to
  // step forward ~10 s under load, which moves the server's clock (same
  // machine) and not the agent's. The end, as a monotonic instant:
  const endMono = performance.now() + (endMs - Date.now());
  await logWait(/end time moved: (\d+) s left/, m0, 5000);
  m0 = mark();
  stack('front_stop; pusher_stop');
  try {
    await logWait(/server unreachable/, m0, 15000);
    assert.ok(barUp() && !lockUp(), 'still running offline');
    await L.waitUntil(() => lockUp(), 20000, 'lock at the end');
    const late = Math.round(performance.now() - endMono);
    const step = Math.round((Date.now() - endMs) - late);
    console.log(`# offline: locked ${late} ms after fin_prevue` +
      (Math.abs(step) > 500 ? ` (the wall clock stepped ${step} ms meanwhile)` : ''));
    assert.ok(late > -1000 && late < 1500, `locked at the end (${late} ms)`);
    const m = await logWait(scr('status'), m0);
    assert.equal(screenText(m[1]), FR['kiosk.locked.temps_ecoule']);

    // Started without the server: it stays locked and says so.
    m0 = mark();
    const [pid] = agentPids();
    process.kill(pid, 'SIGKILL');
    const t0 = Date.now();
    await L.waitUntil(() => agentPids().some((p) => p !== pid) && lockUp(), 10000, 'agent back');
    console.log(`# agent killed -> back and locked (server down): ${Date.now() - t0} ms`);
    const n = await logWait(scr('status'), m0, 15000);
    assert.equal(screenText(n[1]), FR['conn.help.offline']);
    await typeCode('ABC234');
    const e = await logWait(scr('error'), m0, 15000);
    assert.equal(screenText(e[1]), FR['kiosk.err.network']);
    assert.ok(lockUp() && !barUp());
  } finally {
    stack('pusher_start; front_start');
  }
  // Back online, the lock says so no more and the server ended it too.
  await L.waitUntil(() => L.sqlOne(`SELECT statut FROM sessions WHERE id = ${sid}`) === 'terminee', 10000, 'ended');
});

test('a server answering garbage or nothing: the same messages, no crash, never unlocked', async () => {
  // The only fake: a server that answers nonsense, one kind per code typed.
  const answers = [
    [(res) => { res.writeHead(200, { 'content-type': 'text/html' }); res.end('<html>proxy login</html>'); },
      FR['kiosk.err.network']],
    [(res) => { res.writeHead(500); res.end('Internal error \x00\xff'); },
      FR['kiosk.err.default'].replace('{code}', 'http_500')],
    [(res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"type":"code_valid","session":"x"}'); },
      FR['kiosk.err.network']],
    [(res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"session": {"id": 1, "nom'); },
      FR['kiosk.err.network']],
    [(res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"session": {"id": -3, "temps_restant": "x"}}'); },
      FR['kiosk.err.network']],
    [(res) => { res.writeHead(502, { 'content-type': 'application/json' }); res.end('[1,2,3]'); },
      FR['kiosk.err.default'].replace('{code}', 'http_502')],
    [(res) => { res.writeHead(409, { 'content-type': 'application/json' }); res.end('{"error":{"code":"<script>\\"x"}}'); },
      FR['kiosk.err.default'].replace('{code}', 'http_409')],
    [(res) => { res.writeHead(200); res.end(Buffer.alloc(700000, 0x7b)); },
      FR['kiosk.err.network']],
    [(res) => { res.socket.destroy(); }, FR['kiosk.err.network']],
    [() => { /* never answers: the agent's timeout */ }, FR['kiosk.err.network']],
    [(res) => { res.writeHead(429, { 'retry-after': 'soon' }); res.end('{"error":{"code":"too_many_attempts"}}'); },
      FR['kiosk.err.too_many_attempts'].replace('{s}', '60')],
  ];
  let i = 0;
  const hung = [];
  const srv = http.createServer((req, res) => {
    req.resume();
    if (req.url.startsWith('/api/kiosk/validate')) {
      const a = answers[Math.min(i++, answers.length - 1)][0];
      if (a.length === 0) hung.push(res);
      return a(res);
    }
    // Everything else (session, heartbeat, ticket): garbage too.
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(['{', 'null', '{"session":{"id":"1"}}', '{"heartbeat_interval":-5,"session":{"id":1,"statut":"active","fin_prevue":"2999-01-01T00:00:00Z"}}'][Math.floor(Math.random() * 4)]);
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const disp2 = await startX(freeDisplay(150));
  const log2 = path.join(tmp, 'agent-garbage.log');
  const p = startAgent({
    POSTES_AGENT_SERVER: `http://127.0.0.1:${srv.address().port}`,
    POSTES_AGENT_TOKEN_FILE: path.join(tmp, 'token'),
    POSTES_AGENT_HTTP_TIMEOUT: '2',
    POSTES_AGENT_HEARTBEAT: '1',
  }, disp2, log2);
  try {
    await logWait(/lock: keyboard and pointer grabbed/, 0, 15000, log2);
    await L.sleep(1500);	// a few garbage heartbeats first
    for (const [, want] of answers) {
      const m0 = mark(log2);
      await typeCode('ABC234', disp2);
      const m = await logWait(scr('error'), m0, 8000, log2);
      assert.equal(screenText(m[1]), want);
      assert.ok(lockUp(disp2) && !barUp(disp2), 'still locked');
    }
    assert.doesNotMatch(logText(log2), /view: \w+ -> running|bar: shown/, 'never unlocked');
    assert.doesNotMatch(logText(log2), /agent exited/, 'never crashed');
  } finally {
    for (const r of hung) r.socket.destroy();
    srv.close();
    srv.closeAllConnections?.();
  }
  assert.equal(p.exitCode, null, 'launcher alive');
});

test('a screen its monitors do not cover is covered whole (and no server: locked, says so)', async () => {
  // Xvfb has one output: the left half is a RandR monitor on it, the
  // right half a monitor without an output, which GDK does not report
  // (the window manager does): GDK's monitors leave half the screen.
  const disp3 = await startX(freeDisplay(170), '2048x768');
  const env3 = { ...process.env, DISPLAY: disp3 };
  try { execFileSync('xrandr', ['--delmonitor', 'screen'], { env: env3, stdio: 'ignore' }); } catch { /* none yet */ }
  execFileSync('xrandr', ['--setmonitor', 'L', '1024/270x768/200+0+0', 'screen'], { env: env3, stdio: 'ignore' });
  execFileSync('xrandr', ['--setmonitor', 'R', '1024/270x768/200+1024+0', 'none'], { env: env3, stdio: 'ignore' });
  assert.match(execFileSync('xrandr', ['--listmonitors'], { env: env3, encoding: 'utf8' }), /Monitors: 2\n/);
  const log3 = path.join(tmp, 'agent-monitors.log');
  startAgent({
    POSTES_AGENT_SERVER: 'http://127.0.0.1:1',
    POSTES_AGENT_TOKEN_FILE: path.join(tmp, 'token'),
  }, disp3, log3);
  await logWait(/lock: keyboard and pointer grabbed/, 0, 15000, log3);
  const ids = visible('poste verrouill', disp3);
  let g;
  await L.waitUntil(() => { g = geometry(ids[0], disp3); return g.WIDTH === 2048; }, 3000, 'whole screen')
    .catch(() => {});
  assert.deepEqual([g.X, g.Y, g.WIDTH, g.HEIGHT], [0, 0, 2048, 768]);
  const m = await logWait(scr('status'), 0, 15000, log3);
  assert.equal(screenText(m[1]), FR['conn.help.offline']);
});

test('make install-agent: program, launcher, clean-up, autostart entry and a user unit systemd accepts', () => {
  const dest = fs.mkdtempSync(path.join(tmp, 'prefix-'));
  execFileSync('make', ['-s', 'install-agent', `PREFIX=${dest}`, `sysconfdir=${dest}/etc`,
    ...(L.BUILD.endsWith('/san') ? ['SANITIZER=address,undefined'] : [])],
  { cwd: L.ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const unit = fs.readFileSync(`${dest}/lib/systemd/user/postes-agent.service`, 'utf8');
  assert.match(unit, new RegExp(`^ExecStart=${dest}/bin/postes-agent$`, 'm'));
  assert.match(unit, /^Restart=always$/m);
  const desktop = fs.readFileSync(`${dest}/etc/xdg/autostart/postes-agent.desktop`, 'utf8');
  assert.match(desktop, new RegExp(`^Exec=${dest}/bin/postes-agent-session$`, 'm'));
  assert.match(fs.readFileSync(`${dest}/bin/postes-agent-session`, 'utf8'), new RegExp(`AGENT=.*${dest}/bin/postes-agent`));
  assert.ok(fs.statSync(`${dest}/libexec/postes-agent/cleanup`).mode & 0o100);
  assert.match(fs.readFileSync(`${dest}/etc/postes-agent.conf`, 'utf8'), /^POSTES_AGENT_SERVER=/m);
  // No systemd user manager can run in this sandbox (no systemd PID 1):
  // the unit is checked by systemd itself, and the restart it gives is
  // what the launcher's loop did in the tests above.
  const rt = fs.mkdtempSync(path.join(tmp, 'xdg-'));
  execFileSync('systemd-analyze', ['verify', '--user', `${dest}/lib/systemd/user/postes-agent.service`],
    { env: { ...process.env, XDG_RUNTIME_DIR: rt }, stdio: ['ignore', 'inherit', 'inherit'] });
  // The sample clean-up, dry: it names what it would remove, nothing else.
  const home = fs.mkdtempSync(path.join(tmp, 'home-'));
  fs.mkdirSync(`${home}/.mozilla/firefox`, { recursive: true });
  fs.mkdirSync(`${home}/Téléchargements`);
  fs.writeFileSync(`${home}/Téléchargements/cv.pdf`, 'x');
  const out = execFileSync(`${dest}/libexec/postes-agent/cleanup`, [], {
    encoding: 'utf8',
    env: { ...process.env, HOME: home, POSTES_CLEANUP_DRY_RUN: '1', POSTES_CLEANUP_MODE: 'files' },
  });
  assert.match(out, /would run: rm -rf .*\/\.mozilla/);
  assert.match(out, /would run: find .*Téléchargements -mindepth 1 -delete/);
  assert.ok(fs.existsSync(`${home}/Téléchargements/cv.pdf`), 'dry run removes nothing');
  // For real: the profile and the downloads are gone, the home stays.
  execFileSync(`${dest}/libexec/postes-agent/cleanup`, [], {
    env: { ...process.env, HOME: home, POSTES_CLEANUP_MODE: 'files' },
  });
  assert.ok(!fs.existsSync(`${home}/.mozilla`) && !fs.existsSync(`${home}/Téléchargements/cv.pdf`));
  assert.ok(fs.existsSync(home));
});
