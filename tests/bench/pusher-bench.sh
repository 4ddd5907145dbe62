#!/usr/bin/env bash
# pusher-bench.sh - postes-pusher beside Nchan, same machine, same run,
# same load generator (tests/bench/loadgen.c), same pace: N subscribers
# on one channel, MSGS messages at RATE/s, over WebSocket and SSE; then
# the pusher alone at the largest count one process holds; then two
# pushers on the relay (issue 12) beside one, the subscribers split over
# both. Prints one table, the ratios to Nchan and the goals of issue 10
# (met / not met). Benchmarks, not tests: nothing is asserted.
#
# Latency is end to end from the API request that makes the event: the
# publisher (tests/bench/publish.c) stamps its send time into the name of
# a person it creates, `POST /api/utilisateurs` through the front
# (lighttpd -> postes-api -> MariaDB -> ZeroMQ doorbell -> pusher ->
# subscriber on `dashboard`), and loadgen finds that stamp in the
# `utilisateur_created` event. Nchan is published the way its users do:
# a POST of a body of the same size, carrying the stamp, straight to its
# publisher location. Subscribers connect to the pusher's port and to
# nginx's directly (no front in between).
#
# Per case: the server is restarted (clean memory and counters), the
# API is warmed (its doorbell socket connected), PSS is read, the
# subscribers connect (several loadgen processes, each from its own
# 127.0.0.x, each under the 20,000-file limit), PSS is read again
# (memory per subscriber = delta / subscribers), CPU (utime + stime from
# /proc/PID/stat: the pusher(s), or nginx's master and 2 workers) is read
# before and after the publishing phase, and every delivery's latency is
# recorded. CPU per delivery divides by every message the subscribers
# received during the phase (the events, plus the pusher's own
# `stats_update`, at most one a second on `dashboard`).
#
# Called by deploy/bench.sh with the stack's environment (POSTES_VAR_DIR,
# POSTES_CONFIG, POSTES_PUSHER_PORT, POSTES_BUILD, POSTES_BASE_URL,
# POSTES_ADMIN_USER/PASSWORD), the stack up; leaves it as it found it.
# Everything on loopback; every step has a time limit; nginx, the relay
# and the extra pushers are started here and stopped on exit.
#
# Knobs (environment):
#   BENCH_QUICK=1      small sizes for a smoke test (defaults below become
#                      1,000 / 2,000 / 2,000 subscribers, 5 messages)
#   BENCH_SUBS         subscribers for the side-by-side cases (10000)
#   BENCH_SUBS_BIG     the pusher alone, one process (19000; the hard file
#                      limit is 20,000 here)
#   BENCH_SUBS_PAIR    two pushers beside one, split over both (= BIG, so
#                      that the one-pusher row is the comparison)
#   BENCH_MSGS         messages per case (100: ten seconds at 10/s; with
#                      20 the p99 of one case is the tail of a single
#                      fan-out, and it moved 2x between runs)
#   BENCH_RATE         messages per second (10)
#   BENCH_GEN_CONNS    subscribers per loadgen process (5000)
#   BENCH_NCHAN=0      skip Nchan;  BENCH_BIG=0 skip the one-process max;
#   BENCH_PAIR=0       skip the two-pusher cases
#   BENCH_CFLAGS       compiler flags of loadgen and publish (-O2), e.g.
#                      "-O1 -g -fsanitize=address,undefined" to check them
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/deploy/lib.sh"

QUICK=${BENCH_QUICK:-0}
if [ "$QUICK" = 1 ]; then dN=1000 dBIG=2000 dMSGS=5; else dN=10000 dBIG=19000 dMSGS=100; fi
N=${BENCH_SUBS:-$dN}
BIG=${BENCH_SUBS_BIG:-$dBIG}
PAIR=${BENCH_SUBS_PAIR:-$BIG}
MSGS=${BENCH_MSGS:-$dMSGS}
RATE=${BENCH_RATE:-10}
GEN=${BENCH_GEN_CONNS:-5000}
DO_NCHAN=${BENCH_NCHAN:-1}
DO_BIG=${BENCH_BIG:-1}
DO_PAIR=${BENCH_PAIR:-1}
B=$V/bench-pusher
rm -rf "$B"; mkdir -p "$B"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
HZ=$(getconf CLK_TCK)
PHASE=$((MSGS / RATE + 1))		# seconds of publishing
LGT=$((180 + PHASE))			# loadgen's time limit
: "${POSTES_BASE_URL:?}" "${POSTES_ADMIN_USER:?}" "${POSTES_ADMIN_PASSWORD:?}"
# One pusher process may hold every subscriber of the big case (it
# lowers this itself, with a warning, if files are short).
export POSTES_PUSHER_MAX_CONN=$(( $(ulimit -Hn) - 100 ))

