#!/usr/bin/env bash
# capacity.sh - the loopback cluster's capacity figures (make
# cluster-bench; root; not part of make test; prints, asserts nothing
# beyond the stranger check).
#
# Brings up the same cluster as make cluster-test (lib.sh), then measures:
#  1. doorbells through postes-relay (tcp:// + CURVE): P publishers (zring,
#     standing for API processes) ring at a given total rate or flat out;
#     two zring subscribers and both real pushers listen. Rings/s heard
#     per subscriber, delay p50/p99, and the CPU of the relay and of each
#     pusher (from /proc/PID/stat, % of one core) over the window;
#  2. API requests/s (wrk, 2 threads, 16 connections): GET
#     /api/dashboard/stats (a read of every counter) and POST
#     /api/kiosk/validate (a write: one event, one ring) against api1
#     alone, api2 alone and the balanced front;
#  3. Galera replication lag (dblag): a row written on db1, time until a
#     read on db2 and on db3 sees it, p50/p99/max over CAP_LAG_WRITES
#     writes, on a quiet cluster and under the validate load; Galera's
#     flow control and receive queue over the loaded run.
# Failover times come from make cluster-test (its last lines).
# Knobs: CAP_SECONDS (10) per run, CAP_LAG_WRITES (300),
# POSTES_CLUSTER_PORT_BASE, POSTES_CLUSTER_DIR.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
DUR=${CAP_SECONDS:-10}
LAGN=${CAP_LAG_WRITES:-300}
cluster_check
trap cluster_down EXIT
trap 'exit 143' TERM INT
cluster_up
cc -O2 $CLUSTER_CWARN $(mariadb_config --cflags) -o "$CV/dblag" \
  "$ROOT/tests/cluster/dblag.c" $(mariadb_config --libs) || { say "dblag did not build"; exit 1; }
relay_stranger_check || { say "FAIL: the relay let a stranger through"; exit 1; }

HZ=$(getconf CLK_TCK)
ROWS=()
row() { ROWS+=("$(printf '%-52s %s' "$1" "$2")"); }

# CPU ticks of a process group (every process of the "host").
ticks() {
  local t=0 p v
  for p in $(pgrep -g "$(pids_of "$1")" 2>/dev/null); do
    v=$(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null) || continue
    t=$((t + ${v:-0}))
  done
  echo "$t"
}
pct() { awk -v d="$1" -v s="$2" -v hz="$HZ" 'BEGIN { printf "%.0f%%", 100 * d / hz / s }'; }

say "machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), load average $(cut -d' ' -f1-3 /proc/loadavg); every host on this one box"

