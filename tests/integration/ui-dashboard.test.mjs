// ui-dashboard.test.mjs - the staff dashboard in Chromium: log-in, a
// session created in one tab appears live in another (one stream for
// both: leader election), live counters, the screenshot for the README.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { launch, staffLogin, waitConn, shot, statValue, BASE, LIVE, NO_PUSHER } from './ui-lib.mjs';
import { api, login, createPoste, createUser, sleep } from './pusher-lib.mjs';

test('dashboard in Chromium', { timeout: 180_000 }, async (t) => {
  const b = await launch();
  t.after(() => b.close());

  await t.test('a wrong password is refused with a message, the right one logs in', async () => {
    const p = await b.page();
    await p.goto(BASE + '/');
    // An unknown account: the admin's own log-in throttle stays untouched.
    await p.fill('#login-user', `nobody-${Date.now()}`);
    await p.fill('#login-pass', 'not-the-password');
    await p.click('[data-test=login-form] button[type=submit]');
    const err = await p.waitForSelector('[data-test=login-form] [role=alert]');
    assert.match(await err.textContent(), /incorrect/);
    // Keyboard only: the fields are labelled, Tab moves, Enter submits.
    await p.fill('#login-user', '');
    await p.fill('#login-pass', '');
    await p.focus('#login-user');
    await p.keyboard.type(process.env.POSTES_ADMIN_USER || 'admin');
    await p.keyboard.press('Tab');
    assert.equal(await p.evaluate(() => document.activeElement.id), 'login-pass');
    await p.keyboard.type(process.env.POSTES_ADMIN_PASSWORD);
    await p.keyboard.press('Enter');
    await p.waitForSelector('[data-test=logout]');
    assert.equal(await p.textContent('label[for=login-user]').catch(() => null), null, 'login form gone');
    await waitConn(p, 'live');
    assert.equal(await p.getAttribute('html', 'lang'), 'fr');
    // On a fresh page the first Tab reaches the skip link. (Not after a
    // blur: Chromium then goes on from where the removed log-in form was,
    // and reaches a live toast's close button first when one is shown.)
    await p.reload();
    await p.waitForSelector('[data-test=logout]');
    await p.keyboard.press('Tab');
    assert.equal(await p.evaluate(() => document.activeElement.className), 'skip');
    assert.match(await p.textContent('nav'), /Tableau de bord.*Sessions.*Postes.*Utilisateurs/s);
  });

  await t.test('counters follow the server live', async () => {
    const p = b.context.pages()[0];
    await p.waitForSelector('[data-stat="utilisateurs.total"] dd');
    await p.waitForFunction(() => /\d/.test(document.querySelector('[data-stat="utilisateurs.total"] dd').textContent));
    const before = await statValue(p, 'utilisateurs.total');
    await createUser();
    await p.waitForFunction((n) => Number(document.querySelector('[data-stat="utilisateurs.total"] dd')
      .textContent.replace(/\D/g, '')) > n, before, { timeout: 10_000 });
  });

  await t.test('a session created in one tab appears live in another, over one stream', async () => {
    const a = b.context.pages()[0];
    const other = await b.context.newPage();
    await other.goto(BASE + '/#/sessions');
    await waitConn(other, 'live');
    // One tab leads (holds the pusher connection), the other follows.
    const roles = await Promise.all([a, other].map((p) => p.evaluate(() => window.postesDebug.election.role)));
    assert.deepEqual([...roles].sort(), ['follower', 'leader']);
    const follower = roles[0] === 'follower' ? a : other;
    assert.equal(await follower.evaluate(() => window.postesDebug.stream), null, 'the follower has no stream of its own');

    const cookie = await login();
    const nom = `Durand${Date.now() % 100000}`;
    const u = await api('POST', '/api/utilisateurs', { nom, prenom: 'Léa' }, { cookie });
    assert.equal(u.status, 201);

    await a.goto(BASE + '/#/sessions');
    await a.click('[data-test=new-session]');
    await a.fill('[data-test=user-search]', nom);
    await a.waitForSelector(`[data-test=user-select] option[value="${u.json.id}"]`);
    await a.selectOption('[data-test=user-select]', String(u.json.id));
    await a.check('input[name=duree][value="5400"]');
    await a.click('[data-test=create-submit]');
    const big = await a.waitForSelector('[data-test=bigcode]');
    const code = (await big.textContent()).replace(/\s/g, '');
    assert.match(code, /^[A-Z0-9]{6}$/);
    assert.match(await a.textContent('[data-test=ticket]'), /Léa/);
    assert.match(await a.textContent('[data-test=ticket]'), /1 h 30 min/);
    // Big enough to read aloud.
    const size = await big.evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
    assert.ok(size >= 40, `code font size ${size}px`);

    // Printing shows the ticket alone.
    await a.emulateMedia({ media: 'print' });
    assert.equal(await a.$eval('nav', (el) => getComputedStyle(el).visibility), 'hidden');
    assert.equal(await a.$eval('[data-test=ticket]', (el) => getComputedStyle(el).visibility), 'visible');
    assert.equal(await a.$eval('[data-test=print]', (el) => getComputedStyle(el).visibility), 'hidden');
    await a.emulateMedia({ media: 'screen' });

    const row = await other.waitForSelector(`tr[data-code="${code}"]`, { timeout: 10_000 });
    assert.match(await row.textContent(), /En attente/);
    assert.match(await row.textContent(), new RegExp(nom));
    await a.keyboard.press('Escape');
  });

  await t.test('a session started on a poste counts down from the server end time', async () => {
    const p = b.context.pages()[0];
    await p.goto(BASE + '/#/sessions');
    const poste = await createPoste();
    await api('POST', '/api/kiosk/heartbeat', undefined, { bearer: poste.token });
    const uid = await createUser();
    const s = await api('POST', '/api/sessions', { utilisateur_id: uid, duree: 1800 }, { cookie: await login() });
    await api('POST', '/api/kiosk/start', { code: s.json.code }, { bearer: poste.token });
    const cd = await p.waitForSelector(`tr[data-session="${s.json.id}"] [data-test=countdown]`, { timeout: 10_000 });
    const t1 = await cd.textContent();
    await sleep(2200);
    const t2 = await cd.textContent();
    assert.match(t1, /^(29|30):\d\d$/);
    assert.notEqual(t1, t2, 'the countdown ticks');
    // Extend from the dashboard: +15 min.
    const row = await p.$(`tr[data-session="${s.json.id}"]`);
    await (await row.$('button:has-text("Prolonger")')).click();
    await p.selectOption('#ext-by', '900');
    await p.click('dialog button[type=submit]');
    await p.waitForFunction((id) => /^(44|45):/.test(document.querySelector(`tr[data-session="${id}"] [data-test=countdown]`).textContent), s.json.id);
    await api('POST', `/api/sessions/${s.json.id}/terminate`, {}, { cookie: await login() });
  });

  await t.test('postes grid shows live state; maintenance toggles', async () => {
    const p = b.context.pages()[0];
    const poste = await createPoste();
    await p.goto(BASE + '/#/postes');
    const card = await p.waitForSelector(`[data-poste="${poste.id}"]`);
    await (await card.$('[data-test=maint-on]')).click();
    await p.waitForSelector(`[data-poste="${poste.id}"][data-etat=maintenance]`);
    await (await p.$(`[data-poste="${poste.id}"] [data-test=maint-off]`)).click();
    await p.waitForSelector(`[data-poste="${poste.id}"]:not([data-etat=maintenance])`);
    // A kiosk heartbeat makes it available, live.
    await api('POST', '/api/kiosk/heartbeat', undefined, { bearer: poste.token });
    await p.waitForSelector(`[data-poste="${poste.id}"][data-etat=disponible]`, { timeout: 10_000 });
    // Rotating the token shows the new one once.
    await (await p.$(`[data-poste="${poste.id}"] [data-test=rotate]`)).click();
    await p.click('[data-test=confirm-yes]');
    const tok = (await (await p.waitForSelector('[data-test=token]')).textContent()).trim();
    assert.ok(tok.length >= 32);
    assert.equal((await api('GET', '/api/kiosk/session', undefined, { bearer: poste.token })).status, 401);
    assert.equal((await api('GET', '/api/kiosk/session', undefined, { bearer: tok })).status, 200);
    await p.keyboard.press('Escape');
  });

  await t.test('a poste that stops its heartbeats goes offline, with a toast', {
    skip: Number(process.env.POSTES_HEARTBEAT_INTERVAL || 30) > 5 && 'needs POSTES_HEARTBEAT_INTERVAL <= 5',
  }, async () => {
    const p = b.context.pages()[0];
    await p.goto(BASE + '/#/postes');
    const poste = await createPoste();
    await api('POST', '/api/kiosk/heartbeat', undefined, { bearer: poste.token });
    await p.waitForSelector(`[data-poste="${poste.id}"][data-etat=disponible]`, { timeout: 10_000 });
    const hb = Number(process.env.POSTES_HEARTBEAT_INTERVAL);
    if (NO_PUSHER) {	// no pusher's clock: cron's sweep says it, once the time has come
      await sleep((hb * 3 + 1) * 1000);
      execFileSync(`${process.env.POSTES_BUILD}/postes-api`, ['sweep'], { stdio: 'ignore', env: process.env });
    }
    await p.waitForSelector(`[data-poste="${poste.id}"][data-etat=hors_ligne]`, { timeout: (hb * 3 + 10) * 1000 });
    const nom = await p.textContent(`[data-poste="${poste.id}"] h2`);
    await p.waitForSelector(`[data-test=toast]:has-text("${nom} ne répond plus")`, { timeout: 5_000 });
    // And the notification centre keeps it.
    await p.click('[data-test=notif-toggle]');
    assert.match(await p.textContent('[data-test=notif-panel]'), new RegExp(`${nom} ne répond plus`));
    await p.keyboard.press('Escape');
  });

  await t.test('utilisateurs: search, create, edit, deactivate', async () => {
    const p = b.context.pages()[0];
    await p.goto(BASE + '/#/utilisateurs');
    await p.click('[data-test=new-user]');
    const nom = `Martin${Date.now() % 100000}`;
    await p.fill('#uf-nom', nom);
    await p.fill('#uf-prenom', 'Zoé');
    await p.fill('#uf-email', `${nom.toLowerCase()}@example.org`);
    await p.click('[data-test=user-save]');
    await p.waitForSelector('dialog', { state: 'detached' });
    await p.fill('[data-test=users-search]', nom);
    const row = await p.waitForSelector(`[data-test=users-table] tr:has-text("${nom}")`);
    await (await row.$('button:has-text("Modifier")')).click();
    await p.fill('#uf-prenom', 'Zoéline');
    await p.click('[data-test=user-save]');
    await p.waitForSelector('dialog', { state: 'detached' });
    await p.waitForSelector(`[data-test=users-table] tr:has-text("Zoéline")`);
    await (await p.$(`[data-test=users-table] tr:has-text("${nom}") button:has-text("Désactiver")`)).click();
    await p.click('[data-test=confirm-yes]');
    await p.waitForSelector(`[data-test=users-table] tr:has-text("${nom}")`, { state: 'detached' });
  });

  await t.test('fits 1366×768 and a tablet without page-wide horizontal scrolling', async () => {
    const p = b.context.pages()[0];
    for (const [w, h] of [[1366, 768], [820, 1180], [1180, 820]]) {
      await p.setViewportSize({ width: w, height: h });
      for (const view of ['overview', 'sessions', 'postes', 'utilisateurs']) {
        await p.goto(BASE + '/#/' + view);
        await p.waitForTimeout(300);
        const over = await p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        assert.ok(over <= 0, `${view} at ${w}×${h} overflows by ${over}px`);
      }
    }
    await p.setViewportSize({ width: 1366, height: 768 });
  });

  await t.test('English on demand, French dates and durations by default', async () => {
    const p = b.context.pages()[0];
    await p.goto(BASE + '/#/overview');
    await p.click('button:has-text("English")');
    await p.waitForSelector('nav >> text=Dashboard');
    assert.equal(await p.getAttribute('html', 'lang'), 'en');
    await p.click('button:has-text("Français")');
    await p.waitForSelector('nav >> text=Tableau de bord');
  });

  await t.test('screenshot of the dashboard (docs/screenshots/dashboard.png)', async () => {
    const cookie = await login();
    // A few running sessions so the picture shows something.
    const prenoms = ['Aïssatou', 'Jean', 'Chloé'];
    for (let i = 0; i < prenoms.length; i++) {
      const poste = await createPoste();
      await api('POST', '/api/kiosk/heartbeat', undefined, { bearer: poste.token });
      const u = await api('POST', '/api/utilisateurs', { nom: ['Diallo', 'Lefèvre', 'Bernard'][i], prenom: prenoms[i] }, { cookie });
      const s = await api('POST', '/api/sessions', { utilisateur_id: u.json.id, duree: [3600, 5400, 1200][i] }, { cookie });
      await api('POST', '/api/kiosk/start', { code: s.json.code }, { bearer: poste.token });
    }
    const p = b.context.pages()[0];
    await p.goto(BASE + '/#/overview');
    await waitConn(p, 'live');
    await p.waitForSelector('.active-list li');
    await sleep(1500);
    await shot(p, 'dashboard.png');
    assert.deepEqual(b.dialogs, []);
    assert.deepEqual(b.errors, []);
  });
});

