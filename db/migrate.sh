#!/usr/bin/env bash
# migrate.sh - apply db/migrations/NNN_*.sql that are not applied yet.
#
#   migrate.sh            apply what is pending, in order
#   migrate.sh --status   list applied and pending migrations, change nothing
#
# schema_version records each applied number. MariaDB commits DDL
# implicitly, so a migration is not atomic: each file is written to be
# re-runnable up to its last statement, and the version row is written
# only after the whole file succeeded.
#
# Which server and which account: the same KEY=VALUE settings as the
# programs (docs/configuration.md), read from, the later winning:
#   1. $POSTES_CONFIG, the programs' file;
#   2. the file its POSTES_SECRETS_FILE names (or $POSTES_SECRETS_FILE);
#   3. $POSTES_MIGRATE_CONFIG, a file only the operator reads (for the
#      migration account's password);
#   4. the environment.
# Keys used:
#   POSTES_DB_SOCKET          Unix socket; when set, wins over host/port
#   POSTES_DB_HOST/_PORT      TCP (default 127.0.0.1:3306)
#   POSTES_DB_NAME            database (postes)
#   POSTES_MIGRATE_USER       account that runs the DDL; default
#   POSTES_MIGRATE_PASSWORD   POSTES_DB_USER / POSTES_DB_PASSWORD (one
#                             account, as on shared hosting)
# An account with no password over a socket uses unix_socket
# authentication (e.g. POSTES_MIGRATE_USER=root run as root). The password
# reaches the client through a temporary option file (mode 0600), never
# the command line. The database must exist; creating it and the accounts
# is deploy/postes-setup's job (system install) or lib.sh's (make run).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
migrations=${POSTES_MIGRATIONS_DIR:-$here/migrations}

keys=(POSTES_DB_SOCKET POSTES_DB_HOST POSTES_DB_PORT POSTES_DB_NAME
      POSTES_DB_USER POSTES_DB_PASSWORD POSTES_MIGRATE_USER
      POSTES_MIGRATE_PASSWORD POSTES_SECRETS_FILE)
declare -A fromenv=()
for k in "${keys[@]}"; do [ -n "${!k+x}" ] && fromenv[$k]=1; done

# conf_read FILE: KEY=VALUE lines as shared/config.c reads them (blank and
# '#' lines skipped, spaces trimmed, POSTES_ prefix optional, one pair of
# matching quotes unwrapped); a key set in the environment is kept.
conf_read() {
  local line key val
  [ -r "$1" ] || { echo "migrate.sh: cannot read $1" >&2; exit 1; }
  while IFS= read -r line || [ -n "$line" ]; do
    line=${line#"${line%%[![:space:]]*}"}
    case "$line" in ''|'#'*) continue ;; *=*) ;; *) continue ;; esac
    key=${line%%=*}; val=${line#*=}
    key=${key%"${key##*[![:space:]]}"}
    val=${val#"${val%%[![:space:]]*}"}; val=${val%"${val##*[![:space:]]}"}
    case "$val" in \"*\"|\'*\') [ ${#val} -ge 2 ] && val=${val:1:${#val}-2} ;; esac
    case "$key" in POSTES_*) ;; *) key=POSTES_$key ;; esac
    case " ${keys[*]} " in *" $key "*) ;; *) continue ;; esac
    [ -n "${fromenv[$key]:-}" ] && continue
    printf -v "$key" '%s' "$val"
  done < "$1"
}

[ -n "${POSTES_CONFIG:-}" ] && conf_read "$POSTES_CONFIG"
[ -n "${POSTES_SECRETS_FILE:-}" ] && conf_read "$POSTES_SECRETS_FILE"
[ -n "${POSTES_MIGRATE_CONFIG:-}" ] && conf_read "$POSTES_MIGRATE_CONFIG"

db=${POSTES_DB_NAME:-postes}
user=${POSTES_MIGRATE_USER:-${POSTES_DB_USER:-postes}}
if [ -n "${POSTES_MIGRATE_USER:-}" ]; then
  pass=${POSTES_MIGRATE_PASSWORD:-}
else
  pass=${POSTES_DB_PASSWORD:-}
fi

opts=$(mktemp)
trap 'rm -f "$opts"' EXIT
chmod 0600 "$opts"
esc() { local s=${1//\\/\\\\}; printf '"%s"' "${s//\"/\\\"}"; }
{
  echo "[client]"
  echo "user=$(esc "$user")"
  [ -n "$pass" ] && echo "password=$(esc "$pass")"
  if [ -n "${POSTES_DB_SOCKET:-}" ]; then
    echo "socket=$(esc "$POSTES_DB_SOCKET")"
  else
    echo "host=$(esc "${POSTES_DB_HOST:-127.0.0.1}")"
    echo "port=${POSTES_DB_PORT:-3306}"
    echo "protocol=tcp"
  fi
} > "$opts"
sql() { mariadb --defaults-extra-file="$opts" --batch --skip-column-names "$@"; }

sql "$db" -e "CREATE TABLE IF NOT EXISTS schema_version (
  version INT UNSIGNED NOT NULL PRIMARY KEY,
  name VARCHAR(128) NOT NULL,
  applied_at DATETIME(3) NOT NULL DEFAULT UTC_TIMESTAMP(3)) ENGINE=InnoDB"

status=0
[ "${1:-}" = --status ] && status=1
pending=0
for f in "$migrations"/[0-9][0-9][0-9]_*.sql; do
  [ -e "$f" ] || continue
  name=$(basename "$f")
  v=$((10#${name%%_*}))
  done_v=$(sql "$db" -e "SELECT COUNT(*) FROM schema_version WHERE version=$v")
  if [ "$done_v" != 0 ]; then
    [ "$status" = 1 ] && echo "applied  $name"
    continue
  fi
  pending=$((pending + 1))
  if [ "$status" = 1 ]; then echo "pending  $name"; continue; fi
  echo "postes: applying migration $name (as $user)" >&2
  sql "$db" < "$f"
  sql "$db" -e "INSERT INTO schema_version (version, name) VALUES ($v, '$name')"
done
[ "$status" = 1 ] && echo "$pending pending"
exit 0
