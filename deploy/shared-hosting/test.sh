#!/usr/bin/env bash
# test.sh - the shared-hosting profile, end to end (called by
# deploy/test.sh after the main suite; runs alone too).
#
# A "host" is built from stock parts: a MariaDB server whose root creates
# one database and ONE account with rights on that database only (as a
# hosting panel does), and Apache 2.4 started by an unprivileged user
# (www-data) on a high port, with mod_cgid and AllowOverride All. The
# hosting account (www-data) then does what the docs tell an operator:
# runs setup.sh with that account (schema, migrations, first admin, site,
# .htaccess); no pusher runs, POSTES_ZMQ_ENDPOINT=none. Then:
#   - checks of the .htaccess and of plain CGI itself (curl);
#   - the API, admin-page, kiosk and dashboard tests, told that there is
#     no pusher (POSTES_NO_PUSHER=1), postes-api in plain CGI mode;
#   - tests/shared-hosting/: the clock by cron (`postes-api sweep` run as
#     the hosting account with cron's bare environment).
#
# Environment: POSTES_TEST_PORT_BASE (ports from base+40), POSTES_BUILD
# (default build/san when built, else build/std).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
t0=$(date +%s)
HOSTUSER=${POSTES_SH_USER:-www-data}
# The hosting account must enter its home: under the tree, unless the
# tree sits below a directory it cannot enter (a checkout in /root, as
# root), where the home goes outside the tree. Nothing else of the tree
# is read by that account: it works from the release it "uploaded"
# (below), as on a real host.
export POSTES_VAR_DIR=$ROOT/var/shared-test
chmod o+x "$ROOT"; mkdir -p "$ROOT/var"; chmod o+x "$ROOT/var"
if ! runuser -u "$HOSTUSER" -- test -x "$ROOT/var"; then
  POSTES_VAR_DIR=/var/tmp/postes-shared-test.$(id -u)
  echo "postes: shared hosting: $HOSTUSER cannot enter $ROOT; its home is in $POSTES_VAR_DIR" >&2
fi
rm -rf "$POSTES_VAR_DIR"
if [ -z "${POSTES_BUILD:-}" ]; then
  if [ -x build/san/postes-api ]; then POSTES_BUILD=$ROOT/build/san; else POSTES_BUILD=$ROOT/build/std; fi
fi
. deploy/lib.sh
[ -x "$POSTES_BUILD/postes-api" ] || make -s -j2 all
[ -f www/dist/index.html ] || bash deploy/build-www.sh

HOME_DIR=$V/home				# the hosting account's home
DOCROOT=$HOME_DIR/public_html
CONF=$HOME_DIR/postes/postes.conf		# outside the document root
PORT=$(free_port $(( ${POSTES_TEST_PORT_BASE:-18080} + 40 )))
# From its home: the tree, our working directory, may be closed to it.
as_host() { (cd "$HOME_DIR" && runuser -u "$HOSTUSER" -- "$@"); }

mkdir -p "$V/run" "$V/log" "$HOME_DIR/postes/var" "$DOCROOT"
chmod 0755 "$V"
# The release the operator uploads to the account's home: the set-up
# script, the migrations, the built front end and the program (setup.sh
# finds db/ and www/dist beside it, as in the tree). The account owns it.
REL=$HOME_DIR/release
mkdir -p "$REL/deploy" "$REL/www"
cp -a deploy/shared-hosting "$REL/deploy/"
cp -a db "$REL/"
cp -a www/dist "$REL/www/"
cp "$POSTES_BUILD/postes-api" "$REL/postes-api"
chown -R "$HOSTUSER:" "$HOME_DIR" "$V/log"
chmod 0711 "$HOME_DIR"

# ---- the host's MariaDB: one database, one account, rights on it only
mariadb-install-db --datadir="$V/mysql" --user="$(id -un)" \
  --auth-root-authentication-method=socket --skip-test-db >"$V/log/mariadb-install.log" 2>&1
mariadbd --no-defaults --datadir="$V/mysql" --socket="$POSTES_DB_SOCKET" \
  --pid-file="$V/run/mysqld.pid" --skip-networking --user="$(id -un)" \
  --log-error="$V/log/mariadb.log" --innodb-buffer-pool-size=128M \
  --innodb-flush-log-at-trx-commit=2 --character-set-server=utf8mb4 \
  --collation-server=utf8mb4_unicode_ci --max-connections=300 &