# ---- 1. the relay -----------------------------------------------------
DB='postes_pusher_doorbell_total{source="zmq"}'
relay_run() {	# relay_run PUBLISHERS TOTAL_RATE (0: flat out)
  local np=$1 rate=$2 i per r0 p10 p20 r1 p11 p21 w10 w20 w11 w21 s1 s2
  per=$(( rate / np ))
  r0=$(ticks relay); p10=$(ticks pusher1); p20=$(ticks pusher2)
  w10=$(metric $((PP + 1)) "$DB"); w20=$(metric $((PP + 2)) "$DB")
  zring_as probe sub "tcp://127.0.0.1:$ROUT" $((DUR + 2)) > "$CV/run/cap-s1" &
  s1=$!
  zring_as probe sub "tcp://127.0.0.1:$ROUT" $((DUR + 2)) > "$CV/run/cap-s2" &
  s2=$!
  sleep 0.3
  local pubs=()
  for ((i = 0; i < np; i++)); do
    zring_as probe pub "tcp://127.0.0.1:$RIN" "$DUR" "$per" > "$CV/run/cap-p$i" &
    pubs+=($!)
  done
  wait "$s1" "$s2" "${pubs[@]}"	# not a bare wait: the cluster's parts are our children too
  r1=$(ticks relay); p11=$(ticks pusher1); p21=$(ticks pusher2)
  w11=$(metric $((PP + 1)) "$DB"); w21=$(metric $((PP + 2)) "$DB")
  local sent; sent=$(cat "$CV/run"/cap-p* | awk '{ s += $1 } END { print s }')
  read -r n1 rate1 p50a p99a < "$CV/run/cap-s1"
  read -r n2 rate2 _ _ < "$CV/run/cap-s2"
  rm -f "$CV/run"/cap-p*
  local label
  if [ "$rate" -eq 0 ]; then label="$np publishers flat out"; else label="$np publishers, $rate rings/s"; fi
  say "relay: $label: sent $sent, heard $n1 and $n2 (rates $rate1 and $rate2 /s), delay p50 ${p50a} us p99 ${p99a} us; CPU relay $(pct $((r1 - r0)) "$DUR"), pusher1 $(pct $((p11 - p10)) "$DUR") ($((w11 - w10)) wake-ups), pusher2 $(pct $((p21 - p20)) "$DUR") ($((w21 - w20)) wake-ups)"
  row "relay: $label" "$rate1 + $rate2 rings/s heard; delay p50 $((p50a / 1000)).$(( (p50a % 1000) / 100 )) ms p99 $((p99a / 1000)) ms; CPU relay $(pct $((r1 - r0)) "$DUR"), pushers $(pct $((p11 - p10)) "$DUR")/$(pct $((p21 - p20)) "$DUR")"
}
relay_run 2 1000
relay_run 4 10000
relay_run 2 0
relay_run 4 0

# ---- 2. API requests/s -------------------------------------------------
J=(-H 'Content-Type: application/json')
jar="$CV/run/cap-jar"
F=http://127.0.0.1:$HP
curl -fsS -c "$jar" "${J[@]}" -d "{\"username\":\"admin\",\"password\":\"$ADMIN_PASSWORD\"}" "$F/api/auth/login" >/dev/null
sid=$(awk '$6 == "postes_sid" { print $7 }' "$jar")
poste=$(curl -fsS -b "$jar" "${J[@]}" -d '{"nom":"Capacite"}' "$F/api/postes")
token=$(printf '%s' "$poste" | sed -E 's/.*"token":"([^"]+)".*/\1/')
user=$(curl -fsS -b "$jar" "${J[@]}" -d '{"nom":"Capacite","prenom":"Charge"}' "$F/api/utilisateurs")
uid=$(printf '%s' "$user" | sed -E 's/^\{"id":([0-9]+).*/\1/')
sess=$(curl -fsS -b "$jar" "${J[@]}" -d "{\"utilisateur_id\":$uid,\"duree\":3600}" "$F/api/sessions")
code=$(printf '%s' "$sess" | sed -E 's/.*"code":"([A-Z0-9]{6})".*/\1/')
LUA=$ROOT/tests/bench/api-post.lua

wrk_line() {	# wrk output -> "N req/s, p50 X p99 Y, E errors"
  awk '/Requests\/sec/ { r = $2 } /^ +50%/ { p50 = $2 } /^ +99%/ { p99 = $2 }
       /Non-2xx/ { e += $NF } /Socket errors/ { se = $0 }
       END { printf "%.0f req/s, p50 %s p99 %s, %d non-2xx%s", r, p50, p99, e, se ? "; " se : "" }'
}
api_run() {	# api_run LABEL PORT read|write
  local out a10 a20 a11 a21
  a10=$(ticks api1); a20=$(ticks api2)
  if [ "$3" = read ]; then
    out=$(wrk -t2 -c16 -d"${DUR}s" --latency -H "Cookie: postes_sid=$sid" "http://127.0.0.1:$2/api/dashboard/stats" | wrk_line)
  else
    out=$(BENCH_TOKEN=$token BENCH_BODY="{\"code\":\"$code\"}" \
      wrk -t2 -c16 -d"${DUR}s" --latency -s "$LUA" "http://127.0.0.1:$2/api/kiosk/validate" | wrk_line)
  fi
  a11=$(ticks api1); a21=$(ticks api2)
  say "api: $1: $out; CPU api1 $(pct $((a11 - a10)) "$DUR"), api2 $(pct $((a21 - a20)) "$DUR")"
  row "api: $1" "$out"
}
api_run "GET dashboard/stats, api1 alone" $((HP + 1)) read
api_run "GET dashboard/stats, api2 alone" $((HP + 2)) read
api_run "GET dashboard/stats, balanced (2 hosts)" "$HP" read
api_run "POST kiosk/validate, api1 alone" $((HP + 1)) write
api_run "POST kiosk/validate, api2 alone" $((HP + 2)) write
api_run "POST kiosk/validate, balanced (2 hosts)" "$HP" write

