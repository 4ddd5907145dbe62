#!/usr/bin/env bash
# bench.sh - `make bench`: benchmarks, not tests. Builds the optimised
# binaries, starts a private stack on free ports (var/bench), runs the API
# benchmark, the same kiosk/validate as FastCGI and as plain CGI (Apache),
# the statistics reports on 200,000 generated sessions
# (tests/bench/stats-bench.sh) and, when present, the pusher benchmark
# beside Nchan, prints
# the figures, and stops everything. Nothing is asserted.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
export POSTES_VAR_DIR=$ROOT/var/bench
rm -rf "$POSTES_VAR_DIR"
. deploy/lib.sh
make -s -j2 all
export POSTES_HTTP_PORT=$(free_port 19080)
export POSTES_PUSHER_PORT=$(free_port $((POSTES_HTTP_PORT + 1)))
export POSTES_ZMQ_PORT=$(free_port $((POSTES_PUSHER_PORT + 1)))
export POSTES_BUILD=$ROOT/build/std
export POSTES_API_PROCS=${POSTES_API_PROCS:-2}
export POSTES_ADMIN_USER=admin
export POSTES_ADMIN_PASSWORD=bench-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')
trap 'stack_stop' EXIT
stack_start
export POSTES_BASE_URL=http://127.0.0.1:$POSTES_HTTP_PORT
export POSTES_PUSHER_URL=http://127.0.0.1:$POSTES_PUSHER_PORT

echo "######## API (lighttpd + postes-api FastCGI + MariaDB)"
bash tests/bench/api-bench.sh
# The same with more FastCGI processes (BENCH_API_PROCS_ALSO, space-separated;
# empty: none): lighttpd starts them, so the front is restarted around it.
procs=$POSTES_API_PROCS
for n in ${BENCH_API_PROCS_ALSO-4}; do
  [ "$n" != "$procs" ] || continue
  echo
  echo "######## API with $n FastCGI processes"
  POSTES_API_PROCS=$n
  front_stop; front_start
  bash tests/bench/api-bench.sh
done
if [ "$POSTES_API_PROCS" != "$procs" ]; then
  POSTES_API_PROCS=$procs
  front_stop; front_start
fi
echo
echo "######## API: FastCGI vs plain CGI (kiosk/validate)"
bash tests/bench/cgi-bench.sh

echo
echo "######## Statistics on a year of history (200,000 sessions)"
bash tests/bench/stats-bench.sh
if [ -x tests/bench/pusher-bench.sh ]; then
  echo
  echo "######## Pusher vs Nchan"
  bash tests/bench/pusher-bench.sh
fi
