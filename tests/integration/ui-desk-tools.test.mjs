// ui-desk-tools.test.mjs - the desk's day in Chromium: a message sent from the
// dashboard shows on a kiosk with its banner and is acknowledged (staff
// see it read); a reservation shows on the kiosk, refuses someone else
// and is honoured by its holder; the statistics drawn from generated
// history (postes-api demo-stats), a CSV downloaded and parsed; a person
// exported then erased. Takes docs/screenshots/stats.png for the README.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { launch, staffLogin, shot, BASE } from './ui-lib.mjs';
import { api, login, createPoste } from './pusher-lib.mjs';
import { sql } from './lib.mjs';

const TZ = process.env.POSTES_TZ || 'Europe/Paris';
const pad = (n) => String(n).padStart(2, '0');
// Wall-clock time in Paris (the browsers run in Europe/Paris), as HH:MM.
const parisHM = (ms) => new Intl.DateTimeFormat('fr-FR', { timeZone: TZ, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(ms));
const parisDay = (ms) => new Intl.DateTimeFormat('sv-SE', { timeZone: TZ }).format(new Date(ms));

async function kioskFor(b, token) {
  const k = await b.page();
  // The poste's channel is followed live on the pusher (WebSocket first).
  k.sockets = [];
  k.on('websocket', (ws) => k.sockets.push(ws.url()));
  await k.goto(BASE + '/kiosk/');
  await k.fill('[data-test=setup-token]', token);
  await k.click('[data-test=setup-form] button[type=submit]');
  await k.waitForSelector('[data-test=code]');
  return k;
}
async function typeCode(p, code) {
  await p.fill('[data-test=code]', code);
  await p.press('[data-test=code]', 'Enter');
}

test('the desk in Chromium: messages, reservations, statistics, CSV, RGPD', { timeout: 300_000 }, async (t) => {
  const db = await launch();
  const kb = await launch();
  t.after(async () => { await db.close(); await kb.close(); });
  const d = await db.page();
  await staffLogin(d);
  const cookie = await login();

  await t.test('a message sent from the dashboard shows on the kiosk and is acknowledged', async () => {
    const poste = await createPoste();
    const k = await kioskFor(kb, poste.token);
    await d.goto(BASE + '/#/messages');
    await d.waitForSelector('[data-test=msg-form]');
    await d.selectOption('[data-test=msg-poste]', String(poste.id));
    await d.fill('[data-test=msg-texte]', 'La salle ferme dans 10 minutes, pensez à enregistrer.');
    await d.click('[data-test=msg-send]');
    const banner = await k.waitForSelector('[data-test=kiosk-message]', { timeout: 15000 });
    if (!process.env.POSTES_NO_PUSHER) {
      assert.ok(k.sockets.some((u) => u.includes(`/ws/postes/${poste.id}/`)),
        `the kiosk follows postes/${poste.id} on the pusher: ${k.sockets.join(' ')}`);
    }
    assert.match(await banner.textContent(), /Message de l’accueil.*La salle ferme dans 10 minutes/s);
    assert.equal(await banner.getAttribute('role'), 'alertdialog');
    const id = await banner.getAttribute('data-id');
    await k.click('[data-test=kiosk-message-ack]');
    await k.waitForSelector('[data-test=kiosk-message]', { state: 'detached' });
    // Staff see it read (the list follows the message_acquitte event).
    await d.waitForSelector(`[data-msg="${id}"] [data-acks="1"]`, { timeout: 15000 });
    assert.match(await d.textContent(`[data-msg="${id}"]`), /1 \/ 1 poste/);
    assert.equal(sql(`SELECT acquitte_at IS NOT NULL FROM message_postes WHERE message_id = ${id}`)[0][0], '1');
    // A reload of the kiosk does not bring it back.
    await k.reload();
    await k.waitForSelector('[data-test=code]');
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(await k.$('[data-test=kiosk-message]'), null);
  });

  await t.test('a message sent while the kiosk is still connecting its stream is not lost', async () => {
    // The kiosk reads its state, then asks for a ticket and connects: a
    // message sent in between must still reach it (the stream resumes
    // from the channel's head read before the state). The ticket request
    // is held until the message is in the database.
    const poste = await createPoste();
    const kb3 = await launch();
    t.after(() => kb3.close());
    const k = await kb3.page();
    let release, held;
    const asked = new Promise((r) => { held = r; });
    const gate = new Promise((r) => { release = r; });
    await k.route('**/api/kiosk/ticket', async (route) => { held(); await gate; await route.continue(); });
    await k.goto(BASE + '/kiosk/');
    await k.fill('[data-test=setup-token]', poste.token);
    await k.click('[data-test=setup-form] button[type=submit]');
    await k.waitForSelector('[data-test=code]');
    await asked;
    const m = await api('POST', '/api/messages', { cible: 'poste', poste_id: poste.id, texte: 'Envoyé pendant la connexion' }, { cookie });
    assert.equal(m.status, 201);
    release();
    const banner = await k.waitForSelector('[data-test=kiosk-message]', { timeout: 15000 });
    assert.match(await banner.textContent(), /Envoyé pendant la connexion/);
  });

  await t.test('a reservation: "Réservé à", someone else refused, the holder starts', async () => {
    const poste = await createPoste();
    // Another workstation: its own browser profile (the token lives in it).
    const kb2 = await launch();
    t.after(() => kb2.close());
    const k = await kioskFor(kb2, poste.token);
    const holder = (await api('POST', '/api/utilisateurs', { nom: 'Réservante', prenom: 'Alice' }, { cookie })).json;
    const other = (await api('POST', '/api/utilisateurs', { nom: 'Autre', prenom: 'Bob' }, { cookie })).json;
    // A slot later today first: the kiosk announces it.
    const later = Date.now() + 3 * 3600 * 1000;
    await api('POST', '/api/reservations', { poste_id: poste.id, nom: 'M. Plus Tard',
      debut: new Date(later).toISOString(), fin: new Date(later + 3600 * 1000).toISOString() }, { cookie });
    const want = parisHM(Math.floor(later / 1000) * 1000).replace(':', 'h');
    await k.waitForFunction((w) => document.querySelector('[data-test=kiosk-resa]')?.textContent.includes(`Réservé à ${w}`), want, { timeout: 15000 });
    // Now the slot running from now, booked in the dashboard's form.
    await d.goto(BASE + '/#/reservations');
    await d.waitForSelector('[data-test=resa-form]');
    await d.selectOption('[data-test=resa-poste]', String(poste.id));
    await d.fill('[data-test=resa-q]', 'Réservante');
    await d.waitForSelector(`[data-test=resa-user] option[value="${holder.id}"]`, { state: 'attached' });
    await d.selectOption('[data-test=resa-user]', String(holder.id));
    const now = Date.now();
    await d.fill('[data-test=resa-day]', parisDay(now));
    await d.fill('[data-test=resa-from]', parisHM(now));
    // Until two hours from now: an end before the start is the next day
    // (a slot across midnight, when the test runs late in the evening).
    await d.fill('[data-test=resa-to]', parisHM(now + 2 * 3600 * 1000));
    await d.click('[data-test=resa-save]');
    await d.waitForSelector('[data-test=resa-table] tr[data-statut=prevue]:has-text("Alice Réservante"), [data-test=resa-error]');
    assert.equal(await d.$('[data-test=resa-error]'), null, `refused: ${await d.textContent('[data-test=resa-error]').catch(() => '')}`);
    const row = await d.waitForSelector('[data-test=resa-table] tr[data-statut=prevue]:has-text("Alice Réservante")');
    const rid = await row.getAttribute('data-resa');
    await k.waitForFunction(() => /Réservé jusqu’à|Réservé jusqu'à/.test(document.querySelector('[data-test=kiosk-resa]')?.textContent || ''), null, { timeout: 15000 });
    // Someone else's code is refused in words.
    const so = (await api('POST', '/api/sessions', { utilisateur_id: other.id, duree: 1800 }, { cookie })).json;
    await typeCode(k, so.code);
    await k.click('[data-test=start]');
    const e = await k.waitForSelector('[data-test=error]');
    assert.equal(await e.getAttribute('data-code'), 'poste_reserve');
    assert.match(await e.textContent(), /réservé pour une autre personne/);
    // The holder starts.
    const sh = (await api('POST', '/api/sessions', { utilisateur_id: holder.id, duree: 1800 }, { cookie })).json;
    await k.click('.kiosk-card button.secondary').catch(() => {});
    await k.waitForSelector('[data-test=code]');
    await typeCode(k, sh.code);
    await k.click('[data-test=start]');
    await k.waitForSelector('[data-test=countdown]');
    await d.waitForSelector(`[data-resa="${rid}"][data-statut=honoree]`, { timeout: 15000 });
    await api('POST', `/api/sessions/${sh.id}/terminate`, {}, { cookie });
  });

  await t.test('statistics drawn from a generated year, a CSV downloaded and parsed', async () => {
    execFileSync(`${process.env.POSTES_BUILD}/postes-api`, ['demo-stats', '3000'], { env: process.env, stdio: 'ignore' });
    await d.setViewportSize({ width: 1366, height: 1400 });
    await d.goto(BASE + '/#/stats');
    await d.waitForSelector('[data-test=st-form]');
    const today = parisDay(Date.now());
    const from = parisDay(Date.now() - 120 * 86400 * 1000);
    await d.fill('[data-test=st-du]', from);
    await d.fill('[data-test=st-au]', today);
    await d.selectOption('[data-test=st-pas]', 'semaine');
    await d.click('[data-test=st-show]');
    await d.waitForFunction(() => /[1-9]/.test(document.querySelector('[data-test=st-total]')?.textContent || ''), null, { timeout: 20000 });
    // Every chart has painted pixels.
    for (const c of ['activite', 'postes', 'categories', 'sites']) {
      const painted = await d.$eval(`[data-test=chart-${c}]`, (cv) => {
        const g = cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data;
        let n = 0;
        for (let i = 3; i < g.length; i += 4) if (g[i] > 0) n++;
        return n;
      });
      assert.ok(painted > 500, `${c} chart drawn (${painted} pixels)`);
    }
    const hot = await d.$$eval('[data-test=heatmap] td', (tds) => tds.filter((x) => x.textContent.trim() !== '').length);
    assert.ok(hot > 20, `heatmap cells: ${hot}`);
    await shot(d, 'stats.png');

    // The CSV link of the activity: a real download, parsed like Excel would.
    const [dl] = await Promise.all([d.waitForEvent('download'), d.click('[data-test=csv-activite]')]);
    assert.match(dl.suggestedFilename(), /^stats-activite-\d{8}-\d{8}\.csv$/);
    const bytes = readFileSync(await dl.path());
    assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    const rows = bytes.subarray(3).toString('utf8').trim().split('\r\n').map((l) => l.split(';'));
    assert.deepEqual(rows[0], ['"Période"', '"Sessions"', '"Heures"', '"Personnes distinctes"']);
    const json = (await api('GET', `/api/stats/activite?du=${from}&au=${today}&pas=semaine`, undefined, { cookie })).json;
    assert.equal(rows.length - 1, json.series.length);
    const sum = rows.slice(1).reduce((a, r) => a + Number(r[1]), 0);
    assert.equal(sum, json.total.sessions);
    const hours = rows.slice(1).reduce((a, r) => a + Number(r[2].replace(',', '.')), 0);
    assert.ok(Math.abs(hours - json.total.heures) < json.series.length * 0.01 + 0.01, `${hours} vs ${json.total.heures}`);

    // The printable monthly report lays the month out.
    await d.goto(BASE + `/#/rapport?mois=${today.slice(0, 7)}`);
    await d.waitForSelector('.report [data-test=chart-activite]');
    await d.emulateMedia({ media: 'print' });
    assert.equal(await d.$eval('.tabs', (x) => getComputedStyle(x).visibility), 'hidden');
    assert.equal(await d.$eval('.report h1', (x) => getComputedStyle(x).visibility), 'visible');
    await d.emulateMedia({ media: 'screen' });
    await d.setViewportSize({ width: 1366, height: 768 });
  });

  await t.test('a person exported (JSON, CSV), then erased', async () => {
    const u = (await api('POST', '/api/utilisateurs', { nom: 'Oubliée', prenom: 'Léa', email: `lea.${Date.now()}@example.org` }, { cookie })).json;
    const s = (await api('POST', '/api/sessions', { utilisateur_id: u.id, duree: 1800 }, { cookie })).json;
    await api('POST', `/api/sessions/${s.id}/terminate`, {}, { cookie });
    await d.goto(BASE + '/#/utilisateurs');
    await d.fill('[data-test=users-search]', 'Oubliée');
    const row = `tr[data-user="${u.id}"]`;
    await d.waitForSelector(row);
    const [j] = await Promise.all([d.waitForEvent('download'), d.click(`${row} [data-test=rgpd-json]`)]);
    const data = JSON.parse(readFileSync(await j.path(), 'utf8'));
    assert.equal(data.utilisateur.nom, 'Oubliée');
    assert.deepEqual(data.sessions.map((x) => x.id), [s.id]);
    const [c] = await Promise.all([d.waitForEvent('download'), d.click(`${row} [data-test=rgpd-csv]`)]);
    assert.match(readFileSync(await c.path(), 'utf8'), /"utilisateur";1;"prenom";"Léa"/);
    await d.click(`${row} [data-test=rgpd-erase]`);
    await d.click('[data-test=confirm-yes]');
    await d.waitForSelector(row, { state: 'detached' });
    assert.equal((await api('GET', `/api/utilisateurs/${u.id}`, undefined, { cookie })).status, 404);
    assert.deepEqual(sql(`SELECT utilisateur_id IS NULL, anonymise FROM sessions WHERE id = ${s.id}`)[0], ['1', '1']);
    assert.deepEqual(sql(`SELECT action FROM audit_log WHERE cible_type = 'utilisateur' AND cible_id = ${u.id} AND action LIKE 'utilisateur.e%' ORDER BY id`).map((x) => x[0]),
      ['utilisateur.export', 'utilisateur.export', 'utilisateur.erase']);
  });

  assert.deepEqual(db.dialogs.concat(kb.dialogs), [], 'no native dialog');
  assert.deepEqual(db.errors.concat(kb.errors), [], 'no page error');
});
