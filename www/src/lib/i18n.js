// i18n.js - a tiny translation layer: French first, English second.
//
// t(key, params) looks the key up in the current language, falls back to
// French, then to the key itself; "{name}" placeholders are replaced by
// params (as text: Vue escapes whatever we return). Plural forms are
// written "un|plusieurs" and chosen with params.n. Dates, times and
// numbers go through Intl with the language's locale (fr-FR / en-GB),
// always shown in the browser's time zone.

const LOCALES = { fr: 'fr-FR', en: 'en-GB' };

export function createI18n(messages, state = { locale: 'fr' }) {
  const lookup = (key) => {
    const m = messages[state.locale] || {};
    if (key in m) return m[key];
    if (key in (messages.fr || {})) return messages.fr[key];
    return key;
  };

  function t(key, params = {}) {
    let s = lookup(key);
    if (s.includes('|') && params.n !== undefined) {
      const [one, many] = s.split('|');
      s = Math.abs(params.n) >= 2 || (state.locale === 'en' && params.n === 0) ? many : one;
    }
    return s.replace(/\{(\w+)\}/g, (all, k) => (params[k] === undefined || params[k] === null ? all : String(params[k])));
  }

  const intlLocale = () => LOCALES[state.locale] || LOCALES.fr;

  function date(value, opts = { dateStyle: 'medium', timeStyle: 'short' }) {
    if (value === null || value === undefined || value === '') return '';
    const d = value instanceof Date ? value : new Date(value);
    if (Number.isNaN(d.getTime())) return '';
    return new Intl.DateTimeFormat(intlLocale(), opts).format(d);
  }

  const time = (value) => date(value, { hour: '2-digit', minute: '2-digit' });
  const number = (n) => new Intl.NumberFormat(intlLocale()).format(n ?? 0);

  // A duration in words: "2 h 05 min", "45 min", "30 s" (French style,
  // which English readers understand too: en gives "2 h 05 min" as well).
  function duration(seconds) {
    if (seconds === null || seconds === undefined) return '';
    const s = Math.max(0, Math.round(seconds));
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    const sec = s % 60;
    if (h > 0) return m > 0 ? `${h} h ${String(m).padStart(2, '0')} min` : `${h} h`;
    if (m > 0) return sec > 0 && m < 10 ? `${m} min ${String(sec).padStart(2, '0')} s` : `${m} min`;
    return `${sec} s`;
  }

  return {
    t, date, time, number, duration, clock,
    get locale() { return state.locale; },
    setLocale(l) { if (LOCALES[l]) state.locale = l; },
    intlLocale,
  };
}

// A countdown: "1:05:09" or "05:09" (same in both languages).
export function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds ?? 0));
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

// The language to start with: the postes_lang cookie the admin pages
// share, else what was chosen before in this browser, else French.
export function initialLocale(storage, cookie = '') {
  const m = /(?:^|;\s*)postes_lang=(fr|en)(?:;|$)/.exec(cookie || '');
  if (m) return m[1];
  try {
    const l = storage?.getItem('postes.locale');
    if (l === 'fr' || l === 'en') return l;
  } catch { /* storage blocked */ }
  return 'fr';
}
