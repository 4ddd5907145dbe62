// flood-worker.mjs - a WebSocket flooder in its own thread (so that the
// test's bystander measures the pusher, not our own event loop). Sends
// frames of one kind (ping, pong, cont: empty continuations) as fast as
// the socket takes them, reconnects when closed, until told to stop;
// then posts { closes: {code: n}, conns }.
import { parentPort, workerData } from 'node:worker_threads';
import * as L from './pusher-lib.mjs';

const { path, kind } = workerData;
const f = { closes: {}, conns: 0 };
let stop = false;
parentPort.on('message', () => { stop = true; });

const ping = L.buildFrame(9, Buffer.from('x'));
const pong = L.buildFrame(10, Buffer.alloc(0));
const cont = L.buildFrame(0, Buffer.alloc(0), { fin: false });
const start = L.buildFrame(1, Buffer.from('{"type":'), { fin: false });
const burst = kind === 'cont' ? Buffer.concat([start, ...Array(2000).fill(cont)])
  : Buffer.concat(Array(2000).fill(kind === 'pong' ? pong : ping));

while (!stop) {
  const c = await L.wsRaw(path);
  f.conns++;
  if (c.status !== 101) { c.s.destroy(); await L.sleep(100); continue; }
  const pump = () => { while (!c.ended && !stop && c.s.write(burst)) { /* until it pushes back */ } };
  c.s.on('drain', pump);
  pump();
  try { await c.until((x) => x.ended || x.closeCode() !== null, 5000); } catch { /* timeout */ }
  const code = c.closeCode();
  if (code !== null || !stop) f.closes[code ?? 'none'] = (f.closes[code ?? 'none'] || 0) + 1;
  c.s.destroy();
}
parentPort.postMessage(f);