# The generator and the publisher (the publisher links shared/).
read -r -a OPT <<<"${BENCH_CFLAGS:--O2}"
CF=("${OPT[@]}" -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -I"$ROOT/shared")
read -r -a PC <<<"$(pkg-config --cflags json-c libmariadb libsodium libzmq)"
read -r -a PL <<<"$(pkg-config --libs json-c libmariadb libsodium libzmq)"
cc "${CF[@]}" -o "$B/loadgen" "$ROOT/tests/bench/loadgen.c"
cc "${CF[@]}" "${PC[@]}" -o "$B/publish" "$ROOT/tests/bench/publish.c" \
  "$POSTES_BUILD"/shared/*.o "${PL[@]}"
TICKET=$(timeout 30 "$B/publish" ticket)
jar=$B/cookies
timeout 30 curl -fsS -c "$jar" -H 'Content-Type: application/json' \
  -d "{\"username\":\"$POSTES_ADMIN_USER\",\"password\":\"$POSTES_ADMIN_PASSWORD\"}" \
  "$POSTES_BASE_URL/api/auth/login" >/dev/null
sid=$(awk '$6 == "postes_sid" { print $7 }' "$jar")
[ -n "$sid" ] || { say "could not log in as $POSTES_ADMIN_USER"; exit 1; }
export BENCH_COOKIE="postes_sid=$sid"
API_PORT=${POSTES_BASE_URL##*:}; API_PORT=${API_PORT%%/*}

# Nchan: Debian's nginx with libnginx-mod-nchan (deploy/install-deps.sh).
NCHAN_SO=/usr/lib/nginx/modules/ngx_nchan_module.so
if [ "$DO_NCHAN" = 1 ] && { ! command -v nginx >/dev/null || [ ! -f "$NCHAN_SO" ]; }; then
  bash "$ROOT/deploy/install-deps.sh" || true
fi
if [ "$DO_NCHAN" = 1 ] && { ! command -v nginx >/dev/null || [ ! -f "$NCHAN_SO" ]; }; then
  say "nginx/libnginx-mod-nchan not installed: Nchan skipped"
  DO_NCHAN=0
fi
NPORT=$(free_port $((POSTES_PUSHER_PORT + 100)))
mkdir -p "$B/nginx-tmp"
cat > "$B/nginx.conf" <<EOF
# Generated by tests/bench/pusher-bench.sh: Nchan on loopback.
load_module $NCHAN_SO;
worker_processes 2;
worker_rlimit_nofile 20000;
pid $B/nginx.pid;
error_log $B/nginx-error.log warn;
events { worker_connections 19500; multi_accept on; }
http {
  access_log off;
  client_body_temp_path $B/nginx-tmp/body;
  proxy_temp_path $B/nginx-tmp/proxy;
  fastcgi_temp_path $B/nginx-tmp/fcgi;
  uwsgi_temp_path $B/nginx-tmp/uwsgi;
  scgi_temp_path $B/nginx-tmp/scgi;
  server {
    listen 127.0.0.1:$NPORT backlog=4096;
    location = /pub { nchan_publisher; nchan_channel_id bench; }
    location = /sub { nchan_subscriber; nchan_channel_id bench; }
  }
}
EOF

nginx_start() {
  nginx -c "$B/nginx.conf" -g 'daemon off;' >>"$B/nginx.out" 2>&1 &
  echo $! > "$B/nginx.mainpid"
  wait_for 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$NPORT"
}
nginx_stop() {
  local pid
  pid=$(cat "$B/nginx.mainpid" 2>/dev/null) || return 0
  kill "$pid" 2>/dev/null && wait_for 20 gone "$pid" || true
  rm -f "$B/nginx.mainpid"
}

# Two pushers on the relay (issue 12), as tests/cluster/run.sh runs them:
# the API publishes its doorbell to postes-relay (POSTES_ZMQ_RELAY), each
# pusher subscribes (POSTES_ZMQ_RELAY_SUB) and reads the outbox itself.
RELAY_ON=0
relay_mode() {	# relay_mode on|off: the configuration, the front and the relay
  if [ "$1" = on ]; then
    pusher_stop TERM >/dev/null 2>&1 || true
    {
      echo "POSTES_ZMQ_RELAY=ipc://$V/zmq-relay/in"
      echo "POSTES_ZMQ_RELAY_SUB=ipc://$V/zmq-relay/out"
    } >> "$POSTES_CONFIG"
    setsid "${RUN_AS[@]}" "$POSTES_BUILD/postes-relay" >>"$V/log/relay.log" 2>&1 </dev/null &
    echo $! > "$B/relay.pid"
    wait_for 10 test -S "$V/zmq-relay/out" || { say "relay did not start, see $V/log/relay.log"; return 1; }
    RELAY_ON=1
  else
    pair_stop
    kill "$(cat "$B/relay.pid" 2>/dev/null)" 2>/dev/null || true
    RELAY_ON=0
    config_write
  fi
  # The FastCGI processes read the configuration at start.
  front_stop; front_start
}
PAIR_PORTS=()
pair_start() {
  local i p
  PAIR_PORTS=()
  for i in 1 2; do
    p=$(free_port $((POSTES_PUSHER_PORT + 10 * i)))
    POSTES_PUSHER_PORT=$p setsid "${RUN_AS[@]}" "$POSTES_BUILD/postes-pusher" \
      >>"$V/log/pusher-pair$i.log" 2>&1 </dev/null &
    echo $! > "$B/pair$i.pid"
    wait_for 20 curl -fsS -o /dev/null "http://127.0.0.1:$p/healthz" \
      || { say "pusher $i did not start, see $V/log/pusher-pair$i.log"; return 1; }
    PAIR_PORTS+=("$p")
  done
}
pair_stop() {
  local i pid
  for i in 1 2; do
    pid=$(cat "$B/pair$i.pid" 2>/dev/null) || continue
    kill "$pid" 2>/dev/null && wait_for 20 gone "$pid" || true
    rm -f "$B/pair$i.pid"
  done
}

# On exit: stop what was started here. After a normal end, or an error,
# give the stack back as it was (its configuration, front and pusher);
# when interrupted (Ctrl-C, bench.sh's time limit) only stop, quickly:
# deploy/bench.sh stops the stack next.
GENS=()
STOPPING=0
cleanup() {
  set +e
  for p in "${GENS[@]}"; do kill "$p" 2>/dev/null; done
  nginx_stop
  pair_stop
  kill "$(cat "$B/relay.pid" 2>/dev/null)" 2>/dev/null
  [ "$STOPPING" = 1 ] && return
  if [ "$RELAY_ON" = 1 ]; then relay_mode off >/dev/null 2>&1; fi
  pusher_stop TERM >/dev/null 2>&1
  pusher_start >/dev/null 2>&1
}
trap cleanup EXIT
trap 'STOPPING=1; exit 143' TERM INT

# Proportional set size (kB) of processes and their children.
pss() {
  local total=0 p k
  for p in "$@" $(for q in "$@"; do pgrep -P "$q"; done 2>/dev/null); do
    k=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
    total=$((total + ${k:-0}))
  done
  echo "$total"
}
# utime + stime (clock ticks) of processes, every thread included; with
# their children when asked (-c: nginx's workers, lighttpd's FastCGI).
cpu() {
  local kids=0 total=0 p t
  [ "$1" = -c ] && { kids=1; shift; }
  local ps=("$@")
  [ "$kids" = 1 ] && mapfile -t -O "${#ps[@]}" ps < <(for q in "$@"; do pgrep -P "$q"; done 2>/dev/null)
  for p in "${ps[@]}"; do
    t=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | awk '{print $12 + $13}')
    total=$((total + ${t:-0}))
  done
  echo "$total"
}
# The machine's busy and total jiffies, every core (/proc/stat): busy is
# all but idle and iowait. Over the publishing phase it shows whether the
# two cores had room left, for the server and the generators together.
machine() { awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t; exit }' /proc/stat; }
api_pids() { echo "$(cat "$V/run/front.pid") $(cat "$V/run/mysqld.mainpid")"; }

# Histograms of the pusher's /metrics (issue 10's stages, when the
# pusher has them), over the publishing phase: metrics_save before and
# after it, then stages subtracts (and adds up the two pushers of a
# pair): count, mean and the buckets holding p50 and p99.
metrics_save() {	# metrics_save FILE PORT...: /metrics of each port, one file
  local f=$1 p; shift
  : > "$f"
  for p in "$@"; do
    curl -fsS --max-time 5 "http://127.0.0.1:$p/metrics" >> "$f" 2>/dev/null || true
    echo >> "$f"
  done
}
stages() {	# stages BEFORE AFTER
  { sed 's/^/- /' "$1"; sed 's/^/+ /' "$2"; } | awk '
    { sign = ($1 == "-") ? -1 : 1; sub(/^[-+] /, "") }
    function key(line,   name, lab) {
      name = line; sub(/[{ ].*/, "", name); sub(/_(bucket|sum|count)$/, "", name)
      lab = ""; if (match(line, /\{[^}]*\}/)) lab = substr(line, RSTART, RLENGTH)
      gsub(/,?le="[^"]*"/, "", lab); sub(/\{,/, "{", lab); if (lab == "{}") lab = ""
      return name lab
    }
    /^postes_pusher_[a-z0-9_]*_bucket[{ ]/ {
      k = key($0); le = $0; sub(/.*le="/, "", le); sub(/".*/, "", le)
      if (!(k in nb)) { order[++nk] = k; nb[k] = 0 }
      if (!((k, le) in idx)) { idx[k, le] = ++nb[k]; les[k, nb[k]] = le }
      cum[k, idx[k, le]] += sign * $NF; next	# two pushers: buckets add up
    }
    /^postes_pusher_[a-z0-9_]*_sum[{ ]/ { sum[key($0)] += sign * $NF; next }
    /^postes_pusher_[a-z0-9_]*_count[{ ]/ { cnt[key($0)] += sign * $NF; next }
    END {
      if (nk == 0) { print "    (no histograms in /metrics: no stage timings to show)"; exit }
      print "    /metrics histograms over the publishing phase:"
      for (j = 1; j <= nk; j++) {
        k = order[j]; n = cnt[k]; if (n == 0) continue
        p50 = p99 = "-"
        for (i = 1; i <= nb[k]; i++) {
          if (p50 == "-" && cum[k, i] >= 0.50 * n) p50 = les[k, i]
          if (p99 == "-" && cum[k, i] >= 0.99 * n) p99 = les[k, i]
        }
        printf "      %-54s n=%-7d mean=%-11.6g p50<=%-8s p99<=%s\n", k, n, sum[k] / n, p50, p99
      }
    }'
}

ROWS=()
declare -A P99 CPU LOSS KB HELD
# run_case KIND TRANSPORT SUBS: KIND pusher, nchan or pair.
run_case() {
  local kind=$1 xport=$2 subs=$3 path ports=() pids=() api=() before after
  local c0 c1 a0 a1 i n g ngen held=0 msgs=0 extra=0 short=0 bytes=0 lats
  local m0 m1 gcpu=0
  case "$kind" in
    pusher)
      pusher_stop TERM >/dev/null 2>&1 || true
      pusher_start >/dev/null
      pids=("$(cat "$V/run/pusher.pid")"); ports=("$POSTES_PUSHER_PORT") ;;
    pair)
      pair_stop; pair_start
      pids=("$(cat "$B/pair1.pid")" "$(cat "$B/pair2.pid")"); ports=("${PAIR_PORTS[@]}") ;;
    nchan)
      nginx_stop; nginx_start
      pids=("$(cat "$B/nginx.mainpid")"); ports=("$NPORT") ;;
  esac
  if [ "$kind" = nchan ]; then path=/sub
  elif [ "$xport" = ws ]; then path="/ws/dashboard/?ticket=$TICKET"
  else path="/events/dashboard?ticket=$TICKET"; fi
  # Warm the API: each FastCGI process's doorbell socket connected (a
  # PUB's first messages are lost while it connects). Nobody listens yet.
  [ "$kind" = nchan ] || timeout --foreground 30 "$B/publish" api 127.0.0.1 "$API_PORT" 6 20 >/dev/null \
    || say "warm-up failed"
  sleep 1
  before=$(pss "${pids[@]}")
  local o=$B/$kind-$xport-$subs		# this case's outputs, kept
  rm -rf "$o"; mkdir -p "$o"
  ngen=$(( (subs + GEN - 1) / GEN )); [ "$ngen" -ge 2 ] || ngen=2
  GENS=()
  for ((g = 0; g < ngen; g++)); do
    n=$(( subs / ngen )); [ "$g" = 0 ] && n=$(( subs - (ngen - 1) * (subs / ngen) ))
    timeout "$LGT" "$B/loadgen" -t "$xport" -p "${ports[$((g % ${#ports[@]}))]}" \
      -u "$path" -n "$n" -s "127.0.0.$((g + 2))" -m "$MSGS" -T 10 \
      -o "$o/lat.$g" > "$o/out.$g" 2>&1 &
    GENS+=($!)
  done
  # Wait until every generator holds its connections (at most 2 min).
  for _ in $(seq 1 1200); do
    [ "$(cat "$o"/out.* 2>/dev/null | grep -c '^READY')" = "$ngen" ] && break
    sleep 0.1
  done
  sleep 1
  after=$(pss "${pids[@]}")
  [ "$kind" = nchan ] || metrics_save "$o/metrics.before" "${ports[@]}"
  read -r -a api <<<"$(api_pids)"
  c0=$(cpu -c "${pids[@]}"); a0=$(cpu -c "${api[@]}"); m0=$(machine)
  if [ "$kind" = nchan ]; then
    timeout --foreground $((30 + 2 * PHASE)) "$B/publish" nchan 127.0.0.1 "$NPORT" /pub "$MSGS" "$RATE" "$SIZE" \
      > "$o/publish.out" || say "publish failed"
  else
    timeout --foreground $((30 + 2 * PHASE)) "$B/publish" api 127.0.0.1 "$API_PORT" "$MSGS" "$RATE" \
      > "$o/publish.out" || say "publish failed"
  fi
  wait "${GENS[@]}" || true
  GENS=()
  c1=$(cpu -c "${pids[@]}"); a1=$(cpu -c "${api[@]}"); m1=$(machine)
  [ "$kind" = nchan ] || metrics_save "$o/metrics.after" "${ports[@]}"
  for ((g = 0; g < ngen; g++)); do
    read -r h m s e b u <<<"$(sed -n 's/^DONE held=\([0-9]*\).* msgs=\([0-9]*\) short=\([0-9]*\).* extra=\([0-9]*\) bytes=\([0-9]*\) cpu_ms=\([0-9]*\).*/\1 \2 \3 \4 \5 \6/p' "$o/out.$g")"
    held=$((held + ${h:-0})); msgs=$((msgs + ${m:-0})); short=$((short + ${s:-0}))
    gcpu=$((gcpu + ${u:-0}))
    extra=$((extra + ${e:-0})); [ "${b:-0}" -gt 0 ] && bytes=$b
  done
  [ "$kind$xport" = pusherws ] && [ "$bytes" -gt 0 ] && [ -z "${SIZE:-}" ] && SIZE=$bytes
  lats=$(sort -n -m "$o"/lat.* | awk '{a[NR]=$1} END {
    if (NR == 0) { print "- - -"; exit }
    i50 = int(NR * 0.50); if (i50 < 1) i50 = 1
    i99 = int(NR * 0.99); if (i99 < 1) i99 = 1
    printf "%.1f %.1f %.1f", a[i50] / 1000, a[i99] / 1000, a[NR] / 1000 }')
  read -r p50 p99 pmax <<<"$lats"
  local id=$kind.$xport.$subs deliv=$((msgs + extra))
  local us kb
  us=$(awk -v c=$((c1 - c0)) -v hz="$HZ" -v d="$deliv" 'BEGIN { printf "%.2f", d ? c * 1e6 / hz / d : 0 }')
  kb=$(awk -v a="$after" -v b="$before" -v n="$subs" 'BEGIN { printf "%.1f", (a - b) / n }')
  P99[$id]=$p99; CPU[$id]=$us; LOSS[$id]=$((subs * MSGS - msgs)); KB[$id]=$kb; HELD[$id]=$held
  ROWS+=("$(printf '| %-6s | %-3s | %6d | %6d | %9d / %-9d | %7s | %7s | %7s | %7s | %6s |' \
    "$kind" "$xport" "$subs" "$held" "$msgs" "$((subs * MSGS))" "$p50" "$p99" "$pmax" "$us" "$kb")")
  echo "${ROWS[-1]}"
  echo "    $ngen generators; $short subscribers short; $extra other messages in the phase$([ "$kind" = nchan ] || echo ' (stats_update)');" \
       "message ${bytes} B; server CPU $(( (c1 - c0) * 1000 / HZ )) ms"
  # What else the two cores did meanwhile: when the machine is busy near
  # 100 %, the tail is queueing for a core, not the server's own work.
  echo "    generators' CPU $gcpu ms ($(awk -v g="$gcpu" -v d="$deliv" 'BEGIN { printf "%.2f", d ? g * 1000 / d : 0 }') us per delivery);" \
       "machine busy $(awk -v a="$m0" -v b="$m1" 'BEGIN { split(a, x, " "); split(b, y, " "); t = y[2] - x[2]; printf "%.0f", t ? 100 * (y[1] - x[1]) / t : 0 }') % of $(nproc) cores over the phase"
  echo "    publish requests answered in: $(sed -n 's/^ANSWERS n=\([0-9]*\) p50=\([0-9.]*\) max=\([0-9.]*\)/p50 \2 ms, max \3 ms (\1 requests)/p' "$o/publish.out" 2>/dev/null)"
  if [ "$kind" != nchan ]; then
    echo "    API side (lighttpd + postes-api + MariaDB) CPU per event: $(awk -v c=$((a1 - a0)) -v hz="$HZ" -v n="$MSGS" 'BEGIN { printf "%.1f", c * 1000 / hz / n }') ms"
    stages "$o/metrics.before" "$o/metrics.after"
  fi
  sleep 1
}

