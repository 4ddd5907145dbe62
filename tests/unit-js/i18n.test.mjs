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
});
