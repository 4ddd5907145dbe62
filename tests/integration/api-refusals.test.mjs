// api-refusals.test.mjs - every way a request is refused: the status, the
// error code, the JSON error shape, and the database left as it was.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as L from './lib.mjs';

let staff;
before(async () => { staff = await L.admin(); });

const snapshot = L.dbFingerprint;

async function unchanged(fn, opts) {
  const a = snapshot(opts);
  const r = await fn();
  assert.deepEqual(snapshot(opts), a, 'the database changed');
  return r;
}

function refused(r, status, code, what = '') {
  assert.equal(r.status, status, `${what}: ${r.text}`);
  assert.match(r.headers.get('content-type') || '', /^application\/json/, what);
  assert.ok(r.json && typeof r.json === 'object', `${what}: JSON body`);
  assert.deepEqual(Object.keys(r.json), ['error'], what);
  assert.deepEqual(Object.keys(r.json.error).sort(), ['code', 'message'], what);
  assert.equal(typeof r.json.error.message, 'string');
  assert.ok(r.json.error.message.length > 0);
  if (code) assert.equal(r.json.error.code, code, what);
}

const post = (path, opts) => L.request('POST', path, { cookie: staff.cookie, ...opts });

test('malformed JSON, arrays, trailing garbage: 400 invalid_json, nothing written', async () => {
  const bodies = ['{"nom":', '{nom: "x"}', "{'nom':'x'}", '[]', '[{"nom":"x","prenom":"y"}]',
    '"texte"', '42', 'null', '{"nom":"x","prenom":"y"} x', '{"nom":"x","prenom":"y"}{}',
    '{"nom":"x","prenom":"y",}', '{"nom":"x" "prenom":"y"}', '\u00ef\u00bb\u00bf{}'];
  await unchanged(async () => {
    for (const raw of bodies) {
      refused(await post('/api/utilisateurs', { raw }), 400, 'invalid_json', raw);
      refused(await post('/api/sessions', { raw }), 400, 'invalid_json', raw);
    }
    // Nesting beyond the parser's depth limit.
    const deep = `{"nom":${'['.repeat(40)}${']'.repeat(40)},"prenom":"x"}`;
    refused(await post('/api/utilisateurs', { raw: deep }), 400, 'invalid_json', 'deep');
    // A raw NUL byte inside the body.
    refused(await post('/api/utilisateurs', { raw: Buffer.from('{"nom":"a\0b","prenom":"x"}'),
      type: 'application/json' }), 400, 'invalid_json', 'NUL byte');
  });
});

