#!/usr/bin/env bash
# api-pool.sh N PROGRAM [ARG...] - keep N copies of a FastCGI responder
# serving one listening socket, for fronts that do not spawn FastCGI
# programs themselves (Apache's mod_proxy_fcgi).
#
#	spawn-fcgi -n -s var/run/api.sock -- bash deploy/api-pool.sh 2 postes-api
#
# spawn-fcgi binds the socket and hands it over as fd 0, then execs us (no
# fork: our pid is the pool's). Every worker inherits that one socket and
# accept()s on it, as lighttpd's own children do. A worker that ends (a
# crash, kill -9) is started again at once, then with a growing pause (up
# to 10 s) while workers keep dying within 2 s of their start. A
# connection waiting in the socket's backlog is served by the next worker;
# only the request a dying worker was answering is lost (the front turns
# that into the API's JSON error). TERM or INT stops the workers, then us.
set -u
[ $# -ge 2 ] || { echo "usage: $0 N PROGRAM [ARG...]" >&2; exit 2; }
n=$1; shift
exec 3<&0 </dev/null		# the listening socket, kept out of our stdin
declare -A started		# pid -> start time (s)
pause=0

spawn() { "$@" 0<&3 3<&- & started[$!]=$SECONDS; }

stop() {
  trap - TERM INT
  [ ${#started[@]} -eq 0 ] || kill -TERM "${!started[@]}" 2>/dev/null
  wait
  exit 0
}
trap stop TERM INT

for ((i = 0; i < n; i++)); do spawn "$@"; done
while :; do
  # Wake up when a worker ends, or after a second at most (wait -n may
  # miss a worker that ended while we were starting another).
  sleep 1 & tick=$!
  wait -n
  kill "$tick" 2>/dev/null
  for pid in "${!started[@]}"; do
    ! kill -0 "$pid" 2>/dev/null || continue
    if [ $((SECONDS - started[$pid])) -lt 2 ]; then
      pause=$(( pause == 0 ? 1 : (pause >= 10 ? 10 : pause * 2) ))
    else
      pause=0
    fi
    unset "started[$pid]"
    echo "api-pool: worker $pid ended; starting another after ${pause}s" >&2
    # (sleep in the background: TERM must not wait for the pause to end)
    [ "$pause" -eq 0 ] || { sleep "$pause" & wait $!; }
    spawn "$@"
  done
done
