// api.js - fetch for the JSON API on the same origin.
//
// Writes carry Content-Type application/json (the API refuses anything
// else) and go to our own origin, so the browser sends the matching
// Origin header the API checks. Every answer's Date header feeds the
// server clock. Errors become ApiError with the API's code and message
// and, for 429, the Retry-After seconds.

export class ApiError extends Error {
  constructor(status, code, message, retryAfter = null, body = null) {
    super(message || code || `HTTP ${status}`);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
    this.body = body;
  }
}

export function createApi({ clock, bearer, fetchFn, onUnauthorized } = {}) {
  const f = fetchFn || ((...a) => fetch(...a));
  async function request(method, path, body, { quiet401 = false } = {}) {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const token = typeof bearer === 'function' ? bearer() : bearer;
    if (token) headers.Authorization = `Bearer ${token}`;
    const t0 = Date.now();
    let res;
    try {
      res = await f(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'same-origin',
        cache: 'no-store',
      });
    } catch (e) {
      throw new ApiError(0, 'network', e?.message || 'network');
    }
    const t1 = Date.now();
    if (clock) clock.sampleDateHeader(res.headers.get('Date'), t0, t1);
    let json = null;
    if (res.status !== 204) {
      const text = await res.text();
      if (text) { try { json = JSON.parse(text); } catch { json = null; } }
    }
    if (!res.ok) {
      const err = json?.error || {};
      const ra = res.headers.get('Retry-After');
      const e = new ApiError(res.status, err.code || `http_${res.status}`, err.message, ra ? parseInt(ra, 10) : null, json);
      if (res.status === 401 && onUnauthorized && !quiet401) onUnauthorized(e);
      throw e;
    }
    if (clock && json && typeof json.server_time === 'string') clock.sampleIso(json.server_time, t0, t1);
    return json;
  }
  return {
    request,
    get: (p, o) => request('GET', p, undefined, o),
    post: (p, b = {}, o) => request('POST', p, b, o),
    patch: (p, b, o) => request('PATCH', p, b, o),
    del: (p, o) => request('DELETE', p, undefined, o),
  };
}

export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
  }
  const s = u.toString();
  return s ? '?' + s : '';
}
