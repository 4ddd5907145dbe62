// ui-lib.mjs - helpers for the browser tests (ui-*.test.mjs): Debian's
// Chromium driven by playwright-core with a fresh profile, staff log-in
// through the page, a watch on native dialogs (an XSS would open one),
// and screenshots.
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const BASE = process.env.POSTES_BASE_URL || 'http://127.0.0.1:8080';
export const ROOT = new URL('../../', import.meta.url).pathname;
export const CHROMIUM = process.env.POSTES_CHROMIUM || '/usr/bin/chromium';
// POSTES_NO_PUSHER=1: the server runs no pusher (shared hosting, GET
// /api/config says so) and the pages poll by design: their steady state is
// "polling" where it is otherwise "live".
export const NO_PUSHER = process.env.POSTES_NO_PUSHER === '1';
export const LIVE = NO_PUSHER ? 'polling' : 'live';

export async function launch() {
  const dir = mkdtempSync(path.join(tmpdir(), 'postes-ui-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1366, height: 768 },
    locale: 'fr-FR',
    timezoneId: process.env.POSTES_TZ || 'Europe/Paris',
  });
  const dialogs = [];
  const errors = [];
  const watch = (page) => {
    page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
    page.on('pageerror', (e) => errors.push(String(e)));
  };
  context.on('page', watch);
  for (const p of context.pages()) watch(p);
  return {
    context, dialogs, errors,
    async page() {
      const p = context.pages().find((x) => x.url() === 'about:blank') || await context.newPage();
      return p;
    },
    async close() {
      await context.close().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function staffLogin(page, user = process.env.POSTES_ADMIN_USER || 'admin',
  password = process.env.POSTES_ADMIN_PASSWORD) {
  await page.goto(BASE + '/');
  await page.fill('#login-user', user);
  await page.fill('#login-pass', password);
  await page.click('[data-test=login-form] button[type=submit]');
  await page.waitForSelector('[data-test=logout]');
}

// Wait until the connection indicator shows status (live, degraded,
// offline); 'live' means the steady state (LIVE).
export async function waitConn(page, status, timeout = 30000) {
  if (status === 'live') status = LIVE;
  await page.waitForSelector(`[data-test=conn][data-status=${status}]`, { timeout });
}

// The README's screenshots, taken only when asked (POSTES_SHOTS=
// docs/screenshots make test): a test run leaves the tree as it was. They
// show the normal stack: a run without a pusher (shared hosting) takes none.
export async function shot(page, name) {
  const dir = process.env.POSTES_SHOTS;
  if (!dir || NO_PUSHER) return;
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.resolve(ROOT, dir, name) });
}

export async function statValue(page, key) {
  const t = await page.textContent(`[data-stat="${key}"] dd`);
  return Number(String(t).replace(/[^\d]/g, ''));
}
