import test from 'node:test';
import assert from 'node:assert/strict';
import { createI18n, clock, initialLocale } from '../../www/src/lib/i18n.js';
import messages from '../../www/src/lib/messages.js';

test('French first, English on switch, French as fallback, key as last resort', () => {
  const i = createI18n({ fr: { a: 'bonjour', b: 'seulement fr' }, en: { a: 'hello' } });
  assert.equal(i.t('a'), 'bonjour');
  i.setLocale('en');
  assert.equal(i.t('a'), 'hello');
  assert.equal(i.t('b'), 'seulement fr');
  assert.equal(i.t('nope'), 'nope');
  i.setLocale('xx');
  assert.equal(i.locale, 'en');
});

test('placeholders are replaced as text, plurals chosen by n', () => {
  const i = createI18n({ fr: { p: '{n} session|{n} sessions', h: 'Bonjour {who}' }, en: { p: '{n} session|{n} sessions' } });
  assert.equal(i.t('h', { who: '<script>' }), 'Bonjour <script>');
  assert.equal(i.t('p', { n: 0 }), '0 session');
  assert.equal(i.t('p', { n: 1 }), '1 session');
  assert.equal(i.t('p', { n: 3 }), '3 sessions');
  i.setLocale('en');
  assert.equal(i.t('p', { n: 0 }), '0 sessions');
  assert.equal(i.t('h'), 'Bonjour {who}');
});

test('durations and countdowns the French way', () => {
  const i = createI18n(messages);
  assert.equal(i.duration(7200), '2 h');
  assert.equal(i.duration(3900), '1 h 05 min');
  assert.equal(i.duration(2700), '45 min');
  assert.equal(i.duration(330), '5 min 30 s');
  assert.equal(i.duration(42), '42 s');
  assert.equal(clock(3909), '1:05:09');
  assert.equal(clock(309), '05:09');
  assert.equal(clock(-3), '00:00');
});

test('dates with Intl: French day/month order, English when switched', () => {
  const i = createI18n(messages);
  const d = '2026-03-04T12:00:00Z';
  assert.match(i.date(d, { dateStyle: 'short', timeZone: 'UTC' }), /^04\/03\/2026$/);
  assert.match(i.date(d, { dateStyle: 'long', timeZone: 'UTC' }), /4 mars 2026/);
  i.setLocale('en');
  assert.match(i.date(d, { dateStyle: 'long', timeZone: 'UTC' }), /4 March 2026/);
  assert.equal(i.date(null), '');
  assert.equal(i.number(12345), '12,345');
});

test('every English key has a French original and vice versa', () => {
  const fr = Object.keys(messages.fr), en = Object.keys(messages.en);
  assert.deepEqual(en.filter((k) => !fr.includes(k)), []);
  assert.deepEqual(fr.filter((k) => !en.includes(k)), []);
});

test('the stored language wins, French by default', () => {
  assert.equal(initialLocale({ getItem: () => 'en' }), 'en');
  assert.equal(initialLocale({ getItem: () => 'de' }), 'fr');
  assert.equal(initialLocale(null), 'fr');
  // The cookie the admin pages share wins over this browser's storage.
  assert.equal(initialLocale({ getItem: () => 'fr' }, 'a=1; postes_lang=en'), 'en');
  assert.equal(initialLocale({ getItem: () => 'en' }, 'postes_lang=fr'), 'fr');
  assert.equal(initialLocale({ getItem: () => 'en' }, 'postes_lang=de'), 'en');
  assert.equal(initialLocale(null, 'xpostes_lang=en'), 'fr');
});

test('every literal key used by the pages exists', async () => {
  const { readdirSync, readFileSync, statSync } = await import('node:fs');
  const path = await import('node:path');
  const root = new URL('../../www/src/', import.meta.url).pathname;
  const files = [];
  const walk = (d) => {
    for (const f of readdirSync(d)) {
      const p = path.join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(vue|js)$/.test(f) && f !== 'messages.js') files.push(p);
    }
  };
  walk(root);
  const missing = [];
  for (const f of files) {
    const src = readFileSync(f, 'utf8');
    for (const m of src.matchAll(/\bt\(\s*'([a-z_]+(?:\.[a-z_]+)+)'/g)) {
      if (!(m[1] in messages.fr)) missing.push(`${path.basename(f)}: ${m[1]}`);
    }
    for (const m of src.matchAll(/notify\('\w+', '([a-z_.]+)'/g)) {
      if (!(m[1] in messages.fr)) missing.push(`${path.basename(f)}: ${m[1]}`);
    }
  }
  assert.deepEqual(missing, []);
  // Keys built at run time: states, reasons, refusals.
  for (const k of ['en_attente', 'active', 'suspendue', 'terminee']) assert.ok(`statut.${k}` in messages.fr);
  for (const k of ['fermeture_normale', 'temps_ecoule', 'admin', 'expiree']) {
    assert.ok(`raison.${k}` in messages.fr);
    assert.ok(`kiosk.locked.${k}` in messages.fr || k === 'expiree');
  }
  for (const k of ['disponible', 'occupe', 'hors_ligne', 'maintenance']) assert.ok(`etat.${k}` in messages.fr);
  for (const k of ['code_inconnu', 'code_expire', 'session_en_cours_ailleurs', 'plus_de_temps', 'poste_busy', 'poste_unavailable', 'too_many_attempts']) {
    assert.ok(`kiosk.err.${k}` in messages.fr, k);
  }
});