test('wrong types, unknown and missing fields, limits, bad text: 422, nothing written', async () => {
  const u = (o) => ({ nom: 'Martin', prenom: 'Paul', ...o });
  const cases = [
    // [body, error code, field named in the message]
    [u({ nom: 5 }), 'validation_error', 'nom'],
    [u({ prenom: true }), 'validation_error', 'prenom'],
    [u({ nom: null }), 'validation_error', 'nom'],
    [u({ nom: ['a'] }), 'validation_error', 'nom'],
    [u({ nom: { a: 1 } }), 'validation_error', 'nom'],
    [u({ email: 12 }), 'validation_error', 'email'],
    [u({ age: 30 }), 'unknown_field', null],
    [u({ Nom: 'x' }), 'unknown_field', null],
    [{ prenom: 'Paul' }, 'validation_error', 'nom'],
    [{ nom: 'Martin' }, 'validation_error', 'prenom'],
    [{}, 'validation_error', 'nom'],
    [u({ nom: 'a'.repeat(101) }), 'validation_error', 'nom'],
    [u({ prenom: 'é'.repeat(101) }), 'validation_error', 'prenom'],
    [u({ notes: 'n'.repeat(1001) }), 'validation_error', 'notes'],
    [u({ nom: '' }), 'validation_error', 'nom'],
    [u({ nom: '   ' }), 'validation_error', 'nom'],
    [u({ email: 'pas-une-adresse' }), 'validation_error', 'email'],
    [u({ email: 'a@b' }), 'validation_error', 'email'],
    [u({ email: '@exemple.fr' }), 'validation_error', 'email'],
    [u({ email: 'a b@exemple.fr' }), 'validation_error', 'email'],
    [u({ email: 'a@@exemple.fr' }), 'validation_error', 'email'],
    [u({ email: '<a@exemple.fr>' }), 'validation_error', 'email'],
    [u({ email: `${'a'.repeat(250)}@x.fr` }), 'validation_error', 'email'],
    [u({ telephone: 'appelez-moi' }), 'validation_error', 'telephone'],
    [u({ telephone: '12' }), 'validation_error', 'telephone'],
    [u({ nom: 'a\u0001b' }), 'validation_error', 'nom'],
    [u({ nom: 'a\nb' }), 'validation_error', 'nom'],
    [u({ nom: 'a\tb' }), 'validation_error', 'nom'],
    [u({ nom: 'a\u007fb' }), 'validation_error', 'nom'],
    [u({ nom: 'a\u0085b' }), 'validation_error', 'nom'],
    [u({ notes: 'bip\u0007' }), 'validation_error', 'notes'],
    [u({ actif: true }), 'validation_error', 'actif'],
  ];
  await unchanged(async () => {
    for (const [body, code, field] of cases) {
      const r = await staff.post('/api/utilisateurs', body);
      refused(r, 422, code, JSON.stringify(body).slice(0, 80));
      if (field) assert.match(r.json.error.message, new RegExp(`« ${field} »`));
    }
    // Invalid UTF-8 inside a JSON string.
    for (const bad of [[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf8, 0x88, 0x80, 0x80, 0x80]]) {
      const raw = Buffer.concat([Buffer.from('{"nom":"a'), Buffer.from(bad), Buffer.from('b","prenom":"x"}')]);
      const r = await post('/api/utilisateurs', { raw, type: 'application/json' });
      refused(r, 422, 'validation_error', `bytes ${bad}`);
    }
    // Sessions: types, ranges, dates.
    const { id: uid } = await staff.get('/api/utilisateurs?per_page=1').then((r) => r.json.results[0]);
    const s = (o) => ({ utilisateur_id: uid, duree: 3600, ...o });
    const now = Date.now();
    for (const [body, field] of [
      [s({ duree: '3600' }), 'duree'], [s({ duree: 3600.5 }), 'duree'],
      [s({ duree: true }), 'duree'], [s({ duree: -1 }), 'duree'], [s({ duree: 0 }), 'duree'],
      [s({ duree: 59 }), 'duree'], [s({ duree: 43201 }), 'duree'], [s({ duree: 2 ** 53 }), 'duree'],
      [s({ utilisateur_id: '1' }), 'utilisateur_id'], [s({ utilisateur_id: 0 }), 'utilisateur_id'],
      [s({ utilisateur_id: -5 }), 'utilisateur_id'], [s({ utilisateur_id: null }), 'utilisateur_id'],
      [{ duree: 3600 }, 'utilisateur_id'], [s({ duree: null }), 'duree'],
      [s({ valide_jusqu: 1893456000 }), 'valide_jusqu'], [s({ valide_jusqu: 'demain' }), 'valide_jusqu'],
      [s({ valide_jusqu: '2027-02-30T10:00:00Z' }), 'valide_jusqu'],
      [s({ valide_jusqu: '2027-01-01T25:00:00Z' }), 'valide_jusqu'],
      [s({ valide_jusqu: L.iso(now - 60e3) }), 'valide_jusqu'],
      [s({ valide_jusqu: L.iso(now - 1000) }), 'valide_jusqu'],
      [s({ valide_jusqu: L.iso(now + 91 * 86400e3) }), 'valide_jusqu'],
    ]) {
      const r = await staff.post('/api/sessions', body);
      refused(r, 422, 'validation_error', JSON.stringify(body));
      assert.match(r.json.error.message, new RegExp(`« ${field} »`));
    }
    refused(await staff.post('/api/sessions', s({ code: 'ABCDEF' })), 422, 'unknown_field');
    // A number written as a float is not an integer, even when whole.
    for (const raw of [`{"utilisateur_id":${uid},"duree":6e2}`, `{"utilisateur_id":${uid},"duree":600.0}`,
      `{"utilisateur_id":${uid}.0,"duree":600}`]) {
      refused(await post('/api/sessions', { raw }), 422, 'validation_error', raw);
    }
    // Staff accounts and postes.
    for (const body of [
      { username: 'a b', nom: 'X', role: 'agent', password: 'assez-long-pw' },
      { username: 'é', nom: 'X', role: 'agent', password: 'assez-long-pw' },
      { username: L.uniq('ag'), nom: 'X', role: 'root', password: 'assez-long-pw' },
      { username: L.uniq('ag'), nom: 'X', role: 'agent', password: 'court' },
      { username: L.uniq('ag'), nom: 'X', role: 'agent' },
    ]) refused(await staff.post('/api/staff', body), 422, 'validation_error', JSON.stringify(body));
    refused(await staff.post('/api/postes', { nom: 'p'.repeat(65) }), 422, 'validation_error');
    refused(await staff.post('/api/postes', { nom: 'ok', token: 'x' }), 422, 'unknown_field');
  });
  // The same limits, met exactly, are accepted.
  let r = await staff.post('/api/utilisateurs', { nom: 'é'.repeat(100), prenom: L.uniq('p').padEnd(100, 'x') });
  assert.equal(r.status, 201, r.text);
  r = await staff.post('/api/utilisateurs', { nom: L.uniq('Notes'), prenom: 'x', notes: 'ligne 1\nligne 2\ttab' });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.notes, 'ligne 1\nligne 2\ttab');
  const uid = r.json.id;
  for (const duree of [60, 43200]) {
    r = await staff.post('/api/sessions', { utilisateur_id: uid, duree });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.temps_restant, duree);
  }
  r = await staff.post('/api/sessions', { utilisateur_id: uid, duree: 600,
    valide_jusqu: L.iso(Date.now() + 89 * 86400e3) });
  assert.equal(r.status, 201, r.text);
  // An update with one bad field changes nothing of the row.
  const row = () => L.sql(`SELECT nom, prenom, email, notes, actif, updated_at FROM utilisateurs WHERE id = ${uid}`);
  const b4 = row();
  for (const body of [{ nom: '' }, { email: 'x' }, { nom: 'Ok', prenom: 5 }, { actif: 'non' }, { id: 3 }]) {
    r = await staff.patch(`/api/utilisateurs/${uid}`, body);
    assert.equal(r.status, 422, JSON.stringify(body));
  }
  assert.deepEqual(row(), b4);
});

