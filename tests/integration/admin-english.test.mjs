// admin-english.test.mjs - the admin HTML pages in English, all of them.
//
// Logged in as admin with the postes_lang=en cookie (set by the header's
// switch), every GET page of /admin that router.c declares, plus an error
// page (404, 403, a refused CSRF token), forms shown again with an error,
// the page that shows a new workstation token and a page with each flash
// message, must hold no French text of its own: the tags, the data of the
// database (names of sites, postes, people, message texts, audit rows),
// the API's refusals quoted in an error box and the product's name are
// taken out, and what is left must have no French letter, guillemet or
// word of a list. The same pages with postes_lang=fr (and without the
// cookie) stay French. Counts follow each language's plural rule ("0
// résultat", "2 résultats"; "1 result", "0 results") and dates are
// 2027-01-01 04:36 in English, 01/01/2027 à 04:36 in French.
//
// The table itself (fcgi-api/admin/lang.c) is read too: no French text
// twice, no entry that no source of admin/ writes (dead), and a format's
// conversions the same in both languages (the English format is used
// with the arguments the compiler checked against the French one).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import * as L from './lib.mjs';


const Browser = L.AdminBrowser;

const unescape = (s) => s.replace(/&(lt|gt|quot|#39|amp);/g,
  (_, e) => ({ lt: '<', gt: '>', quot: '"', '#39': "'", amp: '&' }[e]));

// Every text a reader gets from a page, one text node a line: the text
// between tags (the <title> too, not the stylesheet) and the attributes
// read aloud or shown (aria-label, title, placeholder, alt), unescaped.
// The switch to French is French on purpose (lang="fr"). Error boxes
// that quote the API are dropped when apiError is set.
function pageText(html, { apiError = false } = {}) {
  let h = html.replace(/<style>[\s\S]*?<\/style>/g, '\n')
    .replace(/<a [^>]*lang="fr"[^>]*>[^<]*<\/a>/g, '\n');
  if (apiError) h = h.replace(/<p class="error" role="alert">[^<]*<\/p>/g, '\n');
  const attrs = [...h.matchAll(/\s(?:aria-label|title|placeholder|alt)="([^"]*)"/g)].map((m) => m[1]);
  return unescape([h.replace(/<[^>]*>/g, '\n'), ...attrs].join('\n'));
}

// The data a page may show, from the database: it stays as typed.
function dataStrings() {
  const rows = L.sql(`
    SELECT nom FROM sites UNION ALL SELECT adresse FROM sites
    UNION ALL SELECT motif FROM site_fermetures
    UNION ALL SELECT nom FROM postes UNION ALL SELECT emplacement FROM postes
    UNION ALL SELECT nom FROM utilisateurs UNION ALL SELECT prenom FROM utilisateurs
    UNION ALL SELECT email FROM utilisateurs UNION ALL SELECT telephone FROM utilisateurs
    UNION ALL SELECT notes FROM utilisateurs
    UNION ALL SELECT code FROM categories UNION ALL SELECT nom FROM categories
    UNION ALL SELECT username FROM staff UNION ALL SELECT nom FROM staff
    UNION ALL SELECT texte FROM messages UNION ALL SELECT nom_libre FROM reservations
    UNION ALL (SELECT action FROM audit_log ORDER BY id DESC LIMIT 2000)
    UNION ALL (SELECT cible_type FROM audit_log ORDER BY id DESC LIMIT 2000)
    UNION ALL (SELECT detail FROM audit_log ORDER BY id DESC LIMIT 2000)`);
  // UNION ALL: a plain UNION would merge 'invite' and 'Invité' (the
  // collation ignores accents and case).
  return [...new Set(rows.map((r) => r[0]).filter((s) => s !== null && s.length >= 2))]
    .sort((a, b) => b.length - a.length);
}

// French of the program's own: letters and signs English never needs,
// small words, and the words of the pages.
const FRENCH_SIGNS = /[éèêëàâäçùûüôöîïœÉÈÊÀÇÔÎ«»]|\bn°|\d,\d\d\b|\b\d\d\/\d\d\/\d{4}\b/;
const FRENCH_WORDS = new RegExp(`\\b(${[
  'le', 'la', 'les', 'des', 'du', 'de', 'une?', 'et', 'ou', 'pour', 'par', 'sur', 'avec',
  'dans', 'est', 'sont', 'aux?', 'ce', 'cette', 'ses', 'son', 'sa', 'pas', 'en', 'ne',
  'jours?', 'heures?', 'semaine', 'mois', 'lun', 'mar', 'mer', 'jeu', 'ven', 'sam', 'dim',
  'nom', 'lu', 'actifs?', 'actives', 'tous', 'toutes', 'ouvert', 'ferme', 'fin', 'lot', 'reste',
  'retour', 'nouvel', 'nouvelle', 'nouveau', 'modifier', 'annuler', 'ajouter', 'retirer',
  'rechercher', 'filtrer', 'afficher', 'envoyer', 'imprimer', 'personnes?', 'postes?',
  'utilisateurs?', 'personnel', 'journal', 'statistiques', 'passes? invit', 'motif',
  'emplacement', 'erreur', 'introuvable', 'accueil', 'compte', 'mot', 'jeton', 'horaires',
  'objet', 'texte', 'destinataire', 'suivante', 'pr.c.dente', 'choisir', 'bonjour',
  'votre', 'identifiant', 'connexion', 'valable', 'dur.e', 'agent d.accueil',
].join('|')})\\b`, 'i');
// The product's name is the same in both languages.
const BRAND = ['Postes · administration', 'Postes — administration'];

const isFrench = (t) => FRENCH_SIGNS.test(t) || FRENCH_WORDS.test(t);

// The lines of a page still French once the brand and the data are out.
function frenchLeft(html, data, opts) {
  const lines = pageText(html, opts).split('\n').map((l) => l.trim()).filter((l) => l !== '');
  return lines.filter((l) => {
    if (!isFrench(l)) return false;
    let t = l;
    for (const s of [...BRAND, ...data]) if (t.includes(s)) t = t.split(s).join(' ');
    return isFrench(t);
  });
}

function assertEnglish(what, r, data, opts = {}) {
  assert.match(r.text, /<html lang="en">/, `${what}: <html lang="en">`);
  const left = frenchLeft(r.text, data, opts);
  assert.deepEqual(left, [], `${what}: French left in the English page`);
}

// The /admin GET routes as router.c declares them.
function adminGetRoutes() {
  const src = readFileSync(`${L.ROOT}fcgi-api/router.c`, 'utf8');
  const re = /\{\s*METH_GET,\s*"(\/admin[^"]*)",\s*\w+,\s*ACC_\w+,\s*B_\w+\s*\}/g;
  return [...src.matchAll(re)].map((m) => m[1]);
}

