#!/usr/bin/env bash
# stats-bench.sh - the statistics reports on a year of history: adds
# BENCH_STATS_SESSIONS (200,000) past sessions with `postes-api
# demo-stats`, then times each report over the last 365 days (and the
# activity by day, week and month), BENCH_STATS_RUNS times each, and
# prints min / median / max in milliseconds with the machine's load
# average. Goal: every report under 300 ms. Expects a running stack
# (deploy/bench.sh starts one); asserts nothing.
set -euo pipefail
B=${POSTES_BASE_URL:?}
N=${BENCH_STATS_SESSIONS:-200000}
RUNS=${BENCH_STATS_RUNS:-7}
jar=$(mktemp); trap 'rm -f "$jar"' EXIT

t0=$(date +%s)
"${POSTES_BUILD:?}/postes-api" demo-stats "$N"
echo "generated in $(( $(date +%s) - t0 )) s"
curl -fsS -c "$jar" -H 'Content-Type: application/json' \
  -d "{\"username\":\"$POSTES_ADMIN_USER\",\"password\":\"$POSTES_ADMIN_PASSWORD\"}" "$B/api/auth/login" >/dev/null
du=$(date -d '-364 days' +%F); au=$(date +%F)
echo "range $du .. $au, $RUNS runs each; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-34s %8s %8s %8s\n' report min median max
for r in 'activite?pas=jour' 'activite?pas=semaine' 'activite?pas=mois' postes heures categories sites \
         'activite?pas=jour&format=csv'; do
  sep='?'; case $r in *\?*) sep='&' ;; esac
  ts=()
  for _ in $(seq "$RUNS"); do
    ts+=("$(curl -fsS -b "$jar" -o /dev/null -w '%{time_total}' "$B/api/stats/$r${sep}du=$du&au=$au")")
  done
  printf '%s\n' "${ts[@]}" | sort -n | awk -v name="$r" '
    { v[NR] = $1 * 1000 } END { printf "%-34s %8.0f %8.0f %8.0f\n", name, v[1], v[int((NR + 1) / 2)], v[NR] }'
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
