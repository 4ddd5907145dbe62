// serverconfig.js - what the server says about itself before the page
// connects (GET /api/config): whether a pusher runs there. Asked once per
// page. An error, or a server that predates the route, means the default:
// a pusher, tried first, with polling as its fallback.

let cached = null;

export function serverConfig(api) {
  if (!cached) {
    cached = api.get('/api/config').then(
      (c) => ({ pusher: c?.pusher !== false }),
      () => { cached = null; return { pusher: true }; },
    );
  }
  return cached;
}
