// api-stats-summary.test.mjs - the statistics read per-period summaries
// (db/migrations/006_stats_summary.sql, kept by triggers on sessions):
// on generated history (postes-api demo-stats), then after the rows are
// changed the ways the desk changes them (time used corrected, started_at
// moved, category changed, sessions anonymised, a session deleted, some
// sessions started at night so that they fall on the edges between a
// local day and a UTC day), every report must equal a direct computation
// over the sessions table done here in JavaScript, and the summary tables
// must equal a GROUP BY over sessions.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as L from './lib.mjs';

let staff;
before(async () => { staff = await L.admin(); });

const DAY = 24 * 3600 * 1000;
// Many rows (the bench's history may be there too): a larger buffer than L.sql's.
const sqlBig = (query) => execFileSync('mariadb', [`--socket=${process.env.POSTES_DB_SOCKET}`, '-uroot',
  '--batch', '--skip-column-names', 'postes', '-e', query], { encoding: 'utf8', maxBuffer: 1 << 30 })
  .split('\n').filter((l) => l !== '').map((l) => l.split('\t').map((v) => (v === 'NULL' ? null : v)));
const ymd = (ms) => new Date(ms).toISOString().slice(0, 10);

// What the summaries must hold: the GROUP BY they stand for.
function summariesMatch() {
  const h = sqlBig(`SELECT h, categorie_id, n, sec FROM stats_heures WHERE n <> 0 OR sec <> 0 ORDER BY 1, 2`);
  const hd = sqlBig(`SELECT TIMESTAMPDIFF(HOUR, '1970-01-01', started_at), categorie_id, COUNT(*),
    SUM(GREATEST(0, CAST(duree_totale AS SIGNED) - CAST(temps_restant AS SIGNED)))
    FROM sessions WHERE statut <> 'active' AND started_at IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2`);
  assert.deepEqual(h, hd, 'stats_heures differs from sessions');
  const j = sqlBig(`SELECT j, poste_id, n, sec FROM stats_postes_jours WHERE n <> 0 OR sec <> 0 ORDER BY 1, 2`);
  const jd = sqlBig(`SELECT TIMESTAMPDIFF(DAY, '1970-01-01', started_at), COALESCE(poste_id, 0), COUNT(*),
    SUM(GREATEST(0, CAST(duree_totale AS SIGNED) - CAST(temps_restant AS SIGNED)))
    FROM sessions WHERE statut <> 'active' AND started_at IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2`);
  assert.deepEqual(j, jd, 'stats_postes_jours differs from sessions');
}

// Every report over [du, au] against the sessions themselves.
async function reportsMatch(du, au, least = 100) {
  const q = `du=${du}&au=${au}`;
  const act = L.expectStatus(await staff.get(`/api/stats/activite?${q}&pas=jour`), 200);
  const after = L.expectStatus(await staff.get(
    `/api/stats/activite?du=${ymd(Date.parse(au) + DAY)}&au=${ymd(Date.parse(au) + DAY)}`), 200);
  const bounds = act.series.map((b) => Date.parse(b.debut) / 1000);
  const from = bounds[0];
  const to = Date.parse(after.series[0].debut) / 1000;
  bounds.push(to);
  const rows = sqlBig(`SELECT TIMESTAMPDIFF(SECOND, '1970-01-01', s.started_at), COALESCE(s.poste_id, 0),
      s.categorie_id, s.utilisateur_id, GREATEST(0, CAST(s.duree_totale AS SIGNED) - CAST(s.temps_restant AS SIGNED)),
      p.site_id, s.statut
    FROM sessions s LEFT JOIN postes p ON p.id = s.poste_id
    WHERE s.started_at >= FROM_UNIXTIME(${from}) AND s.started_at < FROM_UNIXTIME(${to})`)
    .map(([t, poste, cat, uid, used, site, statut]) => ({ t: Number(t), poste: Number(poste), cat: Number(cat),
      uid, used: Number(used), site, statut }));
  assert.ok(rows.length >= least, `history in range: ${rows.length}`);
  assert.ok(rows.every((r) => r.statut !== 'active'), 'a running session in a past range');

  // Activity by day, and the total.
  const want = bounds.slice(0, -1).map(() => ({ n: 0, sec: 0, p: new Set() }));
  for (const r of rows) {
    let i = 0;
    while (bounds[i + 1] <= r.t) i++;
    want[i].n++; want[i].sec += r.used; if (r.uid !== null) want[i].p.add(r.uid);
  }
  act.series.forEach((b, i) => {
    assert.deepEqual([b.sessions, b.secondes, b.personnes], [want[i].n, want[i].sec, want[i].p.size], b.periode);
  });
  const people = new Set(rows.filter((r) => r.uid !== null).map((r) => r.uid));
  assert.deepEqual([act.total.sessions, act.total.secondes, act.total.personnes],
    [rows.length, rows.reduce((a, r) => a + r.used, 0), people.size], 'total');
  for (const pas of ['semaine', 'mois']) {
    const a = L.expectStatus(await staff.get(`/api/stats/activite?${q}&pas=${pas}`), 200);
    assert.equal(a.series.reduce((x, b) => x + b.sessions, 0), rows.length, pas);
    assert.equal(a.series.reduce((x, b) => x + b.secondes, 0), act.total.secondes, pas);
    assert.deepEqual(a.total, act.total, pas);
  }

  // Per poste.
  const postes = L.expectStatus(await staff.get(`/api/stats/postes?${q}`), 200);
  const byPoste = new Map();
  for (const r of rows) {
    const x = byPoste.get(r.poste) || { n: 0, sec: 0 };
    x.n++; x.sec += r.used; byPoste.set(r.poste, x);
  }
  for (const [poste, x] of byPoste) {
    if (poste === 0) continue;
    const got = postes.postes.find((p) => p.poste_id === poste);
    assert.ok(got, `poste ${poste} missing`);
    assert.deepEqual([got.sessions, got.secondes], [x.n, x.sec], `poste ${poste}`);
  }
  for (const p of postes.postes)
    if (!byPoste.has(p.poste_id)) assert.deepEqual([p.sessions, p.secondes], [0, 0], `poste ${p.poste_id}`);

  // Heatmap: local weekday and hour of the start.
  const tz = act.fuseau;
  const fmt = new Intl.DateTimeFormat('en-GB', { timeZone: tz, weekday: 'short', hour: '2-digit', hourCycle: 'h23' });
  const wd = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };
  const cells = new Map();
  for (const r of rows) {
    const parts = Object.fromEntries(fmt.formatToParts(new Date(r.t * 1000)).map((x) => [x.type, x.value]));
    const k = `${wd[parts.weekday]}/${Number(parts.hour)}`;
    const x = cells.get(k) || { n: 0, sec: 0 };
    x.n++; x.sec += r.used; cells.set(k, x);
  }
  const hm = L.expectStatus(await staff.get(`/api/stats/heures?${q}`), 200);
  for (const c of hm.cellules) {
    const x = cells.get(`${c.jour}/${c.heure}`) || { n: 0, sec: 0 };
    assert.deepEqual([c.sessions, c.secondes], [x.n, x.sec], `cell ${c.jour}/${c.heure}`);
  }

  // Categories and sites, with distinct people.
  const group = (key, list = rows) => {
    const m = new Map();
    for (const r of list) {
      const k = r[key] === null ? 'null' : String(r[key]);
      const x = m.get(k) || { n: 0, sec: 0, p: new Set() };
      x.n++; x.sec += r.used; if (r.uid !== null) x.p.add(r.uid); m.set(k, x);
    }
    return m;
  };
  const cats = L.expectStatus(await staff.get(`/api/stats/categories?${q}`), 200);
  const wc = group('cat');
  for (const c of cats.categories) {
    const x = wc.get(String(c.categorie_id)) || { n: 0, sec: 0, p: new Set() };
    assert.deepEqual([c.sessions, c.secondes, c.personnes], [x.n, x.sec, x.p.size], `category ${c.code}`);
  }
  const sites = L.expectStatus(await staff.get(`/api/stats/sites?${q}`), 200);
  // A site's sessions are those on its postes (a session without poste has no site).
  const onPoste = rows.filter((r) => r.poste !== 0);
  const ws = group('site', onPoste);
  assert.equal(sites.sites.reduce((a, s) => a + s.sessions, 0), onPoste.length, 'sites: every session on a poste');
  for (const s of sites.sites) {
    const x = ws.get(s.site_id === null ? 'null' : String(s.site_id));
    assert.ok(x, `site ${s.site_id}`);
    assert.deepEqual([s.sessions, s.secondes, s.personnes], [x.n, x.sec, x.p.size], `site ${s.nom}`);
  }
}