test('an escaped NUL (\\u0000) in a string is refused, not silently truncated', async () => {
  const nom = L.uniq('Nul');
  const r = await staff.post('/api/utilisateurs', { nom: `${nom}\u0000suite`, prenom: 'x' });
  refused(r, 422, 'validation_error');
  assert.equal(L.sqlOne(`SELECT COUNT(*) FROM utilisateurs WHERE nom = ${L.lit(nom)}`), '0');
  refused(await staff.post('/api/postes', { nom: `${nom}\u0000` }), 422, 'validation_error');
});

test('a body over 64 KiB: 413, nothing written', async () => {
  await unchanged(async () => {
    const big = JSON.stringify({ nom: 'x'.repeat(65536), prenom: 'y' });
    refused(await staff.post('/api/utilisateurs', JSON.parse(big)), 413, 'payload_too_large');
    refused(await post('/api/sessions', { raw: ' '.repeat(65537) }), 413, 'payload_too_large');
    refused(await post('/api/postes', { raw: `{"nom":"${'z'.repeat(70000)}"}` }), 413, 'payload_too_large');
    // Just under the limit, the field's own limit speaks.
    const under = `{"nom":"${'x'.repeat(65000)}","prenom":"y"}`;
    refused(await post('/api/utilisateurs', { raw: under }), 422, 'validation_error');
  });
});

