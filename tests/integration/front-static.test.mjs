// front-static.test.mjs - the front server (lighttpd or Apache, FRONT)
// serves www/dist on the one origin with the same headers: the security
// headers on static files, Vite's hashed assets cached for a year
// (immutable), the pages that name them checked again at each load
// (no-cache), and nothing of that on the API, whose answers say no-store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as L from './lib.mjs';

const get = (path) => fetch(L.BASE + path, { redirect: 'manual' });

function securityHeaders(r, what) {
  assert.equal(r.headers.get('x-content-type-options'), 'nosniff', what);
  assert.equal(r.headers.get('x-frame-options'), 'DENY', what);
  assert.equal(r.headers.get('referrer-policy'), 'same-origin', what);
}

test('pages no-cache, hashed assets immutable, the API no-store, one origin', async () => {
  for (const page of ['/', '/index.html', '/kiosk/']) {
    const r = await get(page);
    assert.equal(r.status, 200, page);
    assert.match(r.headers.get('content-type'), /^text\/html/, page);
    assert.equal(r.headers.get('cache-control'), 'no-cache', page);
    securityHeaders(r, page);
    const html = await r.text();
    const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
    assert.ok(assets.length >= 1, `${page} names its assets`);
    for (const a of assets) {
      const ar = await get(a);
      assert.equal(ar.status, 200, a);
      assert.equal(ar.headers.get('cache-control'), 'public, max-age=31536000, immutable', a);
      assert.match(ar.headers.get('content-type'), /^(text\/javascript|text\/css)/, a);
      securityHeaders(ar, a);
      await ar.arrayBuffer();
    }
  }
  const api = await get('/api/health');
  assert.equal(api.status, 200);
  assert.doesNotMatch(api.headers.get('cache-control') || '', /immutable|max-age=31536000/);
  assert.match(api.headers.get('cache-control') || '', /no-store/);
  const admin = await get('/admin/login');
  assert.equal(admin.status, 200);
  assert.doesNotMatch(admin.headers.get('cache-control') || '', /immutable/);
});