test('the tab holding the stream closes: another tab takes over, still live', { timeout: 90_000 }, async (t) => {
  const b = await launch();
  t.after(() => b.close());
  const p1 = await b.page();
  await staffLogin(p1);
  await waitConn(p1, 'live');
  const p2 = await b.context.newPage();
  await p2.goto(BASE + '/');
  await waitConn(p2, 'live');
  const role = (p) => p.evaluate(() => window.postesDebug.election?.role);
  const [r1, r2] = [await role(p1), await role(p2)];
  assert.deepEqual([r1, r2].sort(), ['follower', 'leader']);
  const [leader, follower] = r1 === 'leader' ? [p1, p2] : [p2, p1];
  await leader.close();
  await follower.waitForFunction((live) => window.postesDebug.election?.role === 'leader'
    && window.postesDebug.stream?.status === live, LIVE, { timeout: 10_000 });
  await waitConn(follower, 'live');
  await follower.waitForFunction(() => /\d/.test(document.querySelector('[data-stat="utilisateurs.total"] dd').textContent));
  const before = await statValue(follower, 'utilisateurs.total');
  await createUser();
  await follower.waitForFunction((n) => Number(document.querySelector('[data-stat="utilisateurs.total"] dd')
    .textContent.replace(/\D/g, '')) > n, before, { timeout: 10_000 });
  assert.deepEqual(b.dialogs, []);
});
