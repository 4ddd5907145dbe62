// ui-desk.test.mjs - the desk's day in Chromium (issue 9): a site's
// opening hours set up in the dashboard, a quota refusing a session, a
// guest batch printed on one A4 sheet (docs/screenshots/guest-sheet.png),
// and closing time ending the sessions with a warning on the kiosk and
// the dashboard.
import test from 'node:test';
import assert from 'node:assert/strict';
import { launch, staffLogin, shot, BASE } from './ui-lib.mjs';
import { api, login, createPoste, createSession, sql, sleep } from './pusher-lib.mjs';

const HB = Number(process.env.POSTES_HEARTBEAT_INTERVAL || 30);
const TZ = process.env.POSTES_TZ || 'Europe/Paris';

// The town hall's wall clock (+ offset s): ISO day, seconds since midnight.
function local(offset = 0) {
  const f = new Intl.DateTimeFormat('en-GB', { timeZone: TZ, hour12: false, weekday: 'short',
    hour: '2-digit', minute: '2-digit', second: '2-digit' });
  const p = Object.fromEntries(f.formatToParts(new Date(Date.now() + offset * 1000)).map((x) => [x.type, x.value]));
  return { jour: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(p.weekday) + 1,
    sec: (Number(p.hour) % 24) * 3600 + Number(p.minute) * 60 + Number(p.second) };
}
const hms = (s) => [Math.floor(s / 3600), Math.floor(s / 60) % 60, s % 60].map((x) => String(x).padStart(2, '0')).join(':');

async function kioskSetup(k, token) {
  await k.goto(BASE + '/kiosk/');
  await k.fill('[data-test=setup-token]', token);
  await k.fill('#k-hb', String(HB));
  await k.click('[data-test=setup-form] button[type=submit]');
  await k.waitForSelector('[data-test=code]');
}
async function typeCode(k, code) {
  await k.fill('[data-test=code]', code);
  await k.press('[data-test=code]', 'Enter');
}

