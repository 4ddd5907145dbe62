# lib.sh - start and stop the private stack (sourced by run.sh, test.sh,
# bench.sh, db-ctl.sh and pusher-ctl.sh).
#
# Everything lives under $POSTES_VAR_DIR: the MariaDB data directory and
# socket, the generated configuration, pid files and logs. Nothing system
# wide is touched, so `make run` and `make test` can run side by side.
#
# Inputs (environment): POSTES_VAR_DIR, POSTES_HTTP_PORT, POSTES_PUSHER_PORT,
# POSTES_ZMQ_PORT, POSTES_BUILD (build/std or build/san), FRONT (lighttpd,
# the default, or apache), POSTES_RUN_USER (see run_user_init).
#
# Started as root, nothing long-running stays root: MariaDB, the pusher,
# the front and the API run as the unprivileged system user `postes`
# (created here if missing), and var/ belongs to it. Started by anyone
# else, everything runs as that user.
#
# Pid files in var/run/: mysqld.mainpid, pusher.pid, front.pid (lighttpd
# or Apache; lighttpd.pid too, as before), and under Apache api-pool.pid
# and admin-pool.pid; api-parent.pid names the process whose children
# serve /api/ (lighttpd, or the Apache api pool). A component stopped on purpose (db-ctl.sh stop,
# pusher-ctl.sh stop) leaves <name>.held so that run.sh's supervisor does
# not bring it back; its start removes it.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
: "${POSTES_VAR_DIR:=$ROOT/var}"
: "${POSTES_HTTP_PORT:=8080}"
: "${POSTES_PUSHER_PORT:=8081}"
: "${POSTES_ZMQ_PORT:=8082}"
: "${POSTES_BUILD:=$ROOT/build/std}"
# The front's listen address: loopback unless asked (0.0.0.0, a LAN IP).
: "${POSTES_LISTEN_ADDR:=127.0.0.1}"
: "${FRONT:=lighttpd}"
case "$POSTES_VAR_DIR" in /*) ;; *) POSTES_VAR_DIR=$ROOT/$POSTES_VAR_DIR ;; esac
case "$POSTES_BUILD" in /*) ;; *) POSTES_BUILD=$ROOT/$POSTES_BUILD ;; esac
V=$POSTES_VAR_DIR
export POSTES_VAR_DIR POSTES_HTTP_PORT POSTES_PUSHER_PORT POSTES_ZMQ_PORT POSTES_BUILD FRONT POSTES_LISTEN_ADDR
export POSTES_CONFIG=$V/postes.conf
export POSTES_DB_SOCKET=$V/run/mysqld.sock

say() { printf 'postes: %s\n' "$*" >&2; }

case "$FRONT" in
  lighttpd|apache) ;;
  *) say "FRONT=$FRONT: lighttpd or apache"; exit 2 ;;
esac

# A port nobody listens on, starting from $1.
free_port() {
  local p=$1
  while ss -Htln "sport = :$p" 2>/dev/null | grep -q . ; do p=$((p + 1)); done
  echo "$p"
}

# True when pid is gone or a zombie nobody reaped yet.
gone() { ! kill -0 "$1" 2>/dev/null || [ "$(ps -o stat= -p "$1" 2>/dev/null | cut -c1)" = Z ]; }

wait_for() {	# wait_for SECONDS COMMAND...: poll until COMMAND succeeds
  local n=$(($1 * 10)); shift
  while ! "$@" >/dev/null 2>&1; do
    n=$((n - 1)); [ "$n" -gt 0 ] || return 1; sleep 0.1
  done
}

# RUN_USER: who the long-running programs run as; RUN_AS: the command
# prefix that makes a program run as that user (empty when it is us).
# As root: POSTES_RUN_USER, by default the system user `postes` (the one
# `make install` uses too), created if missing. POSTES_RUN_USER=root keeps
# everything as root (not recommended).
RUN_USER=
RUN_AS=()
run_user_init() {
  [ -z "$RUN_USER" ] || return 0
  RUN_USER=$(id -un)
  [ "$(id -u)" -eq 0 ] || return 0
  local u=${POSTES_RUN_USER:-postes}
  [ "$u" != root ] || return 0
  if ! id -u "$u" >/dev/null 2>&1; then
    useradd --system --home-dir /var/lib/postes --shell /usr/sbin/nologin "$u" \
      || { say "could not create the system user $u"; return 1; }
  fi
  RUN_USER=$u
  RUN_AS=(setpriv --reuid="$u" --regid="$(id -g "$u")" --init-groups --)
  # Programs, front end and deploy/ must be readable by that user: not so
  # for a checkout under a private home directory (/root).
  local docroot=$ROOT/www/dist
  [ -d "$docroot" ] || docroot=$ROOT/www/static
  if ! "${RUN_AS[@]}" test -r "$ROOT/deploy/lib.sh" -a -x "$ROOT/deploy/front-errors" \
       -a -x "$docroot"; then
    say "WARNING: user $u cannot read $ROOT (a parent directory is private):"
    say "WARNING: everything runs as root. Put the checkout where $u can read it"
    say "WARNING: (for example /srv/postes), or run make as an ordinary user."
    RUN_USER=root
    RUN_AS=()
  fi
}

# var/ and what is in it belong to RUN_USER (it writes the database,
# sockets, logs and the first admin's password there).
var_own() {
  [ "$(id -u)" -eq 0 ] || return 0
  chown -R "$RUN_USER:$(id -g "$RUN_USER")" "$@"
}

# Secrets are made once per var dir and kept (mode 0600).
secrets_init() {
  run_user_init
  mkdir -p "$V/run" "$V/log"
  chmod 0700 "$V"
  if [ ! -s "$V/secrets.env" ]; then
    umask 077
    {
      echo "POSTES_DB_PASSWORD=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
      echo "POSTES_SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    } > "$V/secrets.env"
    umask 022
  fi
  # The migration account's password stays out of postes.conf: the
  # programs never read it (only db/migrate.sh, through
  # POSTES_MIGRATE_CONFIG).
  if [ ! -s "$V/migrate.env" ]; then
    umask 077
    {
      echo "POSTES_MIGRATE_USER=postes_migrate"
      echo "POSTES_MIGRATE_PASSWORD=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    } > "$V/migrate.env"
    umask 022
  fi
  var_own "$V"
}

# The configuration file every program reads (POSTES_CONFIG).
config_write() {
  umask 077
  {
    echo "# generated by deploy/lib.sh at each start; edit deploy/, not this"
    cat "$V/secrets.env"
    echo "POSTES_DB_SOCKET=$POSTES_DB_SOCKET"
    echo "POSTES_DB_USER=postes"
    echo "POSTES_DB_NAME=postes"
    echo "POSTES_HTTP_PORT=$POSTES_HTTP_PORT"
    echo "POSTES_PUSHER_PORT=$POSTES_PUSHER_PORT"
    # The intake: ipc://$V/zmq/intake by default (a 0700 directory the
    # pusher makes). POSTES_ZMQ_ENDPOINT=tcp://... needs CURVE keys
    # (postes-pusher keygen), e.g. in $V/zmq-keys.env.
    [ -n "${POSTES_ZMQ_ENDPOINT:-}" ] && echo "POSTES_ZMQ_ENDPOINT=$POSTES_ZMQ_ENDPOINT"
    [ -s "$V/zmq-keys.env" ] && cat "$V/zmq-keys.env"
    echo "POSTES_ORIGIN=${POSTES_ORIGIN:-http://127.0.0.1:$POSTES_HTTP_PORT}"
    echo "POSTES_VAR_DIR=$V"
    [ -n "${POSTES_WARN_THRESHOLDS:-}" ] && echo "POSTES_WARN_THRESHOLDS=$POSTES_WARN_THRESHOLDS"
    [ -n "${POSTES_HEARTBEAT_INTERVAL:-}" ] && echo "POSTES_HEARTBEAT_INTERVAL=$POSTES_HEARTBEAT_INTERVAL"
    [ -n "${POSTES_PUSHER_BIND:-}" ] && echo "POSTES_PUSHER_BIND=$POSTES_PUSHER_BIND"
    true
  } > "$POSTES_CONFIG"
  umask 022
  var_own "$POSTES_CONFIG"
}

db_sql() { mariadb --socket="$POSTES_DB_SOCKET" -uroot "$@"; }

db_start() {
  run_user_init
  rm -f "$V/run/db.held"
  if [ ! -d "$V/mysql/mysql" ]; then
    say "initialising MariaDB in $V/mysql (first run)"
    # The database's superuser `root`: as root, the OS root only (socket
    # authentication), never the user MariaDB and the API run as. Run by
    # an ordinary user, everything is that user's anyway: `root` has no
    # password, and only that user can reach the socket (var/ is 0700).
    local auth=(--auth-root-authentication-method=socket --auth-root-socket-user=root)
    [ "$(id -u)" -eq 0 ] || auth=(--auth-root-authentication-method=normal)
    "${RUN_AS[@]}" mariadb-install-db --datadir="$V/mysql" --user="$RUN_USER" \
      "${auth[@]}" --skip-test-db >"$V/log/mariadb-install.log" 2>&1
  fi
  # mariadbd wants --user only when it is started as root.
  # innodb_flush_log_at_trx_commit=2 (run/test/bench only): the log is
  # written at each commit, flushed to disk about once a second; a machine
  # crash can lose the last second of commits, a MariaDB crash nothing. An
  # installed server keeps MariaDB's default 1 (docs/performance.md).
  local asuser=()
  [ "$(id -u)" -ne 0 ] || [ "$RUN_USER" != root ] || asuser=(--user=root)
  "${RUN_AS[@]}" mariadbd --no-defaults --datadir="$V/mysql" --socket="$POSTES_DB_SOCKET" \
    --pid-file="$V/run/mysqld.pid" --skip-networking "${asuser[@]}" \
    --log-error="$V/log/mariadb.log" --innodb-buffer-pool-size=256M \
    --innodb-flush-log-at-trx-commit=2 --character-set-server=utf8mb4 \
    --collation-server=utf8mb4_unicode_ci --max-connections=500 &
  echo $! > "$V/run/mysqld.mainpid"
  wait_for 60 db_sql -e 'SELECT 1' || { say "MariaDB did not start, see $V/log/mariadb.log"; return 1; }
  # shellcheck disable=SC1091
  . "$V/secrets.env"
  # shellcheck disable=SC1091
  . "$V/migrate.env"
  # Same accounts as deploy/postes-setup makes on a system install: the
  # application's (DML only) and the migrations' (DDL on postes.* only).
  db_sql <<SQL
CREATE DATABASE IF NOT EXISTS postes CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS 'postes'@'localhost' IDENTIFIED BY '$POSTES_DB_PASSWORD';
ALTER USER 'postes'@'localhost' IDENTIFIED BY '$POSTES_DB_PASSWORD';
GRANT SELECT, INSERT, UPDATE, DELETE, LOCK TABLES ON postes.* TO 'postes'@'localhost';
CREATE USER IF NOT EXISTS '$POSTES_MIGRATE_USER'@'localhost' IDENTIFIED BY '$POSTES_MIGRATE_PASSWORD';
ALTER USER '$POSTES_MIGRATE_USER'@'localhost' IDENTIFIED BY '$POSTES_MIGRATE_PASSWORD';
GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, DROP, INDEX, REFERENCES,
  CREATE VIEW, SHOW VIEW, TRIGGER, LOCK TABLES, CREATE TEMPORARY TABLES
  ON postes.* TO '$POSTES_MIGRATE_USER'@'localhost';
SQL
  POSTES_MIGRATE_CONFIG=$V/migrate.env bash "$ROOT/db/migrate.sh"
}

db_stop() {
  local pid
  pid=$(cat "$V/run/mysqld.mainpid" 2>/dev/null) || return 0
  kill "$pid" 2>/dev/null && wait_for 60 gone "$pid"
  rm -f "$V/run/mysqld.mainpid"
}

# The front's own error answers, in the API's JSON shape, where lighttpd's
# server.errorfile-prefix finds them (it wants <prefix><status>.html; the
# mimetype.assign entries in lighttpd.conf.in make them application/json).
# any/: statuses lighttpd decides before it knows which URL it serves
# (malformed or oversized requests); api/: those and the 5xx under /api/.
front_errors_write() {
  local d=$V/front-errors f s
  rm -rf "$d"
  mkdir -p "$d/any" "$d/api"
  for f in "$ROOT"/deploy/front-errors/[0-9][0-9][0-9].json; do
    s=$(basename "$f" .json)
    cp "$f" "$d/api/postes-error-$s.html"
    case $s in 5*) ;; *) cp "$f" "$d/any/postes-error-$s.html" ;; esac
  done
}

template_fill() {	# template_fill IN OUT
  local docroot=$ROOT/www/dist
  [ -f "$docroot/index.html" ] || docroot=$ROOT/www/static
  sed -e "s|@ROOT@|$ROOT|g" -e "s|@VAR@|$V|g" -e "s|@BUILD@|$POSTES_BUILD|g" \
      -e "s|@HTTP_PORT@|$POSTES_HTTP_PORT|g" -e "s|@PUSHER_PORT@|$POSTES_PUSHER_PORT|g" \
      -e "s|@LISTEN_ADDR@|$POSTES_LISTEN_ADDR|g" \
      -e "s|@DOCROOT@|$docroot|g" -e "s|@API_PROCS@|${POSTES_API_PROCS:-4}|g" \
      -e "s|@TZ@|${POSTES_TZ:-Europe/Paris}|g" \
      -e "s|@ASAN_OPTIONS@|${ASAN_OPTIONS:-}|g" -e "s|@UBSAN_OPTIONS@|${UBSAN_OPTIONS:-}|g" \
      "$1" > "$2"
  var_own "$2"
}

front_wait() {
  local probe=$POSTES_LISTEN_ADDR
  case "$probe" in 0.0.0.0|'::'|'[::]') probe=127.0.0.1 ;; *:*) probe="[$probe]" ;; esac
  wait_for 20 curl -fsS "http://$probe:$POSTES_HTTP_PORT/api/health" \
    || { say "$FRONT/API did not answer, see $V/log/"; return 1; }
}

# lighttpd spawns and restarts the FastCGI processes itself (bin-path).
# It runs in its own process group (setsid) so that what it spawned can be
# stopped with it, even after a kill -9.
lighttpd_start() {
  run_user_init
  front_errors_write
  template_fill "$ROOT/deploy/lighttpd.conf.in" "$V/lighttpd.conf"
  "${RUN_AS[@]}" lighttpd -tt -f "$V/lighttpd.conf" >/dev/null || { say "bad lighttpd configuration"; return 1; }
  setsid "${RUN_AS[@]}" lighttpd -D -f "$V/lighttpd.conf" >>"$V/log/lighttpd.out" 2>&1 </dev/null &
  echo $! > "$V/run/front.pid"
  echo $! > "$V/run/lighttpd.pid"
  echo $! > "$V/run/api-parent.pid"
  front_wait
}

# Apache does not spawn FastCGI programs: two pools (postes-api keeping
# POSTES_API_WORKERS workers, fcgi-api/workers.c, on a socket spawn-fcgi
# binds; each in its own process group) serve api.sock and admin.sock,
# and Apache reaches them with mod_proxy_fcgi.
pool_start() {	# pool_start NAME PROCS
  local pid
  pid=$(cat "$V/run/$1-pool.pid" 2>/dev/null) && ! gone "$pid" && return 0
  rm -f "$V/run/$1.sock"
  TZ=${POSTES_TZ:-Europe/Paris} setsid "${RUN_AS[@]}" spawn-fcgi -n -s "$V/run/$1.sock" -M 0600 \
    -- /usr/bin/env POSTES_API_WORKERS="$2" "$POSTES_BUILD/postes-api" \
    >>"$V/log/$1-pool.log" 2>&1 </dev/null &
  echo $! > "$V/run/$1-pool.pid"
  [ "$1" != api ] || echo $! > "$V/run/api-parent.pid"
  wait_for 10 test -S "$V/run/$1.sock" || { say "$1 pool did not start, see $V/log/$1-pool.log"; return 1; }
}

pool_stop() {	# pool_stop NAME
  local pid
  pid=$(cat "$V/run/$1-pool.pid" 2>/dev/null) || return 0
  kill -TERM "$pid" 2>/dev/null && wait_for 20 gone "$pid"
  kill -KILL -- "-$pid" 2>/dev/null || true
  rm -f "$V/run/$1-pool.pid" "$V/run/$1.sock"
}

apache_start() {
  run_user_init
  mkdir -p "$V/apache" "$V/run/apache"
  var_own "$V/apache" "$V/run/apache"
  pool_start api "${POSTES_API_PROCS:-4}" || return 1
  pool_start admin 1 || return 1
  template_fill "$ROOT/deploy/apache/postes.conf.in" "$V/apache.conf"
  "${RUN_AS[@]}" apache2 -t -f "$V/apache.conf" >/dev/null 2>"$V/log/apache-check.log" \
    || { say "bad Apache configuration: $(cat "$V/log/apache-check.log")"; return 1; }
  setsid "${RUN_AS[@]}" apache2 -f "$V/apache.conf" -DFOREGROUND >>"$V/log/apache.out" 2>&1 </dev/null &
  echo $! > "$V/run/front.pid"
  front_wait
}

front_start() { "${FRONT}_start"; }

# Stop the front and its process group (lighttpd's FastCGI children;
# Apache's own children).
front_stop() {
  local pid
  pid=$(cat "$V/run/front.pid" 2>/dev/null) || return 0
  kill "$pid" 2>/dev/null && wait_for 20 gone "$pid"
  kill -KILL -- "-$pid" 2>/dev/null || true
  rm -f "$V/run/front.pid" "$V/run/lighttpd.pid"
}

# pusher_start [answering]: wait until /healthz says 200 (the outbox was
# read and the clock runs), or with "answering" only until it answers at
# all (a 503 while the database is down).
pusher_start() {
  run_user_init
  rm -f "$V/run/pusher.held"
  [ -x "$POSTES_BUILD/postes-pusher" ] || { say "no pusher binary"; return 1; }
  "${RUN_AS[@]}" "$POSTES_BUILD/postes-pusher" >>"$V/log/pusher.log" 2>&1 </dev/null &
  echo $! > "$V/run/pusher.pid"
  local f=-fsS; [ "${1:-}" = answering ] && f=-sS
  wait_for 20 curl "$f" -o /dev/null "http://127.0.0.1:$POSTES_PUSHER_PORT/healthz" \
    || { say "pusher did not answer, see $V/log/pusher.log"; return 1; }
  # Another process answering on the port is not this pusher.
  ! gone "$(cat "$V/run/pusher.pid")" \
    || { say "pusher exited (port $POSTES_PUSHER_PORT taken?), see $V/log/pusher.log"; return 1; }
}

pusher_stop() {	# pusher_stop [SIGNAL]
  local pid
  pid=$(cat "$V/run/pusher.pid" 2>/dev/null) || return 0
  kill "-${1:-TERM}" "$pid" 2>/dev/null && wait_for 20 gone "$pid"
  rm -f "$V/run/pusher.pid"
}

# The API's commands run as RUN_USER too (they read postes.conf, and
# bootstrap-admin writes var/admin-password).
api_cmd() { "${RUN_AS[@]}" "$POSTES_BUILD/postes-api" "$@"; }

admin_bootstrap() {
  api_cmd bootstrap-admin
}

stack_start() {
  secrets_init
  config_write
  db_start
  admin_bootstrap
  if [ -x "$POSTES_BUILD/postes-pusher" ]; then pusher_start; fi
  front_start
}

stack_stop() {
  front_stop
  pool_stop api
  pool_stop admin
  pusher_stop
  db_stop
}
