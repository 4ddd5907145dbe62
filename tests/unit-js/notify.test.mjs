import test from 'node:test';
import assert from 'node:assert/strict';
import { createNotifier } from '../../www/src/lib/notify.js';

test('warnings and postes going offline notify; a typo does not, repeated refusals do', () => {
  let now = 0;
  const n = createNotifier({ now: () => now, posteName: (id) => `Poste ${id}` });
  const w = n({ id: 1, type: 'warning', session_id: 7, poste_id: 2, data: { seuil: 300, utilisateur_prenom: 'Ana', utilisateur_nom: 'B', poste_nom: 'P2' } });
  assert.equal(w.level, 'warning');
  assert.equal(w.text[0], 'notif.warning');
  assert.deepEqual(w.text[1], { who: 'Ana B', poste: 'P2', seuil: 300 });

  assert.equal(n({ id: 2, type: 'poste_status', poste_id: 3, data: { id: 3, nom: 'P3', etat: 'occupe' } }), null);
  const off = n({ id: 3, type: 'poste_status', poste_id: 3, data: { id: 3, nom: 'P3', etat: 'hors_ligne' } });
  assert.equal(off.text[0], 'notif.offline');
  assert.equal(n({ id: 4, type: 'poste_status', poste_id: 3, data: { id: 3, nom: 'P3', etat: 'hors_ligne' } }), null, 'once per transition');

  const refused = (id) => n({ id, type: 'code_refused', poste_id: 5, data: { poste_id: 5, motif: 'code_inconnu' } });
  assert.equal(refused(10), null);
  assert.equal(refused(11), null);
  const r = refused(12);
  assert.equal(r.text[0], 'notif.refused');
  assert.equal(r.text[1].poste, 'Poste 5');
  assert.equal(refused(13), null, 'counting starts again');
  now += 10 * 60 * 1000;
  assert.equal(refused(14), null);
  assert.equal(refused(15), null, 'old refusals are forgotten');
  assert.equal(n({ id: 16, type: 'session_created', data: {} }), null);
});
