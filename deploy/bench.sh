#!/usr/bin/env bash
# bench.sh - `make bench`: benchmarks, not tests. Builds the optimised
# binaries, starts a private stack on free ports, runs in turn the API
# benchmark (tests/bench/api-bench.sh), the same kiosk/validate as
# FastCGI and as plain CGI (cgi-bench.sh), the statistics reports on
# generated history (stats-bench.sh) and the pusher beside Nchan, alone
# at its largest size, and two pushers beside one (pusher-bench.sh),
# prints the figures, and stops everything. Nothing is asserted.
# docs/bench.md describes what each part measures and how to read it.
#
# Knobs (environment; the parts' own are listed in docs/bench.md and at
# the top of each script):
#   BENCH_QUICK=1        smoke-test sizes for every part (about 2 minutes
#                        instead of about 6 on a 2-core machine; each part
#                        is time-limited): 3 s of wrk per figure,
#                        20,000 generated sessions, 1,000 / 2,000
#                        subscribers and 5 messages
#   BENCH_ONLY           space-separated parts to run: api cgi stats pusher
#                        (default: all)
#   BENCH_VAR_DIR        the stack's state directory (var/bench)
#   BENCH_PORT_BASE      first port tried for the stack (19080)
#   BENCH_STEP_LIMIT     seconds allowed to each part before it is
#                        stopped (900; the pusher part gets twice that)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
export POSTES_VAR_DIR=${BENCH_VAR_DIR:-$ROOT/var/bench}
rm -rf "$POSTES_VAR_DIR"
. deploy/lib.sh
make -s -j2 all
export POSTES_HTTP_PORT=$(free_port "${BENCH_PORT_BASE:-19080}")
export POSTES_PUSHER_PORT=$(free_port $((POSTES_HTTP_PORT + 1)))
export POSTES_ZMQ_PORT=$(free_port $((POSTES_PUSHER_PORT + 1)))
export POSTES_BUILD=$ROOT/build/std
export POSTES_API_PROCS=${POSTES_API_PROCS:-4}
export POSTES_ADMIN_USER=admin
export POSTES_ADMIN_PASSWORD=bench-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')
if [ "${BENCH_QUICK:-0}" = 1 ]; then
  export BENCH_QUICK=1
  export BENCH_SECONDS=${BENCH_SECONDS:-3}
  export BENCH_STATS_SESSIONS=${BENCH_STATS_SESSIONS:-20000}
  export BENCH_STATS_RUNS=${BENCH_STATS_RUNS:-3}
fi
ONLY=" ${BENCH_ONLY:-api cgi stats pusher} "
LIMIT=${BENCH_STEP_LIMIT:-900}
trap 'stack_stop' EXIT
trap 'exit 143' TERM INT
stack_start
export POSTES_BASE_URL=http://127.0.0.1:$POSTES_HTTP_PORT
export POSTES_PUSHER_URL=http://127.0.0.1:$POSTES_PUSHER_PORT
t0=$(date +%s)

part() {	# part NAME TITLE SCRIPT [LIMIT]: one part, time-limited
  case "$ONLY" in *" $1 "*) ;; *) return 0 ;; esac
  [ -f "$3" ] || return 0
  local t=$(date +%s) rc=0
  echo
  echo "######## $2"
  timeout --foreground -k 60 "${4:-$LIMIT}" bash "$3" || rc=$?
  [ "$rc" = 0 ] || say "$3 ended with status $rc$([ "$rc" = 124 ] && echo ' (time limit)')"
  echo "($1: $(( $(date +%s) - t )) s)"
}
echo "make bench$([ "${BENCH_QUICK:-0}" = 1 ] && echo ' (BENCH_QUICK=1)'): $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
part api "API (lighttpd + postes-api FastCGI + MariaDB)" tests/bench/api-bench.sh
# The same with other FastCGI process counts (BENCH_API_PROCS_ALSO, space-separated;
# empty: none; none in quick mode): lighttpd starts them, so the front is
# restarted around it.
procs=$POSTES_API_PROCS
[ "${BENCH_QUICK:-0}" = 1 ] && BENCH_API_PROCS_ALSO=${BENCH_API_PROCS_ALSO-}
for n in ${BENCH_API_PROCS_ALSO-2}; do
  case "$ONLY" in *" api "*) ;; *) break ;; esac
  [ "$n" != "$procs" ] || continue
  POSTES_API_PROCS=$n
  front_stop; front_start
  part api "API with $n FastCGI processes" tests/bench/api-bench.sh
done
if [ "$POSTES_API_PROCS" != "$procs" ]; then
  POSTES_API_PROCS=$procs
  front_stop; front_start
fi
part cgi "API: FastCGI vs plain CGI (kiosk/validate)" tests/bench/cgi-bench.sh
part stats "Statistics on generated history (${BENCH_STATS_SESSIONS:-200000} sessions)" tests/bench/stats-bench.sh
part pusher "Pusher vs Nchan; the pusher alone; two pushers beside one" tests/bench/pusher-bench.sh $((2 * LIMIT))
echo
echo "make bench: $(( $(date +%s) - t0 )) s"
