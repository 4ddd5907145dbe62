// pusher-poste-channel.test.mjs - a poste's own channel, postes/<id>, on
// the pusher: a kiosk gets a ticket for it (POST /api/kiosk/ticket,
// ticket_poste) with or without a session, hears its messages and
// reservations at once over SSE and WebSocket, resumes what it missed,
// may not listen to another poste, and loses the stream when its token
// is rotated. Staff may listen to any poste.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as L from './pusher-lib.mjs';

async function posteTicket(token) {
  const r = await L.api('POST', '/api/kiosk/ticket', undefined, { bearer: token });
  assert.equal(r.status, 200, r.text);
  assert.equal(typeof r.json.ticket_poste, 'string', 'a ticket for the poste itself');
  return r.json;
}

async function sendMessage(posteId, texte) {
  const r = await L.api('POST', '/api/messages', { cible: 'poste', poste_id: posteId, texte },
    { cookie: await L.login() });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

test('a kiosk without a session hears its poste live, over SSE and WebSocket', async () => {
  const p = await L.createPoste();
  await L.api('POST', '/api/kiosk/heartbeat', undefined, { bearer: p.token });
  const t = await posteTicket(p.token);
  assert.equal(t.session, null);
  assert.equal(t.ticket, undefined, 'no session: no session ticket');
  const sse = L.sseOpen(`/events/postes/${p.id}?ticket=${L.enc(t.ticket_poste)}`);
  const ws = L.wsOpen(`/ws/postes/${p.id}/?ticket=${L.enc(t.ticket_poste)}`);
  await sse.ready; await ws.ready;
  assert.equal(sse.status, 200);
  assert.ok(ws.opened, `ws refused: ${ws.status}`);
  await sse.waitFor((m) => m.type === 'subscribed');
  await ws.waitFor((m) => m.type === 'subscribed');

  const m = await sendMessage(p.id, 'Fermeture dans 10 minutes');
  for (const [name, c] of [['sse', sse], ['ws', ws]]) {
    const got = await c.waitFor((x) => x.type === 'message', 5000, `${name} message`);
    assert.equal(got.poste_id, p.id);
    assert.equal(got.data.texte, 'Fermeture dans 10 minutes');
    assert.equal(got.data.id ?? got.data.message_id ?? m.id, m.id);
    assert.equal(got.data.staff_id, undefined, 'the kiosk copy names no sender');
  }
  // The kiosk acknowledges: message_acquitte on the same channel.
  const ack = await L.api('POST', `/api/kiosk/messages/${m.id}/ack`, {}, { bearer: p.token });
  assert.equal(ack.status, 200, ack.text);
  await sse.waitFor((x) => x.type === 'message_acquitte');
  await ws.waitFor((x) => x.type === 'message_acquitte');
  // A reservation of this poste reaches it too; another poste's does not.
  const other = await L.createPoste();
  const cookie = await L.login();
  const debut = new Date(Date.now() + 3 * 3600 * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  const fin = new Date(Date.now() + 4 * 3600 * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  for (const poste of [other.id, p.id]) {
    const r = await L.api('POST', '/api/reservations', { poste_id: poste, nom: 'Atelier', debut, fin }, { cookie });
    assert.equal(r.status, 201, r.text);
  }
  const resv = await sse.waitFor((x) => x.type === 'reservation_created');
  assert.equal(resv.poste_id, p.id);
  await ws.waitFor((x) => x.type === 'reservation_created');
  for (const c of [sse, ws]) {
    assert.ok(c.events().every((e) => e.poste_id === p.id), 'only this poste');
    const ids = c.events().map((e) => e.id);
    assert.deepEqual(ids, [...new Set(ids)].sort((a, b) => a - b), 'once each, in order');
  }
  sse.close(); ws.close();
});

test('a poste ticket resumes what was missed and admits nothing else', async () => {
  const p = await L.createPoste();
  const t = await posteTicket(p.token);
  const last = L.lastEventId();
  const m1 = await sendMessage(p.id, 'Un');
  const m2 = await sendMessage(p.id, 'Deux');
  const sse = L.sseOpen(`/events/postes/${p.id}?ticket=${L.enc(t.ticket_poste)}`, { 'Last-Event-ID': String(last) });
  await sse.ready;
  assert.equal(sse.status, 200);
  await sse.waitFor((x) => x.type === 'message' && x.data.texte === 'Deux');
  const texts = sse.events().filter((e) => e.type === 'message').map((e) => e.data.texte);
  assert.deepEqual(texts, ['Un', 'Deux']);
  assert.ok(m1.id < m2.id);
  sse.close();

  // Another poste's channel, a staff channel, a session: refused.
  const other = await L.createPoste();
  for (const chan of [`postes/${other.id}`, 'dashboard', 'postes', 'sessions/1']) {
    const c = L.sseOpen(`/events/${chan}?ticket=${L.enc(t.ticket_poste)}`);
    await c.ready;
    assert.equal(c.status, 403, `${chan} with a poste ticket`);
    c.close();
  }
  // Without a ticket: refused; staff by cookie: admitted.
  const anon = L.sseOpen(`/events/postes/${p.id}`);
  await anon.ready;
  assert.equal(anon.status, 401);
  anon.close();
  const staff = L.wsOpen(`/ws/postes/${p.id}/?ticket=${L.enc(await L.staffTicket())}`);
  await staff.ready;
  assert.ok(staff.opened);
  await staff.waitFor((x) => x.type === 'subscribed');
  staff.close();
});

test('with a session, the kiosk hears its poste and its session on one stream', async () => {
  const k = await L.startSession(3600);
  const t = await posteTicket(k.poste.token);
  const sid = t.session.id;
  // The session ticket admits the poste's channel too.
  const c = L.wsOpen(`/ws/postes/${k.poste.id}/?ticket=${L.enc(t.ticket)}&channels=sessions/${sid}`);
  await c.ready;
  assert.ok(c.opened, `refused: ${c.status}`);
  await c.waitFor((x) => x.type === 'subscribed');
  await sendMessage(k.poste.id, 'Bonjour');
  // message goes to postes/<id> and sessions/<id>: once on this stream.
  await c.waitFor((x) => x.type === 'message');
  await L.sleep(300);
  assert.equal(c.events().filter((e) => e.type === 'message').length, 1);
  c.close();
});

test('rotating the poste token closes its channel and kills the ticket', async () => {
  const p = await L.createPoste();
  const t = await posteTicket(p.token);
  const s = L.sseOpen(`/events/postes/${p.id}?ticket=${L.enc(t.ticket_poste)}`);
  await s.ready;
  await s.waitFor((x) => x.type === 'subscribed');
  const r = await L.api('POST', `/api/postes/${p.id}/token`, {}, { cookie: await L.login() });
  assert.equal(r.status, 200, r.text);
  await s.waitFor((x) => x.type === 'revoked', 5000, 'revoked');
  await new Promise((res) => { const w = () => (s.ended ? res() : setTimeout(w, 50)); w(); });
  const again = L.sseOpen(`/events/postes/${p.id}?ticket=${L.enc(t.ticket_poste)}`);
  await again.ready;
  assert.equal(again.status, 401, 'the old ticket is dead');
  again.close();
  const nt = await posteTicket(r.json.token);
  const ok = L.sseOpen(`/events/postes/${p.id}?ticket=${L.enc(nt.ticket_poste)}`);
  await ok.ready;
  assert.equal(ok.status, 200);
  ok.close();
});
