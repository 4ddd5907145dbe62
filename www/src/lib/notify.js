// notify.js - which events deserve a notification, as pure rules.
//
// - warning: a session is ending soon (the server's threshold, seuil);
// - poste_status with etat hors_ligne: a workstation went silent;
// - fermeture_proche: the site closes soon (one per session and threshold);
// - poste_online: a workstation is back;
// - code_refused: only when repeated, `repeat` times within `windowMs`
//   on the same workstation (one typo is not news; guessing is).
// A notification is { key, level, text: [i18n key, params] }; the key
// lets several tabs and replays not show the same thing twice.

export function createNotifier({ repeat = 3, windowMs = 5 * 60 * 1000, now = () => Date.now(), posteName = () => '' } = {}) {
  const refused = new Map();	// poste_id -> [times]
  const lastEtat = new Map();	// poste_id -> etat

  function who(d) {
    const n = [d?.utilisateur_prenom, d?.utilisateur_nom].filter(Boolean).join(' ');
    return n || (d?.code ? d.code : '');
  }

  return function notificationFor(ev) {
    if (!ev || !ev.type) return null;
    const d = ev.data || {};
    switch (ev.type) {
    case 'warning':
      return {
        key: `warning:${ev.session_id}:${d.seuil}`, level: 'warning',
        text: ['notif.warning', { who: who(d), poste: d.poste_nom || posteName(ev.poste_id) || '', seuil: d.seuil }],
      };
    case 'fermeture_proche':
      return {
        key: `closing:${ev.session_id}:${d.seuil}`, level: 'warning',
        text: ['notif.closing', { poste: d.poste_nom || posteName(ev.poste_id) || '', n: d.minutes }],
      };
    case 'poste_online': {
      const pid = ev.poste_id ?? d.id;
      lastEtat.set(pid, d.etat);
      return { key: `online:${pid}:${ev.id}`, level: 'info', text: ['notif.online', { poste: d.nom || `#${pid}` }] };
    }
    case 'poste_status':
    case 'poste_updated': {
      const pid = ev.poste_id ?? d.id;
      const prev = lastEtat.get(pid);
      lastEtat.set(pid, d.etat);
      if (d.etat === 'hors_ligne' && prev !== 'hors_ligne') {
        return { key: `offline:${pid}:${ev.id}`, level: 'error', text: ['notif.offline', { poste: d.nom || `#${pid}` }] };
      }
      return null;
    }
    case 'code_refused': {
      const pid = ev.poste_id ?? d.poste_id;
      const t = now();
      const list = (refused.get(pid) || []).filter((x) => t - x < windowMs);
      list.push(t);
      refused.set(pid, list);
      if (list.length >= repeat) {
        refused.set(pid, []);
        return {
          key: `refused:${pid}:${ev.id}`, level: 'error',
          text: ['notif.refused', { poste: d.poste_nom || posteName(pid) || `#${pid}`, n: list.length }],
        };
      }
      return null;
    }
    default:
      return null;
    }
  };
}
