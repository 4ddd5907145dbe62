#!/usr/bin/env bash
# setup.sh - install or upgrade postes on shared hosting, with the one
# MariaDB account the host gives, as the hosting account's own user (no
# root anywhere).
#
#   setup.sh --config FILE --docroot DIR [--bin FILE] [--www DIR] [--fcgid]
#
#   --config FILE   the configuration (KEY=VALUE, docs/configuration.md),
#                   OUTSIDE the document root: the database account and
#                   POSTES_SECRET; POSTES_ZMQ_ENDPOINT=none when no
#                   pusher runs. See postes.conf.example beside this file.
#   --docroot DIR   the site's document root (served at / of its domain)
#   --bin FILE      postes-api, built for the host (default build/std/postes-api)
#   --www DIR       the built front end (default www/dist)
#   --fcgid         install the program as cgi-bin/postes-api.fcgi, run by
#                   mod_fcgid as a FastCGI application, instead of a CGI
#
# It applies the pending migrations with the configuration's account
# (db/migrate.sh), creates the first admin when there is none (password
# from POSTES_ADMIN_PASSWORD, else generated and printed once), copies the
# front end and the program into the document root, writes the
# .htaccess, and prints the crontab line of the clock. Running it again
# upgrades: new migrations, new files, same configuration and data.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

config='' docroot='' bin=$root/build/std/postes-api www=$root/www/dist cgi=postes-api.cgi
usage() { sed -n '5,13p' "$0" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --config) config=${2:?}; shift 2 ;;
    --docroot) docroot=${2:?}; shift 2 ;;
    --bin) bin=${2:?}; shift 2 ;;
    --www) www=${2:?}; shift 2 ;;
    --fcgid) cgi=postes-api.fcgi; shift ;;
    *) usage ;;
  esac
done
[ -n "$config" ] && [ -n "$docroot" ] || usage
say() { printf 'postes-setup: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

config=$(cd "$(dirname "$config")" && pwd)/$(basename "$config")
mkdir -p "$docroot"
docroot=$(cd "$docroot" && pwd)
[ -r "$config" ] || die "cannot read $config"
case "$config/" in "$docroot"/*) die "$config is inside the document root: move it out" ;; esac
[ -x "$bin" ] || die "no program at $bin (make, or --bin)"
[ -f "$www/index.html" ] || die "no built front end in $www (make www, or --www)"
# The secret and the database password: for this account's eyes only.
chmod 0600 "$config"

# 1. The schema, with the one account of the configuration.
say "migrating the database with the configuration's account"
POSTES_CONFIG=$config bash "$root/db/migrate.sh"

# 2. The first admin (nothing happens when one exists).
POSTES_CONFIG=$config "$bin" bootstrap-admin

# 3. The front end, the program, the .htaccess. Old hashed assets are
#    replaced, not piled up.
say "installing the site in $docroot"
rm -rf "$docroot/assets"
cp -R "$www"/. "$docroot"/
mkdir -p "$docroot/cgi-bin"
if [ "$cgi" = postes-api.cgi ]; then
  # CGI: the program itself; POSTES_CONFIG comes from the .htaccess.
  cp "$bin" "$docroot/cgi-bin/$cgi.new"
else
  # mod_fcgid starts the process once, with its own environment, which a
  # .htaccess cannot set: a two-line wrapper names the configuration and
  # becomes the program (exec keeps the FastCGI socket on fd 0). The
  # program stays beside the configuration, outside the document root.
  cp "$bin" "$(dirname "$config")/postes-api.new"
  chmod 0755 "$(dirname "$config")/postes-api.new"
  mv -f "$(dirname "$config")/postes-api.new" "$(dirname "$config")/postes-api"
  printf '#!/bin/bash\nexport POSTES_CONFIG=%q\nexec %q "$@"\n' "$config" "$(dirname "$config")/postes-api" \
    > "$docroot/cgi-bin/$cgi.new"
fi
chmod 0755 "$docroot/cgi-bin/$cgi.new"
mv -f "$docroot/cgi-bin/$cgi.new" "$docroot/cgi-bin/$cgi"
esc() { printf '%s' "$1" | sed -e 's/[\\&|]/\\&/g'; }
sed -e "s|@CONFIG@|$(esc "$config")|g" -e "s|@CGI@|$cgi|g" \
  "$here/htaccess" > "$docroot/.htaccess.new"
mv -f "$docroot/.htaccess.new" "$docroot/.htaccess"
chmod 0644 "$docroot/.htaccess"

# 4. The clock: the host's cron runs the sweep every minute.
cat <<EOF

postes is installed. Add this line to the hosting account's crontab
(crontab -e, or the host's panel) so that sessions end on time, codes
expire and silent workstations go offline:

* * * * * POSTES_CONFIG=$config $docroot/cgi-bin/$cgi sweep >/dev/null

EOF