test('the desk in Chromium: opening hours, quota, guest sheet, closing time', { timeout: 240_000 }, async (t) => {
  const now = local();
  // Hours are set from up to an hour ago to up to two hours ahead, the
  // same local day: only the last two minutes before midnight are skipped.
  const from = Math.max(0, now.sec - 3600), to = Math.min(86340, now.sec + 7200);
  if (now.sec > 86400 - 120) {
    t.skip('too close to local midnight for same-day hours');
    return;
  }
  const db = await launch();
  const kb = await launch();
  t.after(async () => { await db.close(); await kb.close(); });
  const a = await db.page();
  await staffLogin(a);
  const cookie = await login();

  let site;
  await t.test('opening: a site and its hours set up in the dashboard', async () => {
    await a.goto(BASE + '/#/sites');
    const nom = `Médiathèque ${Date.now() % 100000}`;
    await a.fill('#st-nom', nom);
    await a.fill('#st-adr', '2 rue de la République');
    await a.click('[data-test=new-site] button[type=submit]');
    await a.waitForSelector('[data-test=site-edit]');
    site = Number(await a.getAttribute('[data-test=site-edit]', 'data-site'));
    // One slot today, from an hour ago to two hours from now.
    await a.click('[data-test=add-slot]');
    await a.selectOption('[data-test=slot] select', String(now.jour));
    await a.fill('[data-test=slot] input >> nth=0', hms(from).slice(0, 5));
    await a.fill('[data-test=slot] input >> nth=1', hms(to).slice(0, 5));
    await a.click('[data-test=save-hours]');
    await a.waitForSelector('[data-test=saved]');
    const r = await api('GET', `/api/sites/${site}`, undefined, { cookie });
    assert.deepEqual(r.json.horaires, [{ jour: now.jour, ouverture: hms(from).slice(0, 5), fermeture: hms(to).slice(0, 5) }]);
    assert.equal(r.json.ouvert, true);
    // The card says it too (once drawn again with its hours).
    const card = await a.waitForSelector(`[data-site="${site}"][data-horaires="1"][data-ouvert="1"] [data-test=site-state]`);
    assert.match(await card.textContent(), /Ouvert — ferme à \d\d:\d\d/);
    // A site open on another day only is shown closed, and its kiosk refuses codes.
    const closed = (await api('POST', '/api/sites', { nom: `Annexe ${Date.now() % 100000}` }, { cookie })).json;
    await api('PUT', `/api/sites/${closed.id}/horaires`, { horaires: [{ jour: (now.jour % 7) + 1, ouverture: '09:00', fermeture: '12:00' }] }, { cookie });
    await a.reload();
    await a.waitForSelector(`[data-site="${closed.id}"][data-ouvert="0"]`);
    const p = (await api('POST', '/api/postes', { nom: `Annexe-P${Date.now() % 100000}`, site_id: closed.id }, { cookie })).json;
    const s = await createSession(1800);
    const k = await kb.page();
    await kioskSetup(k, p.token);
    await typeCode(k, s.code);
    const e = await k.waitForSelector('[data-test=error]');
    assert.equal(await e.getAttribute('data-code'), 'site_ferme');
    assert.match(await e.textContent(), /L’espace est fermé/);
  });

  await t.test('a quota refuses a session, in words, and nothing is created', async () => {
    const cat = (await api('POST', '/api/categories', { code: `ui_${Date.now() % 100000}`, nom: 'Collégiens',
      quota_jour: 1800, duree_defaut: 1800 }, { cookie })).json;
    const nom = `Petit${Date.now() % 100000}`;
    const u = (await api('POST', '/api/utilisateurs', { nom, prenom: 'Jules', categorie_id: cat.id }, { cookie })).json;
    await a.goto(BASE + '/#/sessions');
    await a.click('[data-test=new-session]');
    await a.fill('[data-test=user-search]', nom);
    await a.waitForSelector(`[data-test=user-select] option[value="${u.id}"]`);
    await a.selectOption('[data-test=user-select]', String(u.id));
    const q = await a.waitForSelector('[data-test=quota-line]');
    assert.equal(await q.getAttribute('data-restant-jour'), '1800');
    assert.match(await q.textContent(), /Collégiens — Reste aujourd’hui : 30 min/);
    await a.check('input[name=duree][value="3600"]');
    await a.click('[data-test=create-submit]');
    const err = await a.waitForSelector('[data-test=create-session] [role=alert]');
    assert.match(await err.textContent(), /Quota journalier atteint : il reste 30 min aujourd'hui/);
    assert.equal(sql(`SELECT COUNT(*) FROM sessions WHERE utilisateur_id = ${u.id}`), '0');
    // Within the quota it goes through.
    await a.check('input[name=duree][value="1800"]');
    await a.click('[data-test=create-submit]');
    await a.waitForSelector('[data-test=bigcode]');
    assert.equal(sql(`SELECT COUNT(*) FROM sessions WHERE utilisateur_id = ${u.id}`), '1');
    await a.keyboard.press('Escape');
  });

  await t.test('a batch of 20 guest passes printed on one A4 sheet', async () => {
    await a.goto(BASE + '/#/invites');
    await a.fill('[data-test=inv-nombre]', '20');
    await a.fill('[data-test=inv-duree]', '30');
    await a.click('[data-test=inv-create]');
    const sheet = await a.waitForSelector('[data-test=guest-sheet][data-count="20"]');
    const codes = await a.$$eval('.guest-pass', (els) => els.map((e) => e.dataset.code));
    assert.equal(new Set(codes).size, 20);
    for (const c of codes) assert.match(c, /^[A-Z0-9]{6}$/);
    assert.match(await sheet.textContent(), /Durée : 30 min/);
    assert.match(await sheet.textContent(), /Valable aujourd’hui jusqu’à 00:00/);
    const rows = sql(`SELECT COUNT(*), SUM(invite), COUNT(utilisateur_id) FROM sessions WHERE code IN (${codes.map((c) => `'${c}'`).join(',')})`);
    assert.equal(rows, '20\t20\t0');
    // Printed: the navigation is gone and the 20 passes fit on one A4 page.
    await a.emulateMedia({ media: 'print' });
    assert.equal(await a.isVisible('.topbar'), false);
    assert.equal(await a.isVisible('[data-test=print]'), false);
    await a.setViewportSize({ width: 794, height: 1123 });	// A4 at 96 dpi
    await shot(a, 'guest-sheet.png');
    const pdf = await a.pdf({ format: 'A4', printBackground: true });
    const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
    assert.equal(pages, 1, 'one A4 sheet');
    await a.emulateMedia({ media: 'screen' });
    await a.setViewportSize({ width: 1366, height: 768 });
  });

  await t.test('closing time: warned on the kiosk and the dashboard, then every session ends', async () => {
    const p1 = (await api('POST', '/api/postes', { nom: `Salle-A${Date.now() % 100000}`, site_id: site }, { cookie })).json;
    const p2 = (await api('POST', '/api/postes', { nom: `Salle-B${Date.now() % 100000}`, site_id: site }, { cookie })).json;
    // Longer than what is left before closing: both are cut at it.
    const s1 = await createSession(10800);
    const s2 = await createSession(10800);
    // Another workstation: a browser profile of its own.
    const kb2 = await launch();
    t.after(() => kb2.close());
    const k = await kb2.page();
    await kioskSetup(k, p1.token);
    await typeCode(k, s1.code);
    await k.click('[data-test=start]');
    await k.waitForSelector('[data-test=countdown]');
    assert.match(await k.textContent('[data-test=closing-at]'), /fermeture du site \(\d\d:\d\d\)/);
    let r = await api('POST', '/api/kiosk/start', { code: s2.code }, { bearer: p2.token });
    assert.equal(r.status, 200);
    await a.goto(BASE + '/#/overview');
    // The desk closes in about 10 seconds.
    const n = local();
    r = await api('PUT', `/api/sites/${site}/horaires`, { horaires: [
      { jour: n.jour, ouverture: hms(Math.max(0, n.sec - 3600)), fermeture: hms(n.sec + 10) }] }, { cookie });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const banner = await k.waitForSelector('[data-test=closing]', { timeout: 8000 });
    assert.match(await banner.textContent(), /Fermeture du site dans 1 min/);
    const toast = await a.waitForSelector('.toast:has-text("fermeture du site dans 1 min")', { timeout: 8000 });
    assert.ok(toast);
    // At closing the kiosk locks with the reason, both sessions end once.
    const lock = await k.waitForSelector('[data-test=lock-msg]', { timeout: 20000 });
    assert.match(await lock.textContent(), /Le site ferme/);
    for (const s of [s1, s2]) {
      for (let i = 0; i < 50 && sql(`SELECT statut FROM sessions WHERE id = ${s.id}`) !== 'terminee'; i++) await sleep(100);
      assert.equal(sql(`SELECT CONCAT(statut, '/', raison) FROM sessions WHERE id = ${s.id}`), 'terminee/fermeture_site');
      assert.equal(sql(`SELECT COUNT(*) FROM events WHERE session_id = ${s.id} AND type = 'session_terminated'`), '1');
    }
    // Closed: a new code is refused at the kiosk.
    const s3 = await createSession(600);
    await k.click('text=Nouvelle session');
    await typeCode(k, s3.code);
    const e = await k.waitForSelector('[data-test=error]');
    assert.equal(await e.getAttribute('data-code'), 'site_ferme');
  });
  await t.test('one language switch for the dashboard and the admin pages', async () => {
    await a.goto(BASE + '/#/sites');
    await a.click('button:has-text("English")');
    await a.waitForSelector('h1:has-text("Sites and opening hours")');
    await a.goto(BASE + '/admin/sites');
    assert.equal(await a.getAttribute('html', 'lang'), 'en');
    assert.equal(await a.textContent('h1'), 'Sites and opening hours');
    await a.click('[data-test=lang]');	// back to French from the admin side
    await a.waitForSelector('html[lang=fr]');
    await a.goto(BASE + '/#/sites');
    await a.reload();
    await a.waitForSelector('h1:has-text("Sites et horaires")');
  });
  assert.deepEqual(db.dialogs, []);
  assert.deepEqual(db.errors, []);
});
