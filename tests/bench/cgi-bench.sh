#!/usr/bin/env bash
# cgi-bench.sh - POST /api/kiosk/validate through postes-api as a
# long-lived FastCGI application (lighttpd, the running stack; Apache
# mod_fcgid with the shared-hosting .htaccess) and as plain CGI (Apache
# mod_cgid, one process per request), same database, same request,
# printed side by side.
# Expects the stack of deploy/bench.sh (POSTES_BASE_URL, POSTES_CONFIG,
# POSTES_BUILD, POSTES_VAR_DIR); asserts nothing.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=${POSTES_BASE_URL:?}
V=${POSTES_VAR_DIR:?}
DUR=${BENCH_SECONDS:-10}
CONN=${BENCH_CONNECTIONS:-16}
HOSTUSER=${POSTES_SH_USER:-www-data}
J=(-H 'Content-Type: application/json')
jar=$(mktemp)

# A site as shared hosting has it (the .htaccess of setup.sh, Apache
# started by the hosting user), for kind cgi (postes-api.cgi, plain CGI)
# or fcgid (postes-api.fcgi, a wrapper mod_fcgid keeps running). Prints
# its base URL.
site() {
  local kind=$1 W=$V/$1 port ext=cgi
  [ "$kind" = cgi ] || ext=fcgi
  mkdir -p "$W/htdocs/cgi-bin" "$W/run/fcgid" "$W/log"
  cp "$POSTES_CONFIG" "$W/postes.conf"
  if [ "$kind" = cgi ]; then
    cp "$POSTES_BUILD/postes-api" "$W/htdocs/cgi-bin/postes-api.cgi"
  else
    cp "$POSTES_BUILD/postes-api" "$W/postes-api"
    printf '#!/bin/bash\nexport POSTES_CONFIG=%q\nexec %q "$@"\n' "$W/postes.conf" "$W/postes-api" \
      > "$W/htdocs/cgi-bin/postes-api.fcgi"
    chmod 0755 "$W/htdocs/cgi-bin/postes-api.fcgi"
  fi
  sed -e "s|@CONFIG@|$W/postes.conf|g" -e "s|@CGI@|postes-api.$ext|g" \
    "$ROOT/deploy/shared-hosting/htaccess" > "$W/htdocs/.htaccess"
  port=$(. "$ROOT/deploy/lib.sh" && free_port $((${POSTES_HTTP_PORT:-19080} + 50)))
  sed -e "s|@PORT@|$port|g" -e "s|@VAR@|$W|g" -e "s|@DOCROOT@|$W/htdocs|g" \
    "$ROOT/deploy/shared-hosting/test-httpd.conf.in" > "$W/httpd.conf"
  chown -R "$HOSTUSER:" "$W"
  chmod 0600 "$W/postes.conf"
  runuser -u "$HOSTUSER" -- apache2 -f "$W/httpd.conf" -k start >"$W/log/start.out" 2>&1
  for _ in $(seq 50); do curl -fsS "http://127.0.0.1:$port/api/health" >/dev/null 2>&1 && break; sleep 0.2; done
  echo "http://127.0.0.1:$port"
}
stop_sites() {
  local k
  for k in cgi fcgid; do kill "$(cat "$V/$k/run/httpd.pid" 2>/dev/null)" 2>/dev/null || true; done
  rm -f "$jar"
}
chmod 0711 "$V" "$V/run"
trap stop_sites EXIT
C=$(site cgi)
F=$(site fcgid)

# One poste and one valid code, made through the FastCGI side.
curl -fsS -c "$jar" "${J[@]}" -d "{\"username\":\"$POSTES_ADMIN_USER\",\"password\":\"$POSTES_ADMIN_PASSWORD\"}" "$B/api/auth/login" >/dev/null
poste=$(curl -fsS -b "$jar" "${J[@]}" -d "{\"nom\":\"CGI bench $$\"}" "$B/api/postes")
token=$(printf '%s' "$poste" | sed -E 's/.*"token":"([^"]+)".*/\1/')
user=$(curl -fsS -b "$jar" "${J[@]}" -d '{"nom":"Bench","prenom":"CGI"}' "$B/api/utilisateurs")
uid=$(printf '%s' "$user" | sed -E 's/^\{"id":([0-9]+).*/\1/')
sess=$(curl -fsS -b "$jar" "${J[@]}" -d "{\"utilisateur_id\":$uid,\"duree\":3600}" "$B/api/sessions")
code=$(printf '%s' "$sess" | sed -E 's/.*"code":"([A-Z0-9]{6})".*/\1/')
for u in "$C" "$F"; do
  [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "${J[@]}" -d "{\"code\":\"$code\"}" "$u/api/kiosk/validate")" = 200 ] \
    || { echo "$u does not answer 200"; cat "$V"/*/log/httpd-error.log; exit 1; }
done

rps() {	# rps URL: requests/s of wrk on kiosk/validate, and its non-200 count
  BENCH_TOKEN=$token BENCH_BODY="{\"code\":\"$code\"}" \
    wrk -t2 -c"$CONN" -d"${DUR}s" -s "$ROOT/tests/bench/api-post.lua" "$1/api/kiosk/validate" \
    | awk '/Requests\/sec/ {r=$2} /non-200 answers/ {e=$3} END {printf "%s req/s (non-200: %s)", r, e}'
}
fcgi=$(rps "$B")
fcgid=$(rps "$F")
cgi=$(rps "$C")
echo "load: wrk, 2 threads, $CONN connections, ${DUR}s each"
echo "POST /api/kiosk/validate  FastCGI (lighttpd, ${POSTES_API_PROCS:-4} procs):      $fcgi"
echo "POST /api/kiosk/validate  FastCGI (Apache mod_fcgid, .htaccess): $fcgid"
echo "POST /api/kiosk/validate  plain CGI (Apache mod_cgid, 1 process/request): $cgi"