test('a body that is not application/json: 415, nothing written', async () => {
  const body = JSON.stringify({ nom: L.uniq('Ct'), prenom: 'x' });
  await unchanged(async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x',
      'application/jsonp', 'application/json-patch+json', 'text/json', 'application/xml']) {
      refused(await post('/api/utilisateurs', { raw: body, type }), 415, 'unsupported_media_type', type);
    }
    // No Content-Type at all (a byte body gets none from fetch).
    refused(await post('/api/utilisateurs', { raw: Buffer.from(body), type: null }), 415, 'unsupported_media_type');
    // No body where one is required.
    refused(await post('/api/utilisateurs'), 415, 'unsupported_media_type');
    refused(await post('/api/sessions'), 415, 'unsupported_media_type');
    // A body where none is taken.
    refused(await L.request('DELETE', '/api/utilisateurs/4294967295', { cookie: staff.cookie, body: {} }),
      400, 'unexpected_body');
  });
  // With parameters and any case, it is JSON.
  const r = await post('/api/utilisateurs', { raw: body, type: 'Application/JSON; charset=utf-8' });
  assert.equal(r.status, 201, r.text);
});

test('unknown routes 404, wrong method 405 with Allow, bad and unknown ids 404', async () => {
  const c = staff.cookie;
  await unchanged(async () => {
    for (const p of ['/api/nope', '/api/', '/api/utilisateurs/1/extra', '/api/sessions/1/explode',
      '/api/kiosk', '/api/kiosk/', '/api/dashboard', '/api/auth', '/api/UTILISATEURS', '/api//utilisateurs']) {
      refused(await L.request('GET', p, { cookie: c }), 404, 'not_found', p);
      refused(await L.request('GET', p), 404, 'not_found', `${p} anonymous`);
    }
    for (const [m, p, allow] of [
      ['PUT', '/api/utilisateurs', 'GET, POST'], ['DELETE', '/api/utilisateurs', 'GET, POST'],
      ['POST', '/api/utilisateurs/1', 'GET, PATCH, DELETE'], ['PUT', '/api/postes/1', 'GET, PATCH, DELETE'],
      ['DELETE', '/api/sessions/1', 'GET'], ['GET', '/api/sessions/1/extend', 'POST'],
      ['GET', '/api/kiosk/start', 'POST'], ['POST', '/api/kiosk/session', 'GET'],
      ['PATCH', '/api/auth/me', 'GET'], ['GET', '/api/auth/login', 'POST'],
      ['DELETE', '/api/dashboard/stats', 'GET'], ['POST', '/api/events', 'GET'], ['POST', '/api/health', 'GET'],
      ['PUT', '/api/staff/1', 'GET, PATCH, DELETE'], ['GET', '/api/postes/1/token', 'POST'],
    ]) {
      for (const cookie of [c, undefined]) {
        const r = await L.request(m, p, { cookie });
        refused(r, 405, 'method_not_allowed', `${m} ${p}`);
        assert.equal(r.headers.get('allow'), allow, `${m} ${p}`);
      }
    }
    // Ids in paths: positive decimal integers below 2^32 only.
    for (const id of ['abc', '0', '00', '-1', '1.5', '01', '1e3', '0x10', '4294967296',
      '99999999999999999999', '%201', '+1']) {
      refused(await L.request('GET', `/api/utilisateurs/${id}`, { cookie: c }), 404, 'not_found', `id ${id}`);
      refused(await L.request('POST', `/api/sessions/${id}/extend`, { cookie: c, body: { duree: 60 } }),
        404, 'not_found', `extend id ${id}`);
    }
    // Well-formed ids that name nothing.
    const none = 4294967295;
    for (const [m, p, body] of [
      ['GET', `/api/utilisateurs/${none}`], ['PATCH', `/api/utilisateurs/${none}`, { nom: 'x' }],
      ['DELETE', `/api/utilisateurs/${none}`],
      ['GET', `/api/postes/${none}`], ['PATCH', `/api/postes/${none}`, { nom: 'x' }],
      ['DELETE', `/api/postes/${none}`], ['POST', `/api/postes/${none}/token`],
      ['POST', `/api/postes/${none}/maintenance`, { maintenance: true }],
      ['GET', `/api/sessions/${none}`], ['POST', `/api/sessions/${none}/extend`, { duree: 60 }],
      ['POST', `/api/sessions/${none}/suspend`], ['POST', `/api/sessions/${none}/terminate`],
      ['GET', `/api/staff/${none}`], ['PATCH', `/api/staff/${none}`, { nom: 'x' }],
      ['DELETE', `/api/staff/${none}`],
    ]) refused(await L.request(m, p, { cookie: c, body }), 404, 'not_found', `${m} ${p}`);
    // Query strings: unknown parameters, out-of-range pages, bad escapes.
    for (const [q, st, code] of [
      ['/api/utilisateurs?bogus=1', 422, 'unknown_parameter'], ['/api/utilisateurs?per_page=0', 422, 'validation_error'],
      ['/api/utilisateurs?per_page=201', 422, 'validation_error'], ['/api/utilisateurs?page=0', 422, 'validation_error'],
      ['/api/utilisateurs?page=x', 422, 'validation_error'], ['/api/utilisateurs?actif=peut-etre', 422, 'validation_error'],
      ['/api/utilisateurs?q=' + 'q'.repeat(101), 422, 'validation_error'], ['/api/utilisateurs?q=%zz', 400, 'bad_query'],
      ['/api/sessions?statut=finie', 422, 'validation_error'], ['/api/sessions?poste_id=abc', 422, 'validation_error'],
      ['/api/postes?etat=cassé', 422, 'validation_error'], ['/api/staff?actif=2', 422, 'validation_error'],
      ['/api/events?channel=bogus', 404, 'unknown_channel'], ['/api/events?channel=sessions/0', 404, 'unknown_channel'],
      ['/api/events?channel=sessions/abc', 404, 'unknown_channel'], ['/api/events', 422, 'validation_error'],
      ['/api/events?channel=dashboard&since=-1', 422, 'validation_error'],
      ['/api/events?channel=dashboard&limit=201', 422, 'validation_error'],
      ['/api/dashboard/stats?x=1', 200, null],
    ]) {
      const r = await L.request('GET', q, { cookie: c });
      if (st === 200) assert.equal(r.status, 200, q);
      else refused(r, st, code, q);
    }
  });
});

