#!/usr/bin/env bash
# check-install.sh - `make install DESTDIR=...` lays out the tree, the
# units pass `systemd-analyze verify`, and the installed postes-setup
# makes a working database with least-privilege accounts (CI, .ci/run).
#
#  1. make install into a temporary DESTDIR; every file where
#     docs/deployment.md says, with its mode; no secret in postes.conf;
#     every configuration key of shared/config.c documented in
#     postes.conf(5) and docs/configuration.md; man pages clean (groff -ww).
#  2. a second make install keeps an edited postes.conf.
#  3. systemd-analyze verify on the installed units, their ExecStart
#     pointed into DESTDIR (verify wants the programs to exist) and
#     MANPATH there too (it checks each Documentation=man: page); the
#     hardening directives present; the exposure score printed.
#  4. as root: a private MariaDB stands for the system's; the installed
#     postes-setup runs against it (user, secrets, database, migrations,
#     admin), twice; the accounts have exactly the rights they should;
#     the installed postes-api runs `sweep` as the postes user with the
#     installed configuration.
# Times are printed. Exit 0 when all holds.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
tmp=$(mktemp -d /tmp/postes-install.XXXXXX)
chmod 0755 "$tmp"
D=$tmp/dest
dbpid=
pids=()
cleanup() {
  set +e
  local p
  for p in "${pids[@]}" $dbpid; do kill "$p" 2>/dev/null; done
  for p in "${pids[@]}" $dbpid; do wait "$p" 2>/dev/null; done
  # Whatever the runuser wrappers left (processes started by this check).
  for p in $(pgrep -f -- "$tmp/" 2>/dev/null); do kill "$p" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT
say() { printf 'check-install: %s\n' "$*" >&2; }
fail() { say "FAIL: $*"; exit 1; }
mode() { stat -c '%a' "$1"; }
owner() { stat -c '%U:%G' "$1"; }

# 1. The tree.
t0=$(date +%s%N)
make -s install DESTDIR="$D" >"$tmp/install.log" 2>&1 || { tail -20 "$tmp/install.log"; fail "make install"; }
t_install=$(( ($(date +%s%N) - t0) / 1000000 ))
P=$D/usr/local
for f in sbin/postes-api sbin/postes-pusher sbin/postes-setup share/postes/migrate.sh; do
  [ -x "$P/$f" ] || fail "$f missing or not executable"
done
for f in share/postes/www/index.html share/postes/www/kiosk/index.html \
    share/man/man5/postes.conf.5 share/man/man8/postes-api.8 \
    share/man/man8/postes-pusher.8 share/man/man8/postes-setup.8; do
  [ -f "$P/$f" ] && [ "$(mode "$P/$f")" = 644 ] || fail "$f missing or not 0644"
done
ls "$P/share/postes/www/assets/"*.js >/dev/null 2>&1 || fail "www assets missing"
for f in db/migrations/*.sql; do
  cmp -s "$f" "$P/share/postes/migrations/$(basename "$f")" || fail "migration $f not installed"
done
grep -q '@[a-z]*@' "$P/sbin/postes-setup" && fail "postes-setup has unfilled @placeholders@"
conf=$D/etc/postes/postes.conf
[ "$(mode "$conf")" = 644 ] || fail "postes.conf is $(mode "$conf"), not 0644"
grep -q '@[a-z]*@' "$conf" && fail "postes.conf has unfilled @placeholders@"
grep -Eq '^(POSTES_)?(SECRET|DB_PASSWORD|MIGRATE_PASSWORD)=' "$conf" && fail "a secret in postes.conf"
grep -q '^POSTES_SECRETS_FILE=/etc/postes/secrets.conf$' "$conf" || fail "postes.conf does not name the secrets file"
[ "$(mode "$D/var/lib/postes")" = 750 ] || fail "/var/lib/postes not 0750"
for u in postes-api.socket postes-api.service postes-pusher.service postes-sweep.service postes-sweep.timer; do
  [ -f "$D/etc/systemd/system/$u" ] || fail "unit $u missing"
  grep -q '@[a-z]*@' "$D/etc/systemd/system/$u" && fail "$u has unfilled @placeholders@"
done
# The units follow the layout they were installed with, not /var.
make -s install DESTDIR="$tmp/alt" PREFIX=/opt/postes sysconfdir=/etc/opt/postes \
  localstatedir=/srv/postes >"$tmp/install-alt.log" 2>&1 || fail "make install with another layout"
grep -q '^ReadWritePaths=/srv/postes/lib/postes$' "$tmp/alt/etc/systemd/system/postes-pusher.service" \
  || fail "the units do not follow localstatedir"
grep -q '^ExecStart=/opt/postes/sbin/postes-pusher$' "$tmp/alt/etc/systemd/system/postes-pusher.service" \
  || fail "the units do not follow PREFIX"
[ -d "$tmp/alt/srv/postes/lib/postes" ] || fail "state not in localstatedir"
for m in "$P"/share/man/man?/*; do
  out=$(groff -mandoc -Tutf8 -ww -z "$m" 2>&1) ; [ -z "$out" ] || fail "$(basename "$m"): $out"
done
# Every key the programs read is documented.
keys=$(sed -n 's/^[[:space:]]*\(STR\|UINT\|INT\)("\([A-Z_]*\)".*/\2/p; s/^[[:space:]]*{ "\([A-Z_]*\)", C_.*/\1/p' shared/config.c)
[ "$(echo "$keys" | wc -w)" -ge 20 ] || fail "could not read the key table of shared/config.c"
for k in $keys LOG_LEVEL; do
  grep -q "POSTES_$k" "$P/share/man/man5/postes.conf.5" || fail "POSTES_$k not in postes.conf(5)"
  grep -q "POSTES_$k" docs/configuration.md || fail "POSTES_$k not in docs/configuration.md"
done
say "tree: ok ($(find "$D" -type f | wc -l) files, make install $t_install ms)"

# 2. An edited configuration survives a second install.
echo "# edited by the operator" >> "$conf"
make -s install DESTDIR="$D" >"$tmp/install2.log" 2>&1 || fail "second make install"
grep -q '^# edited by the operator$' "$conf" || fail "make install overwrote postes.conf"
[ -f "$conf.dist" ] || fail "no postes.conf.dist beside the kept postes.conf"
say "second install keeps postes.conf: ok"

# 3. The units.
mkdir -p "$tmp/units"
for u in "$D"/etc/systemd/system/postes-*; do
  sed "s|/usr/local/sbin/|$P/sbin/|g" "$u" > "$tmp/units/$(basename "$u")"
done
for u in postes-api.service postes-pusher.service postes-sweep.service postes-relay.service; do
  for d in NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes \
      PrivateDevices=yes ReadWritePaths= RestrictAddressFamilies= 'CapabilityBoundingSet=$' \
      SystemCallFilter=@system-service User=postes; do
    grep -q "^$d" "$tmp/units/$u" || fail "$u lacks $d"
  done
done
(cd "$tmp/units" && MANPATH=$P/share/man systemd-analyze verify \
  ./postes-api.socket ./postes-api.service ./postes-pusher.service \
  ./postes-sweep.service ./postes-sweep.timer ./postes-relay.service) || fail "systemd-analyze verify"
for u in postes-api.service postes-pusher.service postes-sweep.service postes-relay.service; do
  score=$(cd "$tmp/units" && systemd-analyze security --offline=yes "./$u" 2>/dev/null \
    | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]* [A-Z]*\).*/\1/p')
  say "systemd-analyze security $u: ${score:-?}"
done
say "units: systemd-analyze verify ok"

# 4. postes-setup against a MariaDB (root only: it creates a system user).
if [ "$(id -u)" -ne 0 ]; then say "not root: postes-setup not tried"; exit 0; fi
t0=$(date +%s)
mkdir -p "$tmp/db" && chmod 0755 "$tmp/db"
sock=$tmp/db/mysqld.sock
mariadb-install-db --datadir="$tmp/db/data" --user=root --auth-root-authentication-method=socket \
  --skip-test-db >"$tmp/db/install.log" 2>&1 || fail "mariadb-install-db"
mariadbd --no-defaults --datadir="$tmp/db/data" --socket="$sock" --skip-networking --user=root \
  --pid-file="$tmp/db/pid" --log-error="$tmp/db/err.log" --innodb-buffer-pool-size=32M 2>>"$tmp/db/err.log" &
dbpid=$!
for _ in $(seq 300); do mariadb --socket="$sock" -uroot -e 'SELECT 1' >/dev/null 2>&1 && break; sleep 0.1; done
# The operator's edits: this MariaDB, and the files under DESTDIR.
sed -i -e "s|^POSTES_DB_SOCKET=.*|POSTES_DB_SOCKET=$sock|" \
  -e "s|^POSTES_SECRETS_FILE=.*|POSTES_SECRETS_FILE=$D/etc/postes/secrets.conf|" \
  -e "s|^POSTES_VAR_DIR=.*|POSTES_VAR_DIR=$D/var/lib/postes|" "$conf"
setup() {
  POSTES_CONF_DIR=$D/etc/postes POSTES_SHARE_DIR=$P/share/postes POSTES_SBIN_DIR=$P/sbin \
  POSTES_STATE_DIR=$D/var/lib/postes POSTES_ADMIN_PASSWORD=check-install-admin \
  "$P/sbin/postes-setup" "$@"
}
setup all >"$tmp/setup.log" 2>&1 || { cat "$tmp/setup.log"; fail "postes-setup all"; }
sec=$D/etc/postes/secrets.conf mig=$D/etc/postes/migrate.conf
[ "$(mode "$sec") $(owner "$sec")" = "640 root:postes" ] || fail "secrets.conf is $(mode "$sec") $(owner "$sec")"
[ "$(mode "$mig") $(owner "$mig")" = "600 root:root" ] || fail "migrate.conf is $(mode "$mig") $(owner "$mig")"
[ "$(owner "$D/var/lib/postes")" = postes:postes ] || fail "state folder not postes's"
sum1=$(cat "$sec" "$mig" | sha256sum)
setup all >"$tmp/setup2.log" 2>&1 || { cat "$tmp/setup2.log"; fail "postes-setup all, again"; }
[ "$(cat "$sec" "$mig" | sha256sum)" = "$sum1" ] || fail "a second postes-setup changed the secrets"
# The rights.
pw() { sed -n "s/^$1=//p" "$2"; }
as() { mariadb --socket="$sock" -u"$1" -p"$2" --batch --skip-column-names "${@:3}"; }
app=$(pw POSTES_DB_PASSWORD "$sec") mpw=$(pw POSTES_MIGRATE_PASSWORD "$mig")
[ "$(as postes "$app" postes -e 'SELECT COUNT(*) FROM staff WHERE role="admin"')" = 1 ] || fail "no admin, or the app cannot read"
as postes "$app" postes -e 'CREATE TABLE x (i INT)' 2>/dev/null && fail "the app account can CREATE"
as postes "$app" postes -e 'DROP TABLE throttle' 2>/dev/null && fail "the app account can DROP"
as postes "$app" mysql -e 'SELECT 1 FROM user' 2>/dev/null && fail "the app account reads mysql.user"
as postes_migrate "$mpw" mysql -e 'SELECT 1 FROM user' 2>/dev/null && fail "the migration account reads mysql.user"
as postes_migrate "$mpw" -e 'CREATE DATABASE other' 2>/dev/null && fail "the migration account creates databases"
POSTES_CONFIG=$conf POSTES_MIGRATE_CONFIG=$mig bash "$P/share/postes/migrate.sh" --status | grep -qx '0 pending' \
  || fail "migrations pending after postes-setup"
# The installed program, as the service user, with the installed files.
out=$(cd / && runuser -u postes -- env POSTES_CONFIG="$conf" "$P/sbin/postes-api" sweep 2>&1) \
  || fail "postes-api sweep as postes: $out"
say "postes-setup: ok, twice, least privilege holds, postes-api sweep as postes: $out ($(( $(date +%s) - t0 )) s)"

# 5. The installed programs serve, as the units would run them: the API
# as user postes on a listening socket handed over as fd 0 (what
# postes-api.socket does; systemd-socket-activate --inetd here, no
# systemd PID 1), the pusher as postes, lighttpd serving share/postes/www.
free_port() {
  local p=$1
  while ss -Htln "sport = :$p" 2>/dev/null | grep -q . ; do p=$((p + 1)); done
  echo "$p"
}
base=$(( ${POSTES_TEST_PORT_BASE:-18080} + 40 ))
http=$(free_port "$base"); push=$(free_port $((http + 1))); zmq=$(free_port $((push + 1)))
cat >> "$conf" <<CONF
POSTES_PUSHER_PORT=$push
# The doorbell: the default ipc:// socket under the state directory.
POSTES_ORIGIN=http://127.0.0.1:$http
CONF
mkdir -p "$tmp/run" && chmod 0755 "$tmp/run"
runuser -u postes -- env POSTES_CONFIG="$conf" "$P/sbin/postes-pusher" >"$tmp/pusher.log" 2>&1 &
pids+=($!)
# root owns the socket (systemd does), the API runs as postes; the
# socket is 0660 root:www-data (SocketGroup=, SocketMode=).
api=
# The workers the unit asks for (Environment=POSTES_API_WORKERS=).
workers=$(sed -n 's/^Environment=POSTES_API_WORKERS=//p' "$tmp/units/postes-api.service")
[ -n "$workers" ] && [ "$workers" -gt 1 ] || fail "postes-api.service sets no POSTES_API_WORKERS"
api_start() {
  rm -f "$tmp/run/api.sock"
  systemd-socket-activate --inetd -l "$tmp/run/api.sock" \
    runuser -u postes -- env POSTES_CONFIG="$conf" POSTES_API_WORKERS="$workers" \
    "$P/sbin/postes-api" >>"$tmp/api.log" 2>&1 &
  api=$!; pids+=("$api")
  for _ in $(seq 50); do [ -S "$tmp/run/api.sock" ] && break; sleep 0.1; done
  chgrp www-data "$tmp/run/api.sock" && chmod 0660 "$tmp/run/api.sock"
}
api_stop() { kill "$api" 2>/dev/null; wait "$api" 2>/dev/null || true; }
api_start

# The fronts of docs/deployment.md, as given in deploy/examples/ with
# only ports and paths changed, over TLS with a certificate for
# postes.test that curl verifies (as a kiosk trusting the town hall's CA).
mkdir -p "$tmp/ssl" "$tmp/apache" "$tmp/lighttpd"
chown www-data "$tmp/lighttpd"
# A town hall's own CA (what the kiosks trust) and the server's certificate.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=postes test CA" \
  -keyout "$tmp/ssl/ca.key" -out "$tmp/ssl/ca.crt" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj /CN=postes.test -keyout "$tmp/ssl/postes.key" \
  -out "$tmp/ssl/postes.csr" 2>/dev/null
printf 'subjectAltName=DNS:postes.test\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' > "$tmp/ssl/ext"
openssl x509 -req -in "$tmp/ssl/postes.csr" -CA "$tmp/ssl/ca.crt" -CAkey "$tmp/ssl/ca.key" \
  -CAcreateserial -days 2 -extfile "$tmp/ssl/ext" -out "$tmp/ssl/postes.crt" 2>/dev/null
lh=$(free_port $((zmq + 1))); lhs=$(free_port $((lh + 1)))
ah=$(free_port $((lhs + 1))); ahs=$(free_port $((ah + 1)))
paths() {
  sed -e "s|/usr/local/share/postes/www|$P/share/postes/www|g" \
      -e "s|/run/postes/api.sock|$tmp/run/api.sock|g" -e "s|/etc/ssl/postes/|$tmp/ssl/|g" \
      -e "s|127.0.0.1:8081|127.0.0.1:$push|g" -e "s|\"port\" => 8081|\"port\" => $push|g" \
      -e "s|postes.mairie.lan|postes.test|g" "$1"
}
paths deploy/examples/lighttpd-tls.conf | sed \
  -e "s|^server.bind *= .*|server.bind = \"127.0.0.1\"|" -e "s|^server.port *= 80$|server.port = $lh|" \
  -e "s|\"0.0.0.0:443\"|\"127.0.0.1:$lhs\"|" -e "s|/var/log/lighttpd/error.log|$tmp/lighttpd/error.log|" \
  -e "s|/run/lighttpd.pid|$tmp/run/lighttpd.pid|" > "$tmp/lighttpd.conf"
lighttpd -tt -f "$tmp/lighttpd.conf" || fail "deploy/examples/lighttpd-tls.conf does not load"
lighttpd -D -f "$tmp/lighttpd.conf" >"$tmp/lighttpd.out" 2>&1 &
pids+=($!)
{
  echo "ServerRoot $tmp/apache"
  echo "DefaultRuntimeDir $tmp/apache"
  echo "PidFile $tmp/apache/httpd.pid"
  echo "Mutex file:$tmp/apache default"
  echo "ErrorLog $tmp/apache/error.log"
  echo "User www-data"
  echo "Group www-data"
  echo "Listen 127.0.0.1:$ah"
  echo "Listen 127.0.0.1:$ahs"
  for m in mpm_event authz_core mime dir alias headers ssl socache_shmcb proxy proxy_fcgi proxy_http proxy_wstunnel; do
    echo "LoadModule ${m}_module /usr/lib/apache2/modules/mod_$m.so"
  done
  echo "TypesConfig /etc/mime.types"
  echo "Include $tmp/apache/site.conf"
} > "$tmp/apache/main.conf"
paths deploy/examples/apache-tls.conf | sed -e "s|\*:80>|*:$ah>|" -e "s|\*:443>|*:$ahs>|" \
  -e "s|https://postes.test/|https://postes.test:$ahs/|" > "$tmp/apache/site.conf"
chown www-data "$tmp/apache"
apache2 -t -f "$tmp/apache/main.conf" 2>"$tmp/apache/t.log" || { cat "$tmp/apache/t.log"; fail "deploy/examples/apache-tls.conf does not load"; }
apache2 -f "$tmp/apache/main.conf" -DFOREGROUND >"$tmp/apache/out.log" 2>&1 &
pids+=($!)

# front_check NAME HTTP_PORT HTTPS_PORT
front_check() {
  local name=$1 h=$2 hs=$3 url r sc
  url=https://postes.test:$hs
  c() { curl -sS --resolve "postes.test:$hs:127.0.0.1" --cacert "$tmp/ssl/ca.crt" "$@"; }
  for _ in $(seq 100); do c -f "$url/api/health" >/dev/null 2>&1 && break; sleep 0.1; done
  c -f "$url/api/health" | grep -q '"ok"' || { tail -n 5 "$tmp/api.log" "$tmp/lighttpd.out" "$tmp/lighttpd/error.log" \
    "$tmp/apache/error.log" "$tmp/apache/out.log" 2>/dev/null; fail "$name: /api/health over https"; }
  r=$(curl -sS -o /dev/null -D - "http://127.0.0.1:$h/kiosk/" | tr -d '\r')
  echo "$r" | head -n1 | grep -Eq ' 30[18] ' || fail "$name: http is not redirected: $(echo "$r" | head -n1)"
  echo "$r" | grep -iq '^location: https://' || fail "$name: the redirect does not go to https"
  r=$(c -f -D - -o "$tmp/page" "$url/" | tr -d '\r')
  grep -q '<script' "$tmp/page" || fail "$name: the installed www is not served"
  echo "$r" | grep -iq '^strict-transport-security: max-age=31536000' || fail "$name: no HSTS on /"
  echo "$r" | grep -iq '^x-content-type-options: nosniff' || fail "$name: no nosniff on /"
  c -f -D - -o /dev/null "$url/api/health" | tr -d '\r' | grep -iq '^strict-transport-security:' \
    || fail "$name: no HSTS on /api/"
  sc=$(c -f -D - -o /dev/null -H 'content-type: application/json' -H "origin: $url" \
    -d '{"username":"admin","password":"check-install-admin"}' "$url/api/auth/login" \
    | tr -d '\r' | grep -i '^set-cookie: postes_sid=') || fail "$name: the admin cannot log in over https"
  echo "$sc" | grep -q '; Secure' || fail "$name: the cookie over https lacks Secure: $sc"
  r=$(c -s -o /dev/null -w '%{http_code}' -H 'authorization: Bearer nope' "$url/api/kiosk/session")
  [ "$r" = 401 ] || fail "$name: a workstation's bad token gets $r, not 401"
  say "$name over TLS: redirect, HSTS, /api/health, /, log-in with a Secure cookie (HTTPS=on from the front): ok"
}
api_stop; sed -i "s|^POSTES_ORIGIN=.*|POSTES_ORIGIN=https://postes.test:$lhs|" "$conf"; api_start
front_check lighttpd "$lh" "$lhs"
# The origin is read at start: a new API for the other front's origin.
sed -i "s|^POSTES_ORIGIN=.*|POSTES_ORIGIN=https://postes.test:$ahs|" "$conf"
api_stop; api_start
front_check apache "$ah" "$ahs"
for _ in $(seq 50); do curl -fsS "http://127.0.0.1:$push/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fsS "http://127.0.0.1:$push/healthz" >/dev/null || { cat "$tmp/pusher.log"; fail "installed pusher not up"; }
[ "$(ps -o user= -p "$(pgrep -f "^$P/sbin/postes-api" | head -n1)")" = postes ] || fail "the API does not run as postes"
say "installed programs run as postes: ok"

# The API's own workers (POSTES_API_WORKERS of the unit): as many as
# asked, one killed is replaced and the API keeps answering meanwhile,
# TERM to the supervisor ends them all.
# The supervisor: the postes-api whose parent is not a postes-api.
sup=
for p in $(pgrep -f "^$P/sbin/postes-api"); do
  ps -o args= -p "$(ps -o ppid= -p "$p" | tr -d ' ')" | grep -q "^$P/sbin/postes-api" || sup=$p
done
[ -n "$sup" ] || fail "no postes-api supervisor"
kids() { pgrep -P "$sup" -f "^$P/sbin/postes-api" | sort; }
for _ in $(seq 50); do [ "$(kids | wc -l)" = "$workers" ] && break; sleep 0.1; done
[ "$(kids | wc -l)" = "$workers" ] || fail "postes-api: $(kids | wc -l) workers, not $workers"
before=$(kids); victim=$(echo "$before" | head -n1)
kill -9 "$victim"
for i in $(seq 20); do
  r=$(curl -s -o /dev/null -w '%{http_code}' --resolve "postes.test:$ahs:127.0.0.1" \
    --cacert "$tmp/ssl/ca.crt" "https://postes.test:$ahs/api/health")
  [ "$r" = 200 ] || fail "request $i after a worker was killed: $r"
done
for _ in $(seq 50); do
  after=$(kids); [ "$(echo "$after" | wc -l)" = "$workers" ] && ! echo "$after" | grep -qx "$victim" && break
  sleep 0.1
done
[ "$(echo "$after" | wc -l)" = "$workers" ] && ! echo "$after" | grep -qx "$victim" \
  || fail "the killed worker was not replaced: $before -> $after"
kill -TERM "$sup"
for _ in $(seq 50); do pgrep -f "^$P/sbin/postes-api" >/dev/null || break; sleep 0.1; done
! pgrep -f "^$P/sbin/postes-api" >/dev/null || fail "workers left after TERM to the supervisor: $(pgrep -f "^$P/sbin/postes-api")"
say "the API's $workers workers: all up, one killed is replaced while requests are answered, TERM ends them all: ok"