// A day as the town hall's calendar says it (YYYY-MM-DD).
const localDay = (ms) => new Intl.DateTimeFormat('sv-SE',
  { timeZone: process.env.POSTES_TZ || 'Europe/Paris' }).format(new Date(ms));

let api, en, fr, fx;
before(async () => {
  api = await L.admin();
  // Some history for the statistics' tables.
  L.cli('demo-stats', '60');
  en = new Browser();
  await en.adminLogin(L.ADMIN_USER, L.ADMIN_PASSWORD);
  const sw = await en.get('/admin/langue?l=en');	// the header's switch
  assert.equal(sw.status, 303);
  assert.equal(en.jar.get('postes_lang'), 'en');
  fr = new Browser();
  await fr.adminLogin(L.ADMIN_USER, L.ADMIN_PASSWORD);
  fr.jar.set('postes_lang', 'fr');

  // One of each thing a page lists, with plain ASCII names.
  const tag = L.uniq('');
  const site = L.expectStatus(await api.post('/api/sites', { nom: `Site ${tag}`, adresse: `Street ${tag}` }), 201);
  const closed = L.expectStatus(await api.post('/api/sites', { nom: `Closed ${tag}` }), 201);
  const nosite = L.expectStatus(await api.post('/api/sites', { nom: `Nohours ${tag}` }), 201);
  const isoDay = (ms) => { const d = new Date(`${localDay(ms)}T12:00:00Z`).getUTCDay(); return d === 0 ? 7 : d; };
  const tomorrow = isoDay(Date.now() + 86400000);
  L.expectStatus(await api.req('PUT', `/api/sites/${site.id}/horaires`,
    { horaires: [1, 2, 3, 4, 5, 6, 7].map((jour) => ({ jour, ouverture: '00:00', fermeture: '24:00' })) }),
  200, 'open hours');
  L.expectStatus(await api.req('PUT', `/api/sites/${closed.id}/horaires`,
    { horaires: [{ jour: tomorrow, ouverture: '09:00', fermeture: '10:00' }] }), 200, 'closed hours');
  L.expectStatus(await api.post(`/api/sites/${site.id}/fermetures`, { jour: '2099-05-01', motif: `Holiday ${tag}` }), 201);
  const poste = await L.newPoste(api, { nom: `PC ${tag}`, emplacement: `Room ${tag}`, site_id: site.id });
  const user = await L.newUtilisateur(api, { nom: `Smith${tag}`, prenom: `Ann${tag}`, email: `ann${tag}@example.org` });
  const user2 = await L.newUtilisateur(api, { nom: `Smith${tag}b`, prenom: `Bob${tag}` });
  // A session whose balance is less than its total ("... left" on the ticket).
  const sess = await L.newSession(api, { utilisateur_id: user.id });
  L.sql(`UPDATE sessions SET temps_restant = duree_totale - 600 WHERE id = ${sess.id}`);
  const ended = await L.newSession(api, { utilisateur_id: user2.id });
  L.expectStatus(await api.post(`/api/sessions/${ended.id}/terminate`, {}), 200);
  const agentName = `ag${tag}`;
  const agent = L.expectStatus(await api.post('/api/staff',
    { username: agentName, nom: `Agent ${tag}`, role: 'agent', password: 'agent-password-1' }), 201);
  const lot = L.expectStatus(await api.post('/api/invites', { nombre: 2, duree: 1800 }), 201);
  L.expectStatus(await api.post('/api/invites', { nombre: 1, duree: 3600 }), 201);
  const msg = L.expectStatus(await api.post('/api/messages', { cible: 'poste', poste_id: poste.id, texte: `Hello ${tag}` }), 201);
  L.expectStatus(await api.post('/api/messages', { cible: 'staff', texte: `Meeting ${tag}` }), 201);
  const day = localDay(Date.now() + 2 * 86400000);
  const resa = await en.submit('/admin/reservations', '/admin/reservations',
    { poste_id: String(poste.id), utilisateur_id: '', nom: `Guest ${tag}`, debut: `${day}T10:00`, fin: `${day}T11:00` });
  assert.equal(resa.status, 303, resa.text.slice(0, 300));
  const resa2 = await en.submit('/admin/reservations', '/admin/reservations',
    { poste_id: String(poste.id), utilisateur_id: String(user.id), nom: '', debut: `${day}T12:00`, fin: `${day}T13:00` });
  assert.equal(resa2.status, 303);
  const rid = L.sqlOne(`SELECT id FROM reservations WHERE poste_id = ${poste.id} AND nom_libre IS NULL`);
  L.expectStatus(await api.post(`/api/reservations/${rid}/cancel`, {}), 200, 'cancel');
  fx = { tag, site, closed, nosite, poste, user, user2, sess, agent, agentName, lot, msg };
});

