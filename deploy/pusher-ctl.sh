#!/usr/bin/env bash
# pusher-ctl.sh start|start-answering|stop|kill9|restart - drive the
# pusher of a running stack (tests use it to kill and restart it; with
# start-answering, a 503 from /healthz is enough: database down). Same
# environment as test.sh. stop leaves var/run/pusher.held (run.sh's
# supervisor leaves it down); kill9 is a crash (the supervisor brings it
# back); start removes it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
case "${1:-}" in
  start)   pusher_start ;;
  start-answering) pusher_start answering ;;
  stop)    : > "$V/run/pusher.held"; pusher_stop TERM ;;
  kill9)   pusher_stop KILL ;;
  restart) : > "$V/run/pusher.held"; pusher_stop TERM; pusher_start ;;
  *) echo "usage: $0 start|start-answering|stop|kill9|restart" >&2; exit 2 ;;
esac
