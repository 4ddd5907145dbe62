// ui-kiosk.test.mjs - the lock screen in Chromium: set-up with the
// workstation token, refusals in clear French, a session that counts down
// from the server's end time, survives a reload and a network cut, shows
// the warnings (and the dashboard's toast), locks at the end; "Terminer
// ma session" keeps the remaining time; the screenshot for the README.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { launch, staffLogin, waitConn, shot, BASE, LIVE, NO_PUSHER } from './ui-lib.mjs';
import { api, login, createPoste, createSession, sql, sleep } from './pusher-lib.mjs';

const HB = Number(process.env.POSTES_HEARTBEAT_INTERVAL || 30);
const sweep = () => execFileSync(`${process.env.POSTES_BUILD}/postes-api`, ['sweep'], { stdio: 'ignore', env: process.env });
const countdown = async (p) => (await p.textContent('[data-test=countdown]')).trim();
const secs = (s) => s.split(':').map(Number).reduce((a, x) => a * 60 + x, 0);

async function typeCode(p, code) {
  await p.fill('[data-test=code]', code);
  await p.press('[data-test=code]', 'Enter');
}

test('kiosk lock screen in Chromium', { timeout: 240_000 }, async (t) => {
  const kb = await launch();
  const db = await launch();
  t.after(async () => { await kb.close(); await db.close(); });
  const poste = await createPoste();
  const k = await kb.page();

  await t.test('set-up once with the workstation token', async () => {
    await k.goto(BASE + '/kiosk/');
    await k.fill('[data-test=setup-token]', 'not-a-valid-token-not-a-valid-token-xxxxxxx');
    await k.click('[data-test=setup-form] button[type=submit]');
    assert.match(await (await k.waitForSelector('[data-test=setup-form] [role=alert]')).textContent(), /refusé/);
    await k.fill('[data-test=setup-token]', poste.token);
    await k.fill('#k-hb', String(HB));
    await k.click('[data-test=setup-form] button[type=submit]');
    await k.waitForSelector('[data-test=code]');
    await k.reload();
    await k.waitForSelector('[data-test=code]');	// remembered
    assert.equal(await k.getAttribute('html', 'lang'), 'fr');
  });

  await t.test('a wrong code is refused in clear French', async () => {
    await typeCode(k, 'ZZZZZZ');
    const e = await k.waitForSelector('[data-test=error]');
    assert.equal(await e.getAttribute('data-code'), 'code_inconnu');
    assert.match(await e.textContent(), /Ce code n'existe pas/);
  });

  // A readable name: this session ends up in the README's screenshot.
  const cookie = await login();
  const u1 = await api('POST', '/api/utilisateurs', { nom: 'Martin', prenom: 'Camille' }, { cookie });
  const s1 = (await api('POST', '/api/sessions', { utilisateur_id: u1.json.id, duree: 3600 }, { cookie })).json;
  await t.test('a valid code greets, starts and counts down from the server end time', async () => {
    await typeCode(k, ' ' + s1.code.toLowerCase().replace(/(...)/, '$1 ') + ' ');
    await k.waitForSelector('[data-test=start]');
    assert.match(await k.textContent('.kiosk-card'), /Bonjour Camille Martin/);
    assert.match(await k.textContent('.kiosk-card'), /Temps disponible : 1 h/);
    await k.click('[data-test=start]');
    await k.waitForSelector('[data-test=countdown]');
    const a = secs(await countdown(k));
    // The API gives whole seconds (fin_prevue, Date): ±1 s is the precision.
    assert.ok(a > 3590 && a <= 3601, `countdown ${a}`);
    await k.waitForSelector(`.kiosk-root[data-conn=${LIVE}]`, { timeout: 15_000 });
    await sleep(2100);
    const b = secs(await countdown(k));
    assert.ok(b < a && b >= a - 4, `${a} then ${b}`);
    const r = await api('GET', `/api/sessions/${s1.id}`, undefined, { cookie: await login() });
    assert.equal(r.json.statut, 'active');
    assert.equal(r.json.poste_id, poste.id);
  });

  await t.test('survives a reload', async () => {
    await k.reload();
    await k.waitForSelector('[data-test=countdown]');
    const a = secs(await countdown(k));
    assert.ok(a > 3570, `countdown ${a}`);
  });

  await t.test('survives a network cut: keeps counting, says so, recovers', async () => {
    await kb.context.setOffline(true);
    await k.waitForSelector('[data-test=offline]', { timeout: (HB * 2 + 10) * 1000 });
    const a = secs(await countdown(k));
    await sleep(2100);
    const b = secs(await countdown(k));
    assert.ok(b < a, `still counting offline: ${a} then ${b}`);
    await kb.context.setOffline(false);
    await k.waitForSelector('[data-test=offline]', { state: 'detached', timeout: (HB * 2 + 15) * 1000 });
    await k.waitForSelector('[data-test=countdown]');
  });

  await t.test('warnings appear (banner, and a toast on the dashboard), then the screen locks at the end', async () => {
    const d = await db.page();
    await staffLogin(d);
    await waitConn(d, 'live');
    // 70 s left: a threshold (300 s and 60 s by default) is crossed at once or within 10 s.
    sql(`UPDATE sessions SET fin_prevue = UTC_TIMESTAMP(3) + INTERVAL 70 SECOND WHERE id = ${s1.id}`);
    if (NO_PUSHER) sweep();	// no pusher's clock: cron's minute has come
    const w = await k.waitForSelector('[data-test=warning]', { timeout: 20_000 });
    assert.match(await w.textContent(), /votre session se termine dans/);
    const a = secs(await countdown(k));
    assert.ok(a <= 70 && a > 40, `countdown follows the new end: ${a}`);
    const toast = await d.waitForSelector('[data-test=toast]:has-text("fin dans")', { timeout: 10_000 });
    assert.match(await toast.textContent(), /Session de Camille Martin/);
    await shot(k, 'kiosk.png');

    sql(`UPDATE sessions SET fin_prevue = UTC_TIMESTAMP(3) + INTERVAL 3 SECOND WHERE id = ${s1.id}`);
    await k.waitForSelector('[data-test=locked]', { timeout: 20_000 });
    assert.match(await k.textContent('[data-test=lock-msg]'), /Le temps est écoulé|À bientôt/);
    await sleep(1500);
    sweep();	// the pusher's clock has done it already; sweeping again is harmless
    const r = await api('GET', `/api/sessions/${s1.id}`, undefined, { cookie: await login() });
    assert.equal(r.json.statut, 'terminee');
    assert.equal(r.json.raison, 'temps_ecoule');
    await k.click('text=Nouvelle session');
    await k.waitForSelector('[data-test=code]');
  });

  await t.test('"Terminer ma session" keeps the remaining time', async () => {
    const s2 = await createSession(1800);
    await typeCode(k, s2.code);
    await k.click('[data-test=start]');
    await k.waitForSelector('[data-test=countdown]');
    await k.click('[data-test=finish]');
    await k.click('[data-test=finish-yes]');
    await k.waitForSelector('[data-test=locked]');
    assert.match(await k.textContent('[data-test=lock-msg]'), /temps restant \(\d+ min.*\) est conservé/);
    const r = await api('GET', `/api/sessions/${s2.id}`, undefined, { cookie: await login() });
    assert.equal(r.json.statut, 'suspendue');
    assert.ok(r.json.temps_restant > 1700);
    await k.click('text=Nouvelle session');
  });

  await t.test('a session running on another poste is refused with its reason', async () => {
    const other = await createPoste();
    await api('POST', '/api/kiosk/heartbeat', undefined, { bearer: other.token });
    const s3 = await createSession(1800);
    assert.equal((await api('POST', '/api/kiosk/start', { code: s3.code }, { bearer: other.token })).status, 200);
    await k.waitForSelector('[data-test=code]');
    await typeCode(k, s3.code);
    const e = await k.waitForSelector('[data-test=error]');
    assert.equal(await e.getAttribute('data-code'), 'session_en_cours_ailleurs');
    assert.match(await e.textContent(), /déjà ouverte sur un autre poste/);
  });

  await t.test('code guessing is throttled: 429 with a visible countdown', async () => {
    let code = null;
    for (let i = 0; i < 8 && code !== 'too_many_attempts'; i++) {
      await typeCode(k, `QQQQQ${i}`);
      await k.waitForFunction(() => !document.querySelector('[data-test=code-form] button').disabled
        || document.querySelector('[data-test=error]'));
      await sleep(150);
      code = await k.getAttribute('[data-test=error]', 'data-code').catch(() => null);
    }
    assert.equal(code, 'too_many_attempts');
    const msg = await k.textContent('[data-test=error]');
    const m = msg.match(/Réessayez dans (\d+) secondes/);
    assert.ok(m, msg);
    assert.ok(await k.isDisabled('[data-test=code]'));
    await sleep(2100);
    const m2 = (await k.textContent('[data-test=error]')).match(/Réessayez dans (\d+) secondes/);
    assert.ok(Number(m2[1]) < Number(m[1]), 'the wait counts down');
    // The dashboard noticed the guessing.
    const d = db.context.pages()[0];
    const toast = await d.waitForSelector('[data-test=toast]:has-text("Codes refusés à répétition")', { timeout: 10_000 });
    const nom = (await api('GET', `/api/postes/${poste.id}`, undefined, { cookie: await login() })).json.nom;
    assert.ok((await toast.textContent()).includes(nom));
  });

  assert.deepEqual(kb.dialogs, []);
  assert.deepEqual(kb.errors, []);
});