test('session transitions refused: 409/422, the session unchanged', async () => {
  const row = (id) => L.sql(`SELECT statut, raison, temps_restant, duree_totale, fin_prevue,
    valide_jusqu, poste_id, updated_at FROM sessions WHERE id = ${id}`);
  const s = await L.newSession(staff, { duree: 600 });
  // Nothing to suspend while waiting.
  let b4 = row(s.id);
  await unchanged(async () => {
    refused(await staff.post(`/api/sessions/${s.id}/suspend`), 409, 'invalid_state');
    refused(await staff.post(`/api/sessions/${s.id}/terminate`, { raison: 'temps_ecoule' }), 422, 'validation_error');
    refused(await staff.post(`/api/sessions/${s.id}/terminate`, { raison: 'expiree' }), 422, 'validation_error');
    refused(await staff.post(`/api/sessions/${s.id}/terminate`, { motif: 'x' }), 422, 'unknown_field');
    refused(await staff.post(`/api/sessions/${s.id}/extend`, {}), 422, 'validation_error');
    refused(await staff.post(`/api/sessions/${s.id}/extend`, { duree: 0 }), 422, 'validation_error');
    refused(await staff.post(`/api/sessions/${s.id}/extend`, { duree: '60' }), 422, 'validation_error');
    // No session beyond 12 hours of balance.
    refused(await staff.post(`/api/sessions/${s.id}/extend`, { duree: 43200 - 600 + 1 }), 422, 'validation_error');
  });
  assert.deepEqual(row(s.id), b4);
  // Exactly to 12 hours is fine.
  let r = await staff.post(`/api/sessions/${s.id}/extend`, { duree: 43200 - 600 });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.temps_restant, 43200);
  // Ended: no more time, no second ending.
  r = await staff.post(`/api/sessions/${s.id}/terminate`, { raison: 'fermeture_normale' });
  assert.equal(r.status, 200);
  assert.equal(r.json.raison, 'fermeture_normale');
  b4 = row(s.id);
  await unchanged(async () => {
    refused(await staff.post(`/api/sessions/${s.id}/extend`, { duree: 60 }), 409, 'invalid_state');
    refused(await staff.post(`/api/sessions/${s.id}/terminate`), 409, 'invalid_state');
    refused(await staff.post(`/api/sessions/${s.id}/suspend`), 409, 'invalid_state');
    // A person who does not exist gets no session.
    refused(await staff.post('/api/sessions', { utilisateur_id: 4294967295, duree: 600 }), 422, 'utilisateur_inactive');
  });
  assert.deepEqual(row(s.id), b4);
  assert.equal(L.sqlOne(`SELECT COUNT(*) FROM events WHERE session_id = ${s.id} AND type = 'session_terminated'`), '1');
});