echo "$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); $MSGS messages at $RATE/s per case"
echo "| server | tr. | subs   | held   | delivered / expected  | p50 ms  | p99 ms  | max ms  | CPU us  | KB/sub |"
echo "|--------|-----|--------|--------|-----------------------|---------|---------|---------|---------|--------|"
SIZE=${BENCH_MSG_BYTES:-}
run_case pusher ws "$N"
run_case pusher sse "$N"
: "${SIZE:=400}"
if [ "$DO_NCHAN" = 1 ]; then
  run_case nchan ws "$N"
  run_case nchan sse "$N"
  nginx_stop
fi
if [ "$DO_BIG" = 1 ] || [ "$DO_PAIR" = 1 ]; then
  [ "$DO_PAIR" = 1 ] && [ "$PAIR" != "$BIG" ] && { run_case pusher ws "$PAIR"; run_case pusher sse "$PAIR"; }
  run_case pusher ws "$BIG"
  run_case pusher sse "$BIG"
fi
if [ "$DO_PAIR" = 1 ]; then
  relay_mode on
  run_case pair ws "$PAIR"
  run_case pair sse "$PAIR"
  relay_mode off
fi

# The summary: the table again, the ratios and issue 10's goals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || a == "-" || b == "-" || b == 0) print "-"; else printf "%.2f", a / b }'; }
mark() { case "$1" in -) echo "not measured" ;; *) awk -v r="$1" -v g="$2" 'BEGIN { print (r <= g) ? "met" : "NOT met" }' ;; esac; }
echo
echo "## Pusher vs Nchan: summary"
echo
echo "Latency: from the send time stamped by the publisher to receipt. postes: the"
echo "request POST /api/utilisateurs through lighttpd -> postes-api -> MariaDB ->"
echo "ZeroMQ doorbell -> pusher -> subscriber of 'dashboard' (the stamp is the"
echo "person's name in the utilisateur_created event). Nchan: a POST of a $SIZE-byte"
echo "body (the size of that event) with the stamp straight to nchan_publisher, as"
echo "a user of Nchan would publish. Subscribers connect to each server's port."
echo "CPU us: server utime+stime (/proc/PID/stat: the pusher, or nginx's master and"
echo "2 workers; both pushers for 'pair') during the publishing phase, per message"
echo "delivered (events + the pusher's stats_update). KB/sub: PSS delta / subscribers."
echo "'pair': two pushers woken through postes-relay, subscribers split over both."
echo "$(nproc) cores, generator, publisher and servers on the same machine; load average"
echo "now $(cut -d' ' -f1-3 /proc/loadavg) (anything else running moves these figures)."
echo
echo "| server | tr. | subs   | held   | delivered / expected  | p50 ms  | p99 ms  | max ms  | CPU us  | KB/sub |"
echo "|--------|-----|--------|--------|-----------------------|---------|---------|---------|---------|--------|"
printf '%s\n' "${ROWS[@]}"
echo
echo "| goal (issue 10)                               | measured                         | result  |"
echo "|-----------------------------------------------|----------------------------------|---------|"
for x in ws sse; do
  r=$(ratio "${P99[pusher.$x.$N]:-}" "${P99[nchan.$x.$N]:-}")
  printf '| %-45s | %-32s | %-7s |\n' "$x p99 <= 0.5 x Nchan's at $N" "ratio $r" "$(mark "$r" 0.5)"
  r=$(ratio "${CPU[pusher.$x.$N]:-}" "${CPU[nchan.$x.$N]:-}")
  printf '| %-45s | %-32s | %-7s |\n' "$x CPU per delivery <= 0.5 x Nchan's" "ratio $r" "$(mark "$r" 0.5)"
