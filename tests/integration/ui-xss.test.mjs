// ui-xss.test.mjs - a person named <script>alert(1)</script> is shown as
// text on every screen that shows people (dashboard, sessions, postes,
// utilisateurs, ticket, notifications, kiosk), and no dialog ever opens.
import test from 'node:test';
import assert from 'node:assert/strict';
import { launch, staffLogin, waitConn, BASE } from './ui-lib.mjs';
import { api, login, createPoste } from './pusher-lib.mjs';

const NOM = '<script>alert(1)</script>';
const PRENOM = '<img src=x onerror=alert(2)>';

test('hostile names are text everywhere', { timeout: 120_000 }, async () => {
  const b = await launch();
  try {
    const cookie = await login();
    const u = await api('POST', '/api/utilisateurs', { nom: NOM, prenom: PRENOM, notes: '"><svg onload=alert(3)>' }, { cookie });
    assert.equal(u.status, 201, JSON.stringify(u.json));
    const s = (await api('POST', '/api/sessions', { utilisateur_id: u.json.id, duree: 1800 }, { cookie })).json;
    const running = (await api('POST', '/api/sessions', { utilisateur_id: u.json.id, duree: 1800 }, { cookie })).json;
    const poste = await createPoste();
    await api('POST', '/api/kiosk/heartbeat', undefined, { bearer: poste.token });
    assert.equal((await api('POST', '/api/kiosk/start', { code: running.code }, { bearer: poste.token })).status, 200);

    const p = await b.page();
    await staffLogin(p);
    await waitConn(p, 'live');
    const injected = () => p.evaluate(() => document.querySelectorAll('img[src="x"], svg[onload], body script:not([src])').length);

    // Overview: the running session.
    await p.waitForSelector(`.active-list li:has-text("${NOM}")`);
    assert.match(await p.textContent('.active-list'), /<img src=x onerror=alert\(2\)> <script>alert\(1\)<\/script>/);

    // Sessions list and the ticket.
    await p.goto(BASE + '/#/sessions');
    const row = await p.waitForSelector(`tr[data-code="${s.code}"]`);
    assert.ok((await row.textContent()).includes(NOM));
    await (await row.$('button:has-text("Ticket")')).click();
    assert.ok((await p.textContent('[data-test=ticket]')).includes(NOM));
    await p.keyboard.press('Escape');

    // Postes grid: who is on the poste.
    await p.goto(BASE + '/#/postes');
    const card = await p.waitForSelector(`[data-poste="${poste.id}"]`);
    assert.ok((await card.textContent()).includes(`Utilisé par ${PRENOM} ${NOM}`));

    // Utilisateurs: search, list, edit form.
    await p.goto(BASE + '/#/utilisateurs');
    // The search is a prefix of the name: what a desk agent would type.
    await p.fill('[data-test=users-search]', '<script');
    const urow = await p.waitForSelector(`[data-user="${u.json.id}"]`);
    assert.ok((await urow.textContent()).includes(NOM));
    // The list renders again when the search answer replaces the first
    // page: locators find the row afresh at each click, handles do not.
    const uLoc = p.locator(`[data-user="${u.json.id}"]`);
    await uLoc.locator('button:has-text("Modifier")').click();
    assert.equal(await p.inputValue('#uf-nom'), NOM);
    assert.ok((await p.textContent('dialog h2')).includes(NOM));
    await p.keyboard.press('Escape');
    // The create-session picker lists it too.
    // The list may be drawn again meanwhile (search results, events): a
    // locator finds the row anew at the click.
    await p.locator(`[data-user="${u.json.id}"] button:has-text("Créer une session")`).click();
    await p.waitForSelector(`[data-test=user-select] option[value="${u.json.id}"]`);
    assert.ok((await p.textContent(`[data-test=user-select] option[value="${u.json.id}"]`)).includes(NOM));
    await p.keyboard.press('Escape');
    assert.equal(await injected(), 0);

    // The kiosk greets the person by name, as text.
    const k = await b.context.newPage();
    const kp = await createPoste();
    await k.goto(BASE + '/kiosk/');
    await k.fill('[data-test=setup-token]', kp.token);
    await k.click('[data-test=setup-form] button[type=submit]');
    await k.fill('[data-test=code]', s.code);
    await k.press('[data-test=code]', 'Enter');
    await k.waitForSelector('[data-test=start]');
    assert.ok((await k.textContent('.kiosk-card')).includes(`Bonjour ${PRENOM} ${NOM}`));
    await k.click('[data-test=start]');
    await k.waitForSelector('[data-test=countdown]');
    assert.ok((await k.textContent('.kiosk-card')).includes(NOM));
    assert.equal(await k.evaluate(() => document.querySelectorAll('img[src="x"], body script:not([src])').length), 0);
    await api('POST', '/api/kiosk/end', {}, { bearer: kp.token });
    await api('POST', `/api/sessions/${running.id}/terminate`, {}, { cookie });

    assert.deepEqual(b.dialogs, [], 'no dialog fired');
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});
