#!/usr/bin/env bash
# api-bench.sh - requests/s and latency of the API's two hot paths through
# lighttpd + FastCGI + MariaDB, measured with wrk (2 threads, 16
# connections, BENCH_SECONDS each, 10 by default):
#
#   POST /api/kiosk/validate	a valid code typed on a kiosk: the token,
#				the throttle, the rules under the row lock,
#				one code_valid event in the outbox
#   GET  /api/dashboard/stats	every counter, for a staff cookie
#
# For each: req/s, p50, p99, max, the answers that were not 2xx, and the
# SQL statements per request (the server's Questions counter, read before
# and after the run, over the requests wrk made: it counts every
# statement and COMMIT/ROLLBACK a client sent, prepared or not; a
# statement prepared once per process is not counted again), then whether
# the goal is met (issue 10: validate 6,000 req/s, stats 10,000 req/s,
# p99 at most 10 ms, no error).
#
# Expects a running stack (deploy/bench.sh starts one; POSTES_BASE_URL,
# POSTES_DB_SOCKET, POSTES_ADMIN_USER/PASSWORD) and prints figures;
# asserts nothing. BENCH_PROCS_NOTE names the FastCGI process count in
# the header (POSTES_API_PROCS of the stack).
set -euo pipefail
B=${POSTES_BASE_URL:?}
DUR=${BENCH_SECONDS:-10}
CONN=16
THREADS=2
HERE=$(cd "$(dirname "$0")" && pwd)
jar=$(mktemp); trap 'rm -f "$jar"' EXIT
J=(-H 'Content-Type: application/json')

sql() { mariadb --socket="${POSTES_DB_SOCKET:?}" -uroot -N -B -e "$1"; }
questions() { sql "SHOW GLOBAL STATUS LIKE 'Questions'" | awk '{print $2}'; }

curl -fsS -c "$jar" "${J[@]}" -d "{\"username\":\"$POSTES_ADMIN_USER\",\"password\":\"$POSTES_ADMIN_PASSWORD\"}" "$B/api/auth/login" >/dev/null
sid=$(awk '$6 == "postes_sid" { print $7 }' "$jar")
poste=$(curl -fsS -b "$jar" "${J[@]}" -d "{\"nom\":\"Bench $$ $RANDOM\"}" "$B/api/postes")
token=$(printf '%s' "$poste" | sed -E 's/.*"token":"([^"]+)".*/\1/')
user=$(curl -fsS -b "$jar" "${J[@]}" -d '{"nom":"Bench","prenom":"Charge"}' "$B/api/utilisateurs")
uid=$(printf '%s' "$user" | sed -E 's/^\{"id":([0-9]+).*/\1/')
sess=$(curl -fsS -b "$jar" "${J[@]}" -d "{\"utilisateur_id\":$uid,\"duree\":3600}" "$B/api/sessions")
code=$(printf '%s' "$sess" | sed -E 's/.*"code":"([A-Z0-9]{6})".*/\1/')
# Both answer 200 before we measure (a bench of refusals is worthless).
st=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "${J[@]}" -d "{\"code\":\"$code\"}" "$B/api/kiosk/validate")
[ "$st" = 200 ] || { echo "kiosk/validate answers $st, not 200"; exit 1; }
# Many kiosks at once, each with its own code (BENCH_KIOSKS, default 16):
# what a town hall's morning looks like, rather than 16 connections on one
# poste and one code (which measures one row's lock, printed too).
KIOSKS=${BENCH_KIOSKS:-16}
pairs=$(mktemp); trap 'rm -f "$jar" "$pairs"' EXIT
for i in $(seq "$KIOSKS"); do
  p=$(curl -fsS -b "$jar" "${J[@]}" -d "{\"nom\":\"Bench $$ $RANDOM $i\"}" "$B/api/postes")
  u=$(curl -fsS -b "$jar" "${J[@]}" -d "{\"nom\":\"Bench$i\",\"prenom\":\"Charge\"}" "$B/api/utilisateurs")
  s=$(curl -fsS -b "$jar" "${J[@]}" -d "{\"utilisateur_id\":$(printf '%s' "$u" | sed -E 's/^\{"id":([0-9]+).*/\1/'),\"duree\":3600}" "$B/api/sessions")
  printf '%s %s\n' "$(printf '%s' "$p" | sed -E 's/.*"token":"([^"]+)".*/\1/')" \
    "$(printf '%s' "$s" | sed -E 's/.*"code":"([A-Z0-9]{6})".*/\1/')" >> "$pairs"
done
st=$(curl -s -o /dev/null -w '%{http_code}' -b "$jar" "$B/api/dashboard/stats")
[ "$st" = 200 ] || { echo "dashboard/stats answers $st, not 200"; exit 1; }

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "load: wrk, $THREADS threads, $CONN connections, ${DUR}s per path; FastCGI processes: ${POSTES_API_PROCS:-4}; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

# run NAME GOAL_RPS METHOD URL [env...]: one wrk run and its line.
run() {
  local name=$1 goal=$2 method=$3 url=$4 q0 q1 out line
  shift 4
  q0=$(questions)
  out=$(env BENCH_METHOD="$method" "$@" wrk -t"$THREADS" -c"$CONN" -d"${DUR}s" \
    -s "$HERE/api-post.lua" "$url")
  q1=$(questions)
  line=$(printf '%s\n' "$out" | grep '^wrk-summary ') || { printf '%s\n' "$out"; return 1; }
  # shellcheck disable=SC2086
  printf '%s\n' "$line" | awk -v name="$name" -v goal="$goal" -v dq=$((q1 - q0 - 1)) '{
    for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
    spr = v["requests"] > 0 ? dq / v["requests"] : 0
    met = v["rps"] >= goal && v["p99_ms"] <= 10 && v["non2xx"] == 0 && v["socket_errors"] == 0
    printf "%-27s %7d req/s  p50 %6.2f ms  p99 %6.2f ms  max %7.2f ms  non-2xx %d  socket errors %d  statements/request %.2f\n",
      name, v["rps"], v["p50_ms"], v["p99_ms"], v["max_ms"], v["non2xx"], v["socket_errors"], spr
    printf "%-27s goal %d req/s, p99 <= 10 ms, no error: %s\n", "", goal, met ? "MET" : "NOT MET"
  }'
}

run "POST /api/kiosk/validate" 6000 POST "$B/api/kiosk/validate" \
  BENCH_PAIRS_FILE="$pairs"
run "  (one poste, one code)" 6000 POST "$B/api/kiosk/validate" \
  BENCH_TOKEN="$token" BENCH_BODY="{\"code\":\"$code\"}"
run "GET /api/dashboard/stats" 10000 GET "$B/api/dashboard/stats" \
  BENCH_COOKIE="postes_sid=$sid"