done
worst=0
for k in "${!KB[@]}"; do
  case $k in pusher.*) worst=$(awk -v a="$worst" -v b="${KB[$k]}" 'BEGIN { print (b > a) ? b : a }') ;; esac
done
printf '| %-45s | %-32s | %-7s |\n' "<= 6 KB per subscriber (one pusher)" "worst $worst KB" "$(mark "$worst" 6)"
for x in ws sse; do
  p=${P99[pusher.$x.$BIG]:--}; h=${HELD[pusher.$x.$BIG]:-0}
  if [ "$p" = - ]; then res="not measured"
  elif [ "$BIG" -lt 19000 ]; then res="n/a ($BIG subs)"
  else res=$(awk -v p="$p" -v h="$h" -v n="$BIG" 'BEGIN { print (p < 250 && h == n) ? "met" : "NOT met" }'); fi
  printf '| %-45s | %-32s | %-7s |\n' "$x 19,000 in one process, p99 < 250 ms" "$h held, p99 $p ms" "$res"
done
lost=0; for k in "${!LOSS[@]}"; do lost=$((lost + LOSS[$k])); done
printf '| %-45s | %-32s | %-7s |\n' "zero loss (every case)" "$lost lost" "$([ "$lost" = 0 ] && echo met || echo "NOT met")"
if [ "$DO_PAIR" = 1 ]; then
  echo
  echo "Two pushers beside one at $PAIR subscribers (issue 12; no goal):"
  for x in ws sse; do
    echo "  $x: p99 pair/one $(ratio "${P99[pair.$x.$PAIR]:-}" "${P99[pusher.$x.$PAIR]:-}")," \
         "CPU per delivery pair/one $(ratio "${CPU[pair.$x.$PAIR]:-}" "${CPU[pusher.$x.$PAIR]:-}")"
  done
fi
[ "$QUICK" = 1 ] && echo && echo "BENCH_QUICK=1: smoke-test sizes; the goals are for the full sizes."
true
