#!/usr/bin/env bash
# api-bench.sh - requests/s and latency of two hot API paths through
# lighttpd + FastCGI + MariaDB: kiosk/validate (a write: it records a
# code_valid event) and dashboard/stats (a read of every counter).
# Expects a running stack (deploy/bench.sh starts one) and prints figures;
# asserts nothing.
set -euo pipefail
B=${POSTES_BASE_URL:?}
DUR=${BENCH_SECONDS:-10}
CONN=${BENCH_CONNECTIONS:-16}
jar=$(mktemp); trap 'rm -f "$jar"' EXIT
J=(-H 'Content-Type: application/json')

curl -fsS -c "$jar" "${J[@]}" -d "{\"username\":\"$POSTES_ADMIN_USER\",\"password\":\"$POSTES_ADMIN_PASSWORD\"}" "$B/api/auth/login" >/dev/null
sid=$(awk '$6 == "postes_sid" { print $7 }' "$jar")
poste=$(curl -fsS -b "$jar" "${J[@]}" -d "{\"nom\":\"Bench $$\"}" "$B/api/postes")
token=$(printf '%s' "$poste" | sed -E 's/.*"token":"([^"]+)".*/\1/')
user=$(curl -fsS -b "$jar" "${J[@]}" -d '{"nom":"Bench","prenom":"Charge"}' "$B/api/utilisateurs")
uid=$(printf '%s' "$user" | sed -E 's/^\{"id":([0-9]+).*/\1/')
sess=$(curl -fsS -b "$jar" "${J[@]}" -d "{\"utilisateur_id\":$uid,\"duree\":3600}" "$B/api/sessions")
code=$(printf '%s' "$sess" | sed -E 's/.*"code":"([A-Z0-9]{6})".*/\1/')

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "load: wrk, 2 threads, $CONN connections, ${DUR}s each, FastCGI procs ${POSTES_API_PROCS:-2}"
echo
echo "== POST /api/kiosk/validate (valid code; writes one event per call)"
BENCH_TOKEN=$token BENCH_BODY="{\"code\":\"$code\"}" \
  wrk -t2 -c"$CONN" -d"${DUR}s" --latency -s "$(dirname "$0")/api-post.lua" "$B/api/kiosk/validate" \
  | grep -E 'Requests/sec|^ +(50|90|99)%|non-200|Socket errors'
echo
echo "== GET /api/dashboard/stats (staff cookie)"
wrk -t2 -c"$CONN" -d"${DUR}s" --latency -H "Cookie: postes_sid=$sid" "$B/api/dashboard/stats" \
  | grep -E 'Requests/sec|^ +(50|90|99)%|Non-2xx|Socket errors'