test('the table: no French text twice, no dead entry, the same conversions in both languages', () => {
  const dir = `${L.ROOT}fcgi-api/admin/`;
  // C string literals of a file, adjacent ones joined as the compiler does.
  const literals = (src) => {
    const out = [];
    const re = /"((?:[^"\\\n]|\\.)*)"((?:\s*"(?:[^"\\\n]|\\.)*")*)/g;
    for (const m of src.replace(/\/\*[\s\S]*?\*\//g, ' ').matchAll(re)) {
      const parts = [m[1], ...[...m[2].matchAll(/"((?:[^"\\\n]|\\.)*)"/g)].map((x) => x[1])];
      out.push(parts.join('').replace(/\\"/g, '"').replace(/\\\\/g, '\\'));
    }
    return out;
  };
  const lang = readFileSync(`${dir}lang.c`, 'utf8');
  const table = /words\[\] = \{([\s\S]*?)\n\};/.exec(lang);
  assert.ok(table, 'lang.c has its words[] table');
  const lits = literals(table[1]);
  assert.equal(lits.length % 2, 0, 'pairs');
  const pairs = [];
  for (let i = 0; i < lits.length; i += 2) pairs.push([lits[i], lits[i + 1]]);
  assert.ok(pairs.length > 250, `${pairs.length} entries`);
  const seen = new Set();
  for (const [f] of pairs) {
    assert.ok(!seen.has(f), `"${f}" twice`);
    seen.add(f);
  }
  const used = new Set();
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.c') && n !== 'lang.c'))
    for (const s of literals(readFileSync(dir + f, 'utf8'))) used.add(s);
  const dead = pairs.filter(([f]) => !used.has(f)).map(([f]) => f);
  assert.deepEqual(dead, [], 'entries no page writes');
  // printf conversions (admin_trf, admin_trn) in order; strftime's (%Y)
  // as a set, since a date may be written in another order.
  const conv = (s) => [...s.matchAll(/%(?:%|[-+ #0]*\d*(?:\.\d+)?(?:ll|l|z)?[a-zA-Z])/g)].map((m) => m[0]);
  for (const [f, e] of pairs) {
    const a = conv(f), b = conv(e);
    if (f.includes('%Y')) assert.deepEqual([...a].sort(), [...b].sort(), `"${f}"`);
    else assert.deepEqual(a, b, `"${f}" -> "${e}"`);
    assert.equal(/</.test(f), /</.test(e), `markup on both sides: "${f}"`);
  }
  // A count's two forms (a call's last two literals) each take the one
  // number admin_trn() gives.
  let counts = 0;
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.c') && n !== 'lang.c'))
    for (const m of readFileSync(dir + f, 'utf8').matchAll(/admin_trn\(([^;]*)\);/g)) {
      const forms = [...m[1].matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((x) => x[1]).slice(-2);
      for (const s of forms) assert.deepEqual(conv(s), ['%lld'], `${f}: ${s}`);
      counts++;
    }
  assert.ok(counts >= 4, `${counts} counts`);
  // Every literal given to admin_tr/admin_trf/admin_trn is in the table.
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.c') && n !== 'lang.c')) {
    const src = readFileSync(dir + f, 'utf8');
    for (const m of src.matchAll(/admin_tr[fn]?\([^"()]*("(?:[^"\\]|\\.)*"(?:\s*"(?:[^"\\]|\\.)*")*)/g))
      for (const s of literals(m[1]))
        assert.ok(seen.has(s), `${f}: "${s}" is not in the table`);
  }
});

test('every admin GET page, logged in with postes_lang=en, is English', async () => {
  const byRoute = {
    '/admin': ['/admin/', '/admin'],
    '/admin/staff': ['/admin/staff'],
    '/admin/staff/:id': [`/admin/staff/${fx.agent.id}`],
    '/admin/postes': ['/admin/postes', '/admin/postes?etat=maintenance'],
    '/admin/postes/:id': [`/admin/postes/${fx.poste.id}`],
    '/admin/utilisateurs': ['/admin/utilisateurs', `/admin/utilisateurs?q=Smith${fx.tag}`],
    '/admin/utilisateurs/:id': [`/admin/utilisateurs/${fx.user.id}`],
    '/admin/sessions': ['/admin/sessions', '/admin/sessions?statut=terminee',
      `/admin/sessions?utilisateur_id=${fx.user.id}`],
    '/admin/sessions/:id/ticket': [`/admin/sessions/${fx.sess.id}/ticket`],
    '/admin/sites': ['/admin/sites'],
    '/admin/sites/:id': [`/admin/sites/${fx.site.id}`, `/admin/sites/${fx.closed.id}`],
    '/admin/categories': ['/admin/categories'],
    '/admin/invites': ['/admin/invites', '/admin/invites?per_page=1', '/admin/invites?per_page=1&page=2'],
    '/admin/invites/:id': [`/admin/invites/${fx.lot.id}`],
    '/admin/messages': ['/admin/messages'],
    '/admin/messages/:id': [`/admin/messages/${fx.msg.id}`],
    '/admin/reservations': ['/admin/reservations'],
    '/admin/statistiques': [`/admin/statistiques?du=${localDay(Date.now() - 365 * 86400000)}&au=${localDay(Date.now())}&pas=mois`,
      '/admin/statistiques'],
    '/admin/journal': ['/admin/journal', '/admin/journal?per_page=2&page=2'],
  };
  const routes = adminGetRoutes();
  assert.ok(routes.length >= 18, `parsed ${routes.length} GET routes`);
  const data = dataStrings();
  for (const route of routes) {
    if (route === '/admin/login' || route === '/admin/langue') continue;	// below
    assert.ok(byRoute[route], `a page for GET ${route} (add it to this test)`);
    for (const path of byRoute[route]) {
      const r = await en.get(path);
      assert.equal(r.status, 200, `${path}: ${r.status}`);
      assertEnglish(path, r, data);
    }
  }
  // The language switch answers a redirect, no page.
  assert.equal((await en.get('/admin/langue?l=en')).status, 303);
  // The log-in page, anonymous with the cookie, and with a refusal.
  const anon = new Browser();
  anon.jar.set('postes_lang', 'en');
  const lp = await anon.get('/admin/login');
  assert.equal(lp.status, 200);
  assertEnglish('/admin/login', lp, data);
  const bad = await anon.submit('/admin/login', '/admin/login', { username: 'nobody', password: 'wrong-password' });
  assert.equal(bad.status, 401);
  assertEnglish('log-in refused', bad, data, { apiError: true });
});

test('English: the words of the brief, dates, pages and plurals', async () => {
  const home = await en.get('/admin/');
  assert.match(home.text, />Reservations<\/a>/);
  assert.match(home.text, /<title>Overview · /);
  assert.match(home.text, /Ended today/);
  assert.match(home.text, /Workstations in use/);
  assert.match(home.text, /Updated \d{4}-\d\d-\d\d \d\d:\d\d — reload the page to refresh\./);
  // Plurals: one rule per language.
  const q = async (b, s) => (await b.get(`/admin/utilisateurs?q=${s}`)).text;
  assert.match(await q(en, `zz${fx.tag}none`), /<p>0 results<\/p>/);
  assert.match(await q(en, `Bob${fx.tag}`), /<p>1 result<\/p>/);
  assert.match(await q(en, `Smith${fx.tag}`), /<p>2 results<\/p>/);
  assert.match(await q(fr, `zz${fx.tag}none`), /<p>0 résultat<\/p>/);
  assert.match(await q(fr, `Bob${fx.tag}`), /<p>1 résultat<\/p>/);
  assert.match(await q(fr, `Smith${fx.tag}`), /<p>2 résultats<\/p>/);
  const pages = await en.get('/admin/invites?per_page=1');
  assert.match(pages.text, /\d+ results — page 1 of \d+/);
  assert.match(pages.text, />Next →<\/button>/);
  assert.match((await en.get('/admin/invites?per_page=1&page=2')).text, />← Previous<\/button>/);
  const sess = await en.get(`/admin/sessions?utilisateur_id=${fx.user.id}`);
  assert.match(sess.text, /\d{4}-\d\d-\d\d \d\d:\d\d/);
  assert.doesNotMatch(sess.text, /\d\d\/\d\d\/\d{4}/);
  const sites = await en.get('/admin/sites');
  assert.match(sites.text, />Closed<\/td>/);
  assert.match(sites.text, /Open, closes \d{4}-\d\d-\d\d \d\d:\d\d/);
  assert.match(sites.text, /Open \(no hours\)/);
});

test('English: error pages, refused forms, the token page and every flash message', async () => {
  const data = dataStrings();
  // 404 from the API (its message quoted) and from the router.
  let r = await en.get('/admin/staff/999999');
  assert.equal(r.status, 404);
  assertEnglish('404', r, data, { apiError: true });
  assert.match(r.text, /<title>Not found · /);
  assert.match(r.text, />Back to home<\/a>/);
  r = await en.get('/admin/nulle-part');
  assert.equal(r.status, 404);
  assertEnglish('unknown path', r, data, { apiError: true });
  // 403: our own messages, said in English.
  const agent = new Browser();
  agent.jar.set('postes_lang', 'en');
  await agent.adminLogin(fx.agentName, 'agent-password-1');
  r = await agent.get('/admin/staff');
  assert.equal(r.status, 403);
  assertEnglish('403 agent', r, data);
  r = await en.form('/admin/utilisateurs', { csrf: 'x', nom: 'X', prenom: 'Y' });
  assert.equal(r.status, 403);
  assertEnglish('403 CSRF', r, data);
  // Forms shown again with the page's own messages...
  r = await en.submit('/admin/reservations', '/admin/reservations',
    { poste_id: String(fx.poste.id), nom: 'Someone', debut: 'tomorrow', fin: '' });
  assert.equal(r.status, 422);
  assertEnglish('reservation without dates', r, data);
  assert.match(r.text, /role="alert">Give the start and the end/);
  r = await en.submit('/admin/sessions', '/admin/sessions', { utilisateur_id: String(fx.user.id), minutes: '0', jours: '3' });
  assert.equal(r.status, 422);
  assertEnglish('session minutes 0', r, data);
  assert.match(r.text, /role="alert">Field “duration \(minutes\)”: a whole number between 1 and 720/);
  r = await en.submit('/admin/sessions', '/admin/sessions', { utilisateur_id: '', minutes: '30', jours: '3' });
  assert.equal(r.status, 422);
  assertEnglish('session without a person', r, data);
  r = await en.submit('/admin/sessions', `/admin/sessions/${fx.sess.id}/prolonger`, { minutes: 'x' });
  assert.equal(r.status, 422);
  assertEnglish('extend x minutes', r, data);
  // ... and with the API's (quoted, left out of the check).
  r = await en.submit('/admin/utilisateurs', '/admin/utilisateurs', { nom: '', prenom: 'Y', email: '', telephone: '', notes: '' });
  assert.equal(r.status, 422);
  assertEnglish('person refused by the API', r, data, { apiError: true });
  r = await en.submit('/admin/categories', '/admin/categories', { code: 'Bad Code', nom: 'x', quota_jour: '', quota_semaine: '', duree_defaut: '60' });
  assert.equal(r.status, 422);
  assertEnglish('category refused by the API', r, data, { apiError: true });
  // The page that shows a new token once.
  const nom = `PC ${L.uniq('')}`;
  r = await en.submit('/admin/postes', '/admin/postes', { nom, emplacement: '' });
  assert.equal(r.status, 200);
  assert.match(r.text, /<p class="token">/);
  assertEnglish('token page', r, [nom, ...data]);
  // Each flash message of pages.c, on the overview.
  const src = readFileSync(`${L.ROOT}fcgi-api/admin/pages.c`, 'utf8');
  const keys = [.../flashes\[\] = \{([\s\S]*?)\n\};/.exec(src)[1].matchAll(/\{\s*"(\w+)",/g)].map((m) => m[1]);
  assert.ok(keys.length >= 20, `${keys.length} flash messages`);
  for (const k of keys) {
    r = await L.request('GET', '/admin/', { cookie: `${en.cookie}; postes_flash=${k}` });
    const f = /<p class="flash" role="status">([^<]*)<\/p>/.exec(r.text);
    assert.ok(f, `flash ${k} shown`);
    assertEnglish(`flash ${k}`, r, data);
  }
});

test('French stays French: the same pages with postes_lang=fr or no cookie', async () => {
  const plain = new Browser();
  await plain.adminLogin(L.ADMIN_USER, L.ADMIN_PASSWORD);
  for (const b of [fr, plain]) {
    const home = await b.get('/admin/');
    assert.match(home.text, /<html lang="fr">/);
    assert.match(home.text, /<title>Tableau de bord · Postes — administration<\/title>/);
    assert.match(home.text, />Réservations<\/a>/);
    assert.match(home.text, /<dt>Terminées aujourd&#39;hui<\/dt>/);
    assert.match(home.text, /<dt>Postes occupés<\/dt>/);
    assert.match(home.text, /<p>Mis à jour le \d\d\/\d\d\/\d{4} à \d\d:\d\d — rechargez la page pour actualiser\.<\/p>/);
  }
  const get = async (p) => (await fr.get(p)).text;
  assert.match(await get('/admin/invites?per_page=1'), /<p>\d+ résultats — page 1 sur \d+<\/p>/);
  assert.match(await get('/admin/invites?per_page=1'), />Suivante →<\/button>/);
  assert.match(await get('/admin/utilisateurs'), /Rechercher \(début du nom, du prénom ou de l&#39;adresse\)/);
  assert.match(await get('/admin/utilisateurs'), /<legend>Identité<\/legend>/);
  assert.match(await get('/admin/invites'), /<legend>Créer des passes<\/legend>/);
  assert.match(await get('/admin/invites'), /Des codes anonymes pour les visiteurs de passage/);
  assert.match(await get('/admin/sites'), />Fermé<\/td>/);
  assert.match(await get('/admin/sites'), /Ouvert, ferme le \d\d\/\d\d\/\d{4} à \d\d:\d\d/);
  assert.match(await get('/admin/categories'), /Durées en minutes ; un quota vide veut dire « aucun »\./);
  assert.match(await get('/admin/categories'), /Nouvelle catégorie/);
  assert.match(await get('/admin/staff'), /<legend>Compte du personnel<\/legend>/);
  const m = await get('/admin/messages');
  assert.match(m, /Tous les postes d&#39;un site/);
  assert.match(m, /<th scope="col">Envoyé<\/th>/);
  assert.match(m, /Annonce au personnel/);
  const res = await get('/admin/reservations');
  assert.match(res, /<h2>Réserver un poste<\/h2>/);
  assert.match(res, /<legend>Créneau<\/legend>/);
  assert.match(res, /N° de la personne inscrite/);
  assert.match(res, />annulée</);
  assert.match(await get(`/admin/sessions/${fx.sess.id}/ticket`), /\(reste 50 min\)/);
  assert.match(await get(`/admin/sessions/${fx.sess.id}/ticket`), /Valable jusqu'au <strong>\d\d\/\d\d\/\d{4} à \d\d:\d\d<\/strong>/);
  const st = await get('/admin/statistiques');
  assert.match(st, /<th scope="row">lun\.<\/th>/);
  const nf = await fr.get('/admin/staff/999999');
  assert.equal(nf.status, 404);
  assert.match(nf.text, /<title>Introuvable · /);
  assert.match(nf.text, /<a href="\/admin\/">Retour à l'accueil<\/a>/);
  const s = await fr.submit('/admin/sessions', '/admin/sessions', { utilisateur_id: String(fx.user.id), minutes: '0', jours: '3' });
  assert.match(s.text, /role="alert">Champ « durée \(minutes\) » : nombre entier entre 1 et 720/);
  const f = await L.request('GET', '/admin/', { cookie: `${fr.cookie}; postes_flash=resa_created` });
  assert.match(f.text, /<p class="flash" role="status">La réservation a été enregistrée\.<\/p>/);
});