test('duplicates: 409 with a specific code, nothing written', async () => {
  const email = `${L.uniq('dup')}@exemple.fr`;
  const u = await L.newUtilisateur(staff, { email });
  const p = await L.newPoste(staff);
  const other = await L.newUtilisateur(staff);
  await unchanged(async () => {
    refused(await staff.post('/api/utilisateurs', { nom: 'X', prenom: 'Y', email }), 409, 'email_taken');
    refused(await staff.patch(`/api/utilisateurs/${other.id}`, { email }), 409, 'email_taken');
    refused(await staff.post('/api/postes', { nom: p.nom }), 409, 'nom_taken');
    refused(await staff.post('/api/staff', { username: L.ADMIN_USER, nom: 'X', role: 'agent',
      password: 'assez-long-pw' }), 409, 'username_taken');
  });
  assert.equal(L.sqlOne(`SELECT email FROM utilisateurs WHERE id = ${other.id}`), null);
  assert.ok(u.id);
});

test('staff accounts: no self lock-out, the last admin stays', async () => {
  const me = (await staff.get('/api/auth/me')).json;
  await unchanged(async () => {
    refused(await staff.patch(`/api/staff/${me.id}`, { role: 'agent' }), 409, 'self_lockout');
    refused(await staff.patch(`/api/staff/${me.id}`, { actif: false }), 409, 'self_lockout');
    refused(await staff.del(`/api/staff/${me.id}`), 409, 'self_lockout');
    refused(await staff.post('/api/auth/password', { current: 'faux-mot-de-passe', new: 'nouveau-mot-de-passe' }),
      403, 'invalid_credentials');
    refused(await staff.post('/api/auth/password', { current: L.ADMIN_PASSWORD, new: 'court' }),
      422, 'validation_error');
  });
});

