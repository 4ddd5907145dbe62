// pusher-frames.test.mjs - the WebSocket protocol from raw sockets: the
// handshake's checks, and every kind of broken frame gets its close code
// while the daemon keeps serving everyone else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as L from './pusher-lib.mjs';

let ticket;
async function open(path = '/ws/postes/') {
  ticket ??= await L.staffTicket();
  const c = await L.wsRaw(`${path}?ticket=${L.enc(ticket)}`);
  assert.equal(c.status, 101, c.head);
  assert.equal(c.accept, c.expectAccept, 'Sec-WebSocket-Accept');
  await c.waitFrame((f) => f.op === 1 && f.payload.toString().includes('"subscribed"'));
  return c;
}

// Send bytes, expect a close frame with code, then the socket closed.
async function expectClose(c, code) {
  await c.waitFrame((f) => f.op === 8, 5000);
  assert.equal(c.closeCode(), code);
  await c.until((x) => x.ended, 5000);
  for (const f of c.frames()) assert.equal(f.masked, false, 'server frames are not masked');
}

test('handshake: version, key, upgrade headers', async () => {
  ticket ??= await L.staffTicket();
  const q = `?ticket=${L.enc(ticket)}`;
  let c = await L.wsRaw('/ws/postes/' + q, { headers: { 'Sec-WebSocket-Version': '8' } });
  assert.equal(c.status, 426);
  assert.match(c.head, /sec-websocket-version: 13/i);
  c.s.destroy();
  c = await L.wsRaw('/ws/postes/' + q, { headers: { 'Sec-WebSocket-Key': 'c2hvcnQ=' } });
  assert.equal(c.status, 400);
  c.s.destroy();
  c = await L.wsRaw('/ws/postes/' + q, { headers: { Upgrade: null } });
  assert.equal(c.status, 400);
  c.s.destroy();
  c = await L.wsRaw('/ws/postes/' + q, { headers: { Origin: 'http://evil.example' } });
  assert.equal(c.status, 403);
  c.s.destroy();
  c = await L.wsRaw('/ws/nowhere/' + q);
  assert.equal(c.status, 404);
  c.s.destroy();
});

test('unmasked client frame: 1002', async () => {
  const c = await open();
  c.frame(1, '{"type":"heartbeat"}', { mask: false });
  await expectClose(c, 1002);
});

test('reserved bits, unknown opcode, fragmented or long control frames: 1002', async () => {
  let c = await open();
  c.frame(1, 'x', { rsv: 4 });
  await expectClose(c, 1002);
  c = await open();
  c.frame(3, 'x');
  await expectClose(c, 1002);
  c = await open();
  c.frame(9, 'x', { fin: false });
  await expectClose(c, 1002);
  c = await open();
  c.frame(9, Buffer.alloc(126, 65));
  await expectClose(c, 1002);
  c = await open();
  c.frame(0, 'orphan continuation');
  await expectClose(c, 1002);
  c = await open();
  c.frame(1, '{"type":', { fin: false });
  c.frame(1, '"heartbeat"}');
  await expectClose(c, 1002);
  c = await open();
  c.frame(8, Buffer.from([3]));
  await expectClose(c, 1002);
});

test('oversized frame: 1009 from the header alone; oversized message: 1009', async () => {
  let c = await open();
  // Announce 10 MB and send only the header: refused before any payload.
  c.frame(1, Buffer.alloc(0), { len: 10 * 1024 * 1024 });
  await expectClose(c, 1009);
  c = await open();
  c.frame(1, Buffer.alloc(20000, 32));
  await expectClose(c, 1009);
  c = await open();
  const part = Buffer.alloc(9000, 32);
  c.frame(1, part, { fin: false });
  c.frame(0, part, { fin: false });
  await expectClose(c, 1009);
});

test('invalid UTF-8 in text: 1007; binary: 1003', async () => {
  let c = await open();
  c.frame(1, Buffer.from([0x7b, 0xc3, 0x28, 0x7d]));
  await expectClose(c, 1007);
  c = await open();
  c.frame(1, Buffer.from([0xed, 0xa0, 0x80]));	// a surrogate
  await expectClose(c, 1007);
  c = await open();
  c.frame(2, Buffer.from([1, 2, 3]));
  await expectClose(c, 1003);
});

test('ping, fragmented message, clean close echo', async () => {
  const c = await open();
  c.frame(9, 'hello');
  const pong = await c.waitFrame((f) => f.op === 10);
  assert.equal(pong.payload.toString(), 'hello');
  // A message in three fragments with a ping in the middle.
  c.frame(1, '{"type"', { fin: false });
  c.frame(0, ':"heart', { fin: false });
  c.frame(9, 'mid');
  c.frame(0, 'beat"}');
  await c.waitFrame((f) => f.op === 1 && f.payload.toString().includes('"heartbeat"'));
  const cl = Buffer.alloc(2); cl.writeUInt16BE(1000);
  c.frame(8, cl);
  await expectClose(c, 1000);
});

test('the daemon survives garbage and keeps serving', async () => {
  // Raw garbage, a half handshake, a connection reset mid-frame.
  for (const junk of ['GARBAGE\r\n\r\n', 'GET /ws/postes/ HTTP/1.1\r\nUpgrade: websocket\r\n',
    '\x00\x01\x02\xff'.repeat(1000)]) {
    const r = L.rawSocket();
    r.s.write(junk);
    await L.sleep(100);
    r.s.destroy();
  }
  const c = await open();
  c.s.write(L.buildFrame(1, Buffer.alloc(5000, 32)).slice(0, 100));
  c.s.destroy();
  // Everyone else is still served.
  const h = await fetch(L.PUSHER + '/healthz');
  assert.equal(h.status, 200);
  const w = L.wsOpen(`/ws/postes/?ticket=${L.enc(ticket)}`);
  await w.ready;
  await w.waitFor((m) => m.type === 'subscribed');
  await L.createPoste();
  await w.waitFor((m) => m.type === 'poste_created');
  w.close();
  const m = await L.metrics();
  assert.match(m, /postes_pusher_ws_closes_total\{code="1009"\} [1-9]/);
});