test('the summaries answer what the sessions say, through every change', async () => {
  execFileSync(`${L.BUILD}/postes-api`, ['demo-stats', '4000'], { env: process.env, stdio: 'ignore' });
  summariesMatch();
  const du = ymd(Date.now() - 60 * DAY);
  const au = ymd(Date.now() - DAY);
  await reportsMatch(du, au);

  // The changes the desk makes, each through the triggers.
  const ids = L.sql(`SELECT id FROM sessions WHERE code = 'DEMO00' AND started_at >= '${du}'
    AND started_at < '${au}' ORDER BY id DESC LIMIT 40`).map((r) => Number(r[0]));
  assert.equal(ids.length, 40);
  // Time used corrected, started at night (the edges of a local day
  // are 22:00 or 23:00 UTC in Paris), moved to another day, category changed.
  L.sql(`UPDATE sessions SET temps_restant = 0 WHERE id IN (${ids.slice(0, 5)})`);
  L.sql(`UPDATE sessions SET started_at = CONCAT(DATE(started_at), ' 22:30:00') WHERE id IN (${ids.slice(5, 12)})`);
  L.sql(`UPDATE sessions SET started_at = CONCAT(DATE(started_at), ' 23:40:00') WHERE id IN (${ids.slice(12, 18)})`);
  L.sql(`UPDATE sessions SET started_at = started_at - INTERVAL 3 DAY, categorie_id = 2 WHERE id IN (${ids.slice(18, 24)})`);
  // Anonymised (RGPD): hours stay, the person goes.
  L.sql(`UPDATE sessions SET utilisateur_id = NULL, anonymise = 1 WHERE id IN (${ids.slice(24, 30)})`);
  // No poste any more, and one deleted.
  L.sql(`UPDATE sessions SET poste_id = NULL WHERE id IN (${ids.slice(30, 33)})`);
  L.sql(`DELETE FROM sessions WHERE id = ${ids[33]}`);
  // A new ended session inserted at a local-day edge.
  L.sql(`INSERT INTO sessions (utilisateur_id, categorie_id, poste_id, code, statut, raison, duree_totale,
      temps_restant, valide_jusqu, created_at, started_at, ended_at, updated_at)
    SELECT utilisateur_id, categorie_id, poste_id, 'DEMO00', 'terminee', 'fermeture_normale', 3600, 600,
      '${au} 23:00', '${au} 21:59:59', '${au} 21:59:59', '${au} 22:49', '${au} 22:49' FROM sessions WHERE id = ${ids[34]}`);
  summariesMatch();
  await reportsMatch(du, au);
  // A range shorter than a UTC day's worth of whole days: the edges only.
  await reportsMatch(au, au, 1);  // at least the session inserted on au
});