test('kiosk refusals: maintenance, busy poste, code elsewhere, expired, unknown, throttled', async () => {
  const domain = () => snapshot({ withLogs: false });
  const srow = (id) => L.sql(`SELECT statut, poste_id, temps_restant, fin_prevue, updated_at FROM sessions WHERE id = ${id}`);
  const onlyCodeRefused = async (fn) => {
    const since = L.lastEventId();
    const r = await unchanged(fn, { withLogs: false });
    const types = L.sql(`SELECT DISTINCT type FROM events WHERE id > ${since} AND type <> 'poste_status'`).map((x) => x[0]);
    assert.ok(types.every((t) => t === 'code_refused'), `events written: ${types}`);
    return r;
  };
  assert.ok(domain());

  // A poste in maintenance starts nothing.
  const m = await L.newPoste(staff);
  const km = L.kiosk(m.token);
  assert.equal((await staff.post(`/api/postes/${m.id}/maintenance`, { maintenance: true })).status, 200);
  const s1 = await L.newSession(staff);
  let b4 = srow(s1.id);
  await unchanged(async () => {
    refused(await km.post('/api/kiosk/start', { code: s1.code }), 409, 'poste_unavailable');
  }, { withLogs: false });
  assert.deepEqual(srow(s1.id), b4);
  assert.equal(L.sqlOne(`SELECT etat FROM postes WHERE id = ${m.id}`), 'maintenance');

  // A poste runs one session at a time; a busy poste is not put in maintenance.
  const p = await L.newPoste(staff);
  const kp = L.kiosk(p.token);
  assert.equal((await kp.post('/api/kiosk/start', { code: s1.code })).status, 200);
  const s2 = await L.newSession(staff);
  b4 = srow(s2.id);
  await unchanged(async () => {
    refused(await kp.post('/api/kiosk/start', { code: s2.code }), 409, 'poste_busy');
    refused(await staff.post(`/api/postes/${p.id}/maintenance`, { maintenance: true }), 409, 'poste_busy');
    refused(await staff.patch(`/api/postes/${p.id}`, { actif: false }), 409, 'poste_busy');
  }, { withLogs: false });
  assert.deepEqual(srow(s2.id), b4);

  // A code running on one poste is refused on another.
  const q = await L.newPoste(staff);
  const kq = L.kiosk(q.token);
  const a4 = srow(s1.id);
  await onlyCodeRefused(async () => {
    refused(await kq.post('/api/kiosk/validate', { code: s1.code }), 409, 'session_en_cours_ailleurs');
    refused(await kq.post('/api/kiosk/start', { code: s1.code }), 409, 'session_en_cours_ailleurs');
  });
  assert.deepEqual(srow(s1.id), a4);
  assert.equal(L.sqlOne(`SELECT etat FROM postes WHERE id = ${q.id}`), 'hors_ligne');
  // The dashboard hears about refused codes.
  assert.ok(Number(L.sqlOne(`SELECT COUNT(*) FROM events WHERE type = 'code_refused' AND poste_id = ${q.id}`)) >= 2);

  // A code past its validity: 410 (the clock, which would expire it, is stopped).
  const s3 = await L.newSession(staff);
  await L.withClockStopped(async () => {
    L.sql(`UPDATE sessions SET valide_jusqu = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE id = ${s3.id}`);
    b4 = srow(s3.id);
    await onlyCodeRefused(async () => {
      refused(await kq.post('/api/kiosk/validate', { code: s3.code }), 410, 'code_expire');
      refused(await kq.post('/api/kiosk/start', { code: s3.code }), 410, 'code_expire');
    });
    assert.deepEqual(srow(s3.id), b4);
    assert.equal(b4[0][0], 'en_attente');
    // Leave nothing for the clock to do when it comes back.
    assert.equal((await staff.post(`/api/sessions/${s3.id}/terminate`)).status, 200);
  });

  // Unknown or malformed codes.
  const codes = ['ZZZZZ2', 'abc', 'OOOOOO', 'ABC-12', 'ABCDEFG'];
  // a dedicated poste per code keeps clear of the throttle
  const ks = [];
  for (let i = 0; i < codes.length; i++) ks.push(L.kiosk((await L.newPoste(staff)).token));
  await onlyCodeRefused(async () => {
    for (let i = 0; i < codes.length; i++)
      refused(await ks[i].post('/api/kiosk/validate', { code: codes[i] }), 404, 'code_inconnu', codes[i]);
  });
  refused(await kq.post('/api/kiosk/validate', {}), 422, 'validation_error');
  refused(await kq.post('/api/kiosk/validate', { code: 123456 }), 422, 'validation_error');
  refused(await kq.post('/api/kiosk/start', { code: 'x'.repeat(33) }), 422, 'validation_error');
  refused(await kq.post('/api/kiosk/heartbeat', { etat: 'ok' }), 422, 'unknown_field');
  refused(await kq.post('/api/kiosk/end', { x: 1 }), 422, 'unknown_field');
});

test('code guessing: 5 wrong codes on a poste, then 429 with Retry-After, even for a right code', async () => {
  const g = await L.newPoste(staff);
  const kg = L.kiosk(g.token);
  const s = await L.newSession(staff);
  const b4 = L.sql(`SELECT statut, updated_at FROM sessions WHERE id = ${s.id}`);
  const wrong = s.code.startsWith('A') ? 'B' : 'A';
  for (let i = 0; i < 5; i++) {
    const r = await kg.post('/api/kiosk/validate', { code: `${wrong}${s.code.slice(1)}` });
    refused(r, 404, 'code_inconnu', `try ${i + 1}`);
    assert.equal(r.headers.get('retry-after'), null);
  }
  for (const path of ['/api/kiosk/validate', '/api/kiosk/start']) {
    const r = await kg.post(path, { code: s.code });
    refused(r, 429, 'too_many_attempts', path);
    const ra = Number(r.headers.get('retry-after'));
    assert.ok(Number.isInteger(ra) && ra >= 1 && ra <= 60, `Retry-After ${r.headers.get('retry-after')}`);
  }
  assert.deepEqual(L.sql(`SELECT statut, updated_at FROM sessions WHERE id = ${s.id}`), b4);
  // Another poste is not affected.
  const other = L.kiosk((await L.newPoste(staff)).token);
  const r = await other.post('/api/kiosk/validate', { code: s.code });
  assert.equal(r.status, 200, r.text);
});