# ---- 3. Galera replication lag ---------------------------------------
us_ms() { awk -v u="$1" 'BEGIN { printf "%.1f", u / 1000 }'; }
wsrep() {	# wsrep NODE VAR: one status value
  gal_sql "$1" -N -e "SHOW GLOBAL STATUS LIKE '$2'" | cut -f2
}
lag_run() {	# lag_run LABEL
  local out c n2 n3
  out=$("$CV/dblag" $((DBP + 1)) $((DBP + 2)) $((DBP + 3)) "$LAGN" 20)
  c=($(sed -n 1p <<<"$out")); n2=($(sed -n 2p <<<"$out")); n3=($(sed -n 3p <<<"$out"))
  say "galera lag ($1, $LAGN writes on db1): commit p50 $(us_ms "${c[1]}") p99 $(us_ms "${c[2]}") ms; visible on db2 p50 $(us_ms "${n2[1]}") p99 $(us_ms "${n2[2]}") max $(us_ms "${n2[3]}") ms; db3 p50 $(us_ms "${n3[1]}") p99 $(us_ms "${n3[2]}") max $(us_ms "${n3[3]}") ms"
  row "galera: $1, commit on db1" "p50 $(us_ms "${c[1]}") ms, p99 $(us_ms "${c[2]}") ms"
  row "galera: $1, visible on db2 / db3" "p50 $(us_ms "${n2[1]}") / $(us_ms "${n3[1]}") ms, p99 $(us_ms "${n2[2]}") / $(us_ms "${n3[2]}") ms, max $(us_ms "${n2[3]}") / $(us_ms "${n3[3]}") ms"
}
lag_run "quiet"
gal_sql 2 -e "FLUSH STATUS"; gal_sql 3 -e "FLUSH STATUS"
BENCH_TOKEN=$token BENCH_BODY="{\"code\":\"$code\"}" \
  wrk -t2 -c16 -d600s --latency -s "$LUA" "$F/api/kiosk/validate" > "$CV/run/cap-wrk-bg" 2>&1 &
wp=$!
sleep 2
lag_run "under the validate load"
kill -INT "$wp" 2>/dev/null || true	# wrk prints its summary on SIGINT
for i in 2 3; do
  say "galera db$i during the load: recv queue max $(wsrep "$i" wsrep_local_recv_queue_max), avg $(wsrep "$i" wsrep_local_recv_queue_avg); flow control paused $(wsrep "$i" wsrep_flow_control_paused) of the time, sent $(wsrep "$i" wsrep_flow_control_sent)"
done
row "galera: flow control during the load" "db2 paused $(wsrep 2 wsrep_flow_control_paused), recv queue max $(wsrep 2 wsrep_local_recv_queue_max); db3 paused $(wsrep 3 wsrep_flow_control_paused), recv queue max $(wsrep 3 wsrep_local_recv_queue_max)"
wait "$wp" || true
say "validate load in the background: $(wrk_line < "$CV/run/cap-wrk-bg")"

# ---- the table --------------------------------------------------------
echo
echo "postes capacity, loopback cluster (3 Galera nodes, 2 API hosts x 2 FastCGI processes, 2 pushers, relay tcp+CURVE, one lighttpd),"
echo "every \"host\" on one $(nproc)-core box, load average at the end $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%MZ):"
printf '%s\n' "${ROWS[@]}"
