#!/usr/bin/env bash
# migrate.sh - apply db/migrations/NNN_*.sql that are not applied yet.
#
# schema_version records each applied number. MariaDB commits DDL
# implicitly, so a migration is not atomic: each file is written to be
# re-runnable up to its last statement, and the version row is written
# only after the whole file succeeded. Runs as the database's root over
# the private socket ($POSTES_DB_SOCKET); the application's own user has
# no DDL rights.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
sql() { mariadb --socket="$POSTES_DB_SOCKET" -uroot --batch --skip-column-names "$@"; }

sql postes -e "CREATE TABLE IF NOT EXISTS schema_version (
  version INT UNSIGNED NOT NULL PRIMARY KEY,
  name VARCHAR(128) NOT NULL,
  applied_at DATETIME(3) NOT NULL DEFAULT UTC_TIMESTAMP(3)) ENGINE=InnoDB"

for f in "$here"/migrations/[0-9][0-9][0-9]_*.sql; do
  name=$(basename "$f")
  v=$((10#${name%%_*}))
  done_v=$(sql postes -e "SELECT COUNT(*) FROM schema_version WHERE version=$v")
  [ "$done_v" = 0 ] || continue
  echo "postes: applying migration $name" >&2
  sql postes < "$f"
  sql postes -e "INSERT INTO schema_version (version, name) VALUES ($v, '$name')"
done