echo $! > "$V/run/mysqld.mainpid"
cleanup() {
  [ -f "$V/run/httpd.pid" ] && kill "$(cat "$V/run/httpd.pid")" 2>/dev/null
  db_stop
}
trap cleanup EXIT
wait_for 60 db_sql -e 'SELECT 1' || { say "MariaDB did not start, see $V/log/mariadb.log"; exit 1; }
DBPASS=$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')
db_sql <<SQL
CREATE DATABASE postes CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER 'compte'@'localhost' IDENTIFIED BY '$DBPASS';
GRANT ALL PRIVILEGES ON postes.* TO 'compte'@'localhost';
SQL
# What the account may do, for the record: nothing outside its database.
[ "$(db_sql -N -e "SELECT COUNT(*) FROM mysql.global_priv WHERE User='compte' AND JSON_VALUE(Priv, '$.access') <> '0'")" = 0 ] \
  || { say "the account has global rights"; exit 1; }

# ---- the hosting account's configuration, then setup.sh as that account
# A town hall in a zone whose offset is not whole hours (India, +5:30):
# the statistics then answer from the sessions themselves, not from the
# hourly summaries (fcgi-api/api/stats.c), and api-stats-summary checks
# that path here; the main suite runs in Europe/Paris.
export POSTES_TZ=${POSTES_SH_TZ:-Asia/Kolkata}
SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
as_host tee "$CONF" >/dev/null <<EOF
# written by deploy/shared-hosting/test.sh, as an operator would from
# postes.conf.example
POSTES_DB_SOCKET=$POSTES_DB_SOCKET
POSTES_DB_NAME=postes
POSTES_DB_USER=compte
POSTES_DB_PASSWORD=$DBPASS
POSTES_SECRET=$SECRET
POSTES_ORIGIN=http://127.0.0.1:$PORT
POSTES_ZMQ_ENDPOINT=none
POSTES_HEARTBEAT_INTERVAL=${POSTES_HEARTBEAT_INTERVAL:-2}
POSTES_VAR_DIR=$HOME_DIR/postes/var
POSTES_TZ=$POSTES_TZ
EOF
export POSTES_ADMIN_USER=admin
export POSTES_ADMIN_PASSWORD=${POSTES_ADMIN_PASSWORD:-sh-admin-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')}
export POSTES_HEARTBEAT_INTERVAL=${POSTES_HEARTBEAT_INTERVAL:-2}
mkdir -p "$V/log/san"; chown "$HOSTUSER:" "$V/log/san"
export ASAN_OPTIONS="log_path=$V/log/san/asan:detect_leaks=0"
export UBSAN_OPTIONS="log_path=$V/log/san/ubsan:print_stacktrace=1"
as_host env -i PATH=/usr/bin:/bin HOME="$HOME_DIR" POSTES_ADMIN_USER=admin \
  POSTES_ADMIN_PASSWORD="$POSTES_ADMIN_PASSWORD" ASAN_OPTIONS="$ASAN_OPTIONS" UBSAN_OPTIONS="$UBSAN_OPTIONS" \
  bash "$REL/deploy/shared-hosting/setup.sh" --config "$CONF" --docroot "$DOCROOT" \
  --bin "$REL/postes-api" >"$V/log/setup.out" 2>&1 \
  || { cat "$V/log/setup.out" >&2; say "setup.sh failed"; exit 1; }
# Running it again is an upgrade: nothing to do, nothing broken.
as_host env -i PATH=/usr/bin:/bin HOME="$HOME_DIR" ASAN_OPTIONS="$ASAN_OPTIONS" UBSAN_OPTIONS="$UBSAN_OPTIONS" \
  bash "$REL/deploy/shared-hosting/setup.sh" --config "$CONF" --docroot "$DOCROOT" \
  --bin "$REL/postes-api" >>"$V/log/setup.out" 2>&1 \
  || { cat "$V/log/setup.out" >&2; say "setup.sh (again) failed"; exit 1; }
grep -q '^\* \* \* \* \* POSTES_CONFIG=' "$V/log/setup.out" || { say "setup.sh printed no crontab line"; exit 1; }
[ "$(stat -c %a "$CONF")" = 600 ] || { say "$CONF is not 0600"; exit 1; }

# ---- the host's Apache, started by the unprivileged user
sed -e "s|@PORT@|$PORT|g" -e "s|@VAR@|$V|g" -e "s|@DOCROOT@|$DOCROOT|g" \
  deploy/shared-hosting/test-httpd.conf.in > "$V/httpd.conf"
# Sanitizer options reach a CGI only if the host passes them on.
printf 'PassEnv ASAN_OPTIONS UBSAN_OPTIONS\n' >> "$V/httpd.conf"
chown "$HOSTUSER:" "$V/run"
as_host env ASAN_OPTIONS="$ASAN_OPTIONS" UBSAN_OPTIONS="$UBSAN_OPTIONS" \
  apache2 -f "$V/httpd.conf" -k start >"$V/log/httpd.out" 2>&1 \
  || { cat "$V/log/httpd.out" "$V/log/httpd-error.log" >&2; exit 1; }
B=http://127.0.0.1:$PORT
wait_for 20 curl -fsS "$B/api/health" || { say "Apache/CGI did not answer"; cat "$V/log/httpd-error.log" >&2; exit 1; }
[ "$(stat -c %U /proc/"$(cat "$V/run/httpd.pid")")" = "$HOSTUSER" ] || { say "Apache does not run as $HOSTUSER"; exit 1; }
say "shared hosting: Apache (as $HOSTUSER, CGI) on $B, set up in $(( $(date +%s) - t0 )) s"

# ---- the .htaccess and plain CGI, seen from outside
fail=0
check() {	# check WHAT EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then echo "ok - $1"; else echo "not ok - $1: expected [$2], got [$3]"; fail=1; fi
}
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
check "the API through the CGI" 200 "$(code "$B/api/health")"
check "the config says there is no pusher" '{"pusher":false,"heartbeat_interval":2}' "$(curl -s "$B/api/config")"
check "an unknown API path is the API's JSON 404" 'application/json; charset=utf-8 404' \
  "$(curl -s -o /dev/null -w '%{content_type} %{http_code}' "$B/api/nope")"
check "the program by its own name is forbidden" 403 "$(code "$B/cgi-bin/postes-api.cgi")"
check "the .htaccess is not served" 403 "$(code "$B/.htaccess")"
check "no pusher: /ws/ is not found" 404 "$(code "$B/ws/dashboard/")"
check "a query string without '=' is not a command (ISINDEX argv)" 200 "$(code "$B/api/health?bootstrap-admin")"
check "... nor with 'sweep'" '{"status":"ok","database":"ok"}' "$(curl -s "$B/api/health?sweep")"
check "a bodyless POST without Content-Length gets the API's JSON" 'application/json; charset=utf-8 401' \
  "$(curl -s -o /dev/null -w '%{content_type} %{http_code}' -X POST "$B/api/auth/logout")"
check "the kiosk's Bearer token reaches the CGI (CGIPassAuth)" '401 invalid_token' \
  "$(curl -s -w ' %{http_code}' -H 'Authorization: Bearer 00112233' "$B/api/kiosk/session" | sed -E 's/.*"code":"([a-z_]+)".* ([0-9]+)$/\2 \1/')"
check "hashed assets are cached for good" 'public, max-age=31536000, immutable' \
  "$(curl -sI "$B/assets/$(ls "$DOCROOT/assets" | head -1)" | tr -d '\r' | sed -n 's/^Cache-Control: //Ip')"
check "pages are checked at every visit" 'no-cache' "$(curl -sI "$B/kiosk/" | tr -d '\r' | sed -n 's/^Cache-Control: //Ip')"
check "the admin pages through the CGI" 303 "$(code "$B/admin/")"

# ---- the suites, with no pusher
export POSTES_BASE_URL=$B
export POSTES_PUSHER_URL=http://127.0.0.1:9	# nothing there
export POSTES_NO_PUSHER=1
export POSTES_CONFIG=$CONF
export POSTES_SH_USER=$HOSTUSER
export POSTES_SH_CGI=$DOCROOT/cgi-bin/postes-api.cgi
[ -d tests/node_modules ] || (cd tests && npm ci --no-audit --no-fund --loglevel=error)
status=$fail
node --test --test-concurrency=1 --test-timeout=300000 --test-force-exit \
  tests/integration/api-authz.test.mjs tests/integration/api-clock.test.mjs \
  tests/integration/api-flow.test.mjs tests/integration/api-refusals.test.mjs \
  tests/integration/api-security.test.mjs tests/integration/admin-pages.test.mjs \
  tests/integration/ui-kiosk.test.mjs tests/integration/ui-dashboard.test.mjs \
  tests/integration/api-stats-summary.test.mjs tests/shared-hosting/ || status=1

if ls "$V"/log/san/* >/dev/null 2>&1; then
  say "sanitizer reports:"; cat "$V"/log/san/* >&2; status=1
fi
if grep -E 'AH0[0-9]+: .*(error|segfault|Premature end of script)' "$V/log/httpd-error.log" >&2; then
  say "errors in Apache's log"; status=1
fi
say "shared hosting: done in $(( $(date +%s) - t0 )) s, status $status"
exit $status
