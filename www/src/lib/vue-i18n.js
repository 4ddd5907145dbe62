// vue-i18n.js - the i18n of lib/i18n.js made reactive for Vue templates:
// $t, $d (date), $dur (duration), $clock (countdown) in every component.

import { reactive } from 'vue';
import messages from './messages.js';
import { createI18n, initialLocale, clock } from './i18n.js';

const state = reactive({ locale: initialLocale(globalThis.localStorage, globalThis.document?.cookie) });
export const i18n = createI18n(messages, state);

export function setLocale(l) {
  i18n.setLocale(l);
  try { localStorage.setItem('postes.locale', l); } catch { /* private mode */ }
  // The admin pages read the same choice (a preference, not a secret).
  document.cookie = `postes_lang=${l}; Path=/; Max-Age=31536000; SameSite=Lax`;
  document.documentElement.lang = l;
  document.title = i18n.t(document.body.dataset.titleKey || 'app.title');
}

export function installI18n(app) {
  document.documentElement.lang = state.locale;
  const g = app.config.globalProperties;
  g.$t = i18n.t;
  g.$d = i18n.date;
  g.$time = i18n.time;
  g.$dur = i18n.duration;
  g.$clock = clock;
  g.$n = i18n.number;
  g.$i18n = i18n;
  g.$setLocale = setLocale;
}
