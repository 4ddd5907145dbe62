#!/usr/bin/env bash
# test.sh - `make test`: build (normal and ASan/UBSan), run the C unit
# tests, bring up a private stack on free ports with the sanitizer build,
# run every integration and browser test against it, and fail if a
# sanitizer reported anything. FRONT=apache (make test FRONT=apache) puts
# Apache in front instead of lighttpd; .ci/run runs both.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
: "${FRONT:=lighttpd}"
export FRONT
export POSTES_VAR_DIR=$ROOT/var/test
[ "$FRONT" = lighttpd ] || POSTES_VAR_DIR=$ROOT/var/test-$FRONT
rm -rf "$POSTES_VAR_DIR"
. deploy/lib.sh

make -s -j2 all unit
make -s -j2 SANITIZER=address,undefined all unit
# A short run of every libFuzzer target over its corpus (make fuzz-run):
# the parsers do not depend on the front, so once per CI run.
if [ "$FRONT" = lighttpd ]; then
  make -s fuzz-run FUZZ_TIME=${POSTES_FUZZ_TIME:-20}
fi
bash deploy/build-www.sh

export POSTES_HTTP_PORT=$(free_port ${POSTES_TEST_PORT_BASE:-18080})
export POSTES_PUSHER_PORT=$(free_port $((POSTES_HTTP_PORT + 1)))
export POSTES_ZMQ_PORT=$(free_port $((POSTES_PUSHER_PORT + 1)))
export POSTES_BUILD=$ROOT/build/san
export POSTES_ADMIN_USER=admin
export POSTES_ADMIN_PASSWORD=${POSTES_ADMIN_PASSWORD:-test-admin-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')}
export POSTES_HEARTBEAT_INTERVAL=${POSTES_HEARTBEAT_INTERVAL:-2}
mkdir -p "$POSTES_VAR_DIR/log"
export ASAN_OPTIONS="log_path=$POSTES_VAR_DIR/log/asan:detect_leaks=0"
export UBSAN_OPTIONS="log_path=$POSTES_VAR_DIR/log/ubsan:print_stacktrace=1"

trap 'stack_stop' EXIT
say "front: $FRONT"
stack_start
export POSTES_BASE_URL=http://127.0.0.1:$POSTES_HTTP_PORT
export POSTES_PUSHER_URL=http://127.0.0.1:$POSTES_PUSHER_PORT

(cd tests && npm ci --no-audit --no-fund --loglevel=error)
status=0
tap=$POSTES_VAR_DIR/log/integration.tap
# A test stuck for 5 minutes fails with "test timed out" (the longest
# takes about 80 s, 160 s under ASan on a loaded machine), and a file
# whose failed test left a stream open ends with its tests instead of
# hanging the run: either way the digest below says which.
node --test --test-concurrency=1 --test-timeout=300000 --test-force-exit \
  --test-reporter=tap --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$tap" tests/integration/ || status=$?
# Front-end unit tests (www/src/lib: countdown, back-off, i18n, stream fallback, tab election, notifications).
node --test tests/unit-js/ || status=$?

stack_stop
trap - EXIT
if ls "$POSTES_VAR_DIR"/log/asan.* "$POSTES_VAR_DIR"/log/ubsan.* >/dev/null 2>&1; then
  say "sanitizer reports:"; cat "$POSTES_VAR_DIR"/log/asan.* "$POSTES_VAR_DIR"/log/ubsan.* 2>/dev/null >&2
  status=1
fi

# The shared-hosting profile: Apache as an unprivileged user, postes-api
# as plain CGI, one MariaDB account, no pusher, the clock by cron (own
# ports from base+40, own var dir). Its own Apache whatever the front, so
# once per CI run: with the default front only.
if [ "${FRONT:-lighttpd}" = lighttpd ]; then
  bash deploy/shared-hosting/test.sh || status=1
fi
# On failure, the why at the end of the output (CI shows its tail).
[ $status -eq 0 ] || bash deploy/test-digest.sh "$tap" "$POSTES_VAR_DIR/log"
exit $status
