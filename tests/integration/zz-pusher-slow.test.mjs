// zz-pusher-slow.test.mjs - slow subscribers end cleanly (issue 8).
// A WebSocket client and an SSE client stop reading while 6,000 large
// events (24 MB, written straight into the outbox: more than the kernel's
// loopback buffers hold) go out. Past the
// pusher's queue cap each is dropped: the WebSocket gets every frame
// whole and then a 1008 close frame, never a cut frame; the SSE body
// ends on a record boundary with a final comment and a proper end of
// the chunked body. Both are counted in /metrics by transport and
// reason. The junk rows are deleted afterwards (runs near the end).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import * as L from './pusher-lib.mjs';

const N = 6000;
let junk = false;
after(() => { if (junk) L.sql(`DELETE FROM events WHERE payload LIKE '{"pad":%'`); });

const slowDrops = (m, t) => Number((m.match(new RegExp(`^postes_pusher_drops_total\\{transport="${t}",reason="slow"\\} (\\d+)$`, 'm')) || [])[1]);

function insertJunk() {
  junk = true;
  L.sql(`SET SESSION max_recursive_iterations = 100000;
    START TRANSACTION;
    SELECT last_id INTO @b FROM event_seq WHERE id = 1 FOR UPDATE;
    UPDATE event_seq SET last_id = last_id + ${N} WHERE id = 1;
    INSERT INTO events (id, type, channels, session_id, poste_id, payload)
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${N})
      SELECT @b + i, 'poste_updated', 4, NULL, NULL, CONCAT('{"pad":"', REPEAT('x', 4000), '"}') FROM n;
    COMMIT;`);
}

// Frames in buf, and how many bytes are left over after the last whole one.
function frames(buf) {
  const out = [];
  let o = 0;
  for (;;) {
    if (buf.length - o < 2) break;
    let n = buf[o + 1] & 0x7f, h = 2;
    if (n === 126) { if (buf.length - o < 4) break; n = buf.readUInt16BE(o + 2); h = 4; }
    else if (n === 127) { if (buf.length - o < 10) break; n = Number(buf.readBigUInt64BE(o + 2)); h = 10; }
    if (buf.length - o < h + n) break;
    out.push({ op: buf[o] & 0x0f, payload: buf.slice(o + h, o + h + n) });
    o += h + n;
  }
  return { out, left: buf.length - o };
}

async function until(pred, ms, what) {
  const t0 = Date.now();
  while (!(await pred())) {
    if (Date.now() - t0 > ms) throw new Error(`timeout: ${what}`);
    await L.sleep(100);
  }
}

test('a WebSocket and an SSE subscriber that stop reading: 1008 after the last whole frame; SSE ends on a record with a final comment', { timeout: 120000 }, async () => {
  const t = L.enc(await L.staffTicket());
  const w = await L.wsRaw(`/ws/postes/?ticket=${t}`);
  assert.equal(w.status, 101);
  await w.waitFrame((f) => f.op === 1 && f.payload.toString().includes('"subscribed"'));

  const sse = { body: '', ended: false, aborted: false };
  await new Promise((resolve) => {
    sse.req = http.get(`${L.PUSHER}/events/postes?ticket=${t}`, (res) => {
      sse.res = res;
      res.setEncoding('utf8');
      res.on('data', (d) => { sse.body += d; if (sse.body.includes('event: subscribed')) resolve(); });
      res.on('end', () => { sse.ended = true; });
      res.on('aborted', () => { sse.aborted = true; });
      res.on('error', () => { sse.aborted = true; });
    });
  });

  const m0 = await L.metrics();
  w.s.pause();			// both stop reading
  sse.res.pause();
  insertJunk();
  await until(async () => {
    const m = await L.metrics();
    return slowDrops(m, 'ws') > slowDrops(m0, 'ws') && slowDrops(m, 'sse') > slowDrops(m0, 'sse');
  }, 30000, 'both dropped as slow');

  w.s.resume();
  sse.res.resume();
  await until(() => w.ended, 15000, 'WebSocket closed');
  await until(() => sse.ended || sse.aborted, 15000, 'SSE body ended');

  const { out, left } = frames(w.buf);
  assert.equal(left, 0, 'no cut frame: the stream holds whole frames only');
  const last = out[out.length - 1];
  assert.equal(last.op, 8, 'the last frame is a close frame');
  assert.equal(last.payload.readUInt16BE(0), 1008);
  assert.equal(last.payload.slice(2).toString(), 'slow consumer');
  const texts = out.filter((f) => f.op === 1);
  for (const f of texts) JSON.parse(f.payload.toString());	// every text frame whole
  console.log(`# slow WebSocket: ${texts.length} whole frames, then close 1008 "slow consumer"`);

  assert.equal(sse.aborted, false, 'the chunked body ended properly');
  assert.ok(sse.body.endsWith(': end: slow consumer\n\n'), `final comment: …${JSON.stringify(sse.body.slice(-80))}`);
  const records = sse.body.slice(0, -': end: slow consumer\n\n'.length).split('\n\n').filter((r) => r !== '');
  let evs = 0;
  for (const r of records) {
    if (r.startsWith(':') || r.startsWith('retry:')) continue;
    const data = r.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
    JSON.parse(data);		// every record whole
    evs++;
  }
  console.log(`# slow SSE: ${evs} whole records, then ": end: slow consumer"`);
  w.s.destroy();
});
