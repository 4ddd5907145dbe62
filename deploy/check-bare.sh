#!/usr/bin/env bash
# check-bare.sh - the README's first try on a bare Debian 12, for real:
# a minimal bookworm made by debootstrap, a copy of this tree in it, and
# `make run` as root in a chroot until /api/health answers. Not part of
# every CI run (it downloads ~1 GB of packages): `make check-bare`.
#
#   deploy/check-bare.sh [run|test|install|all]
#     run      (default) make run until it serves, then stop it
#     test     the same, then `make test` in the same chroot
#     install  the same as run, then `make install` and `postes-setup`
#              against the system's MariaDB (started by its init script)
#     all      run, install, test
#
# Needs root and the Debian mirror (debootstrap comes from
# install-deps.sh --bare). The base system is made once in
# $POSTES_BARE_DIR/base (default /var/tmp/postes-bare) and copied for
# each check, so every check starts bare. The only thing installed
# before `make run` is make itself: a fresh Debian has no make, and the
# README's first command is make. Ports: $POSTES_BARE_PORT (21090) and
# the two above it. Times are printed at the end.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
mode=${1:-run}
dir=${POSTES_BARE_DIR:-/var/tmp/postes-bare}
port=${POSTES_BARE_PORT:-21090}
mirror=${POSTES_BARE_MIRROR:-http://deb.debian.org/debian}
say() { printf 'check-bare: %s\n' "$*" >&2; }
now() { date +%s; }
[ "$(id -u)" -eq 0 ] || { say "must run as root (chroot, mount)"; exit 1; }
bash "$ROOT/deploy/install-deps.sh" --bare
command -v debootstrap >/dev/null || { say "debootstrap did not install"; exit 1; }

mkdir -p "$dir"
if [ ! -x "$dir/base/usr/bin/apt-get" ]; then
  say "debootstrap bookworm into $dir/base (once)"
  t=$(now)
  rm -rf "$dir/base"
  debootstrap --variant=minbase bookworm "$dir/base" "$mirror" >"$dir/debootstrap.log" 2>&1
  say "debootstrap: $(( $(now) - t )) s"
fi

root=$dir/root.$$
pgid=
cleanup() {
  set +e
  [ -n "$pgid" ] && kill -TERM -- "-$pgid" 2>/dev/null && sleep 5
  # Whatever still runs inside the chroot was started by this check.
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] && kill -KILL "${p#/proc/}" 2>/dev/null
  done
  sleep 1
  for m in sys dev/pts dev/shm dev proc; do
    mountpoint -q "$root/$m" && umount -l "$root/$m"
  done
  [ "${POSTES_BARE_KEEP:-0}" = 1 ] || rm -rf --one-file-system "$root"
}
trap cleanup EXIT

say "copying the base system into $root"
cp -a "$dir/base" "$root"
cp /etc/resolv.conf "$root/etc/resolv.conf"
# What the Debian installer writes and debootstrap does not: without
# them "localhost" does not resolve and mariadb-install-db stops.
echo postes-bare > "$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tpostes-bare %s\n::1\tlocalhost ip6-localhost ip6-loopback\n' \
  "$(hostname)" > "$root/etc/hosts"
# A network that intercepts TLS (a company proxy, this CI's sandbox) is
# trusted through extra CAs in /usr/local/share/ca-certificates: give the
# chroot the same, or npm cannot reach its registry. The ca-certificates
# package, installed by install-deps.sh, adds them to the system bundle.
if ls /usr/local/share/ca-certificates/*.crt >/dev/null 2>&1; then
  mkdir -p "$root/usr/local/share/ca-certificates"
  cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
fi
mount -t proc proc "$root/proc"
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"
mount -t tmpfs tmpfs "$root/dev/shm"
mount -o ro --bind /sys "$root/sys"

# The tree as a clone has it: tracked files only.
mkdir -p "$root/root/postes"
(cd "$ROOT" && git ls-files -z | xargs -0 tar -cf - --no-recursion) | tar -C "$root/root/postes" -xf -

extra_ca=
ls /usr/local/share/ca-certificates/*.crt >/dev/null 2>&1 && extra_ca=/etc/ssl/certs/ca-certificates.crt
inchroot() {
  chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb \
    ${extra_ca:+NODE_EXTRA_CA_CERTS=$extra_ca} \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    POSTES_HTTP_PORT="$port" POSTES_PUSHER_PORT=$((port + 1)) \
    POSTES_ZMQ_PORT=$((port + 2)) POSTES_TEST_PORT_BASE=$((port + 10)) \
    POSTES_ADMIN_PASSWORD=bare-check-admin \
    bash -c "$1"
}

# Nothing of postes's is there: no compiler, no -dev package, no MariaDB,
# no lighttpd, no node.
for c in cc pkg-config mariadbd lighttpd node; do
  if inchroot "command -v $c" >/dev/null 2>&1; then say "$c already in the base?"; exit 1; fi
done
t=$(now)
inchroot 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends make >/dev/null'
t_make=$(( $(now) - t ))
say "make installed ($t_make s)"

say "make run (log: $root/root/run.log)"
t=$(now)
setsid bash -c "$(declare -f inchroot); root='$root' port='$port' extra_ca='$extra_ca'; inchroot 'cd /root/postes && make run' >'$root/root/run.log' 2>&1" &
pgid=$!
up=0
while kill -0 "$pgid" 2>/dev/null; do
  if curl -fsS "http://127.0.0.1:$port/api/health" >/dev/null 2>&1; then up=1; break; fi
  sleep 2
  [ $(( $(now) - t )) -lt 3600 ] || break
done
t_run=$(( $(now) - t ))
if [ "$up" != 1 ]; then
  say "make run did not serve /api/health after $t_run s; its log ends with:"
  tail -n 30 "$root/root/run.log" >&2
  exit 1
fi
health=$(curl -fsS "http://127.0.0.1:$port/api/health")
page=$(curl -fsS "http://127.0.0.1:$port/" | grep -c '<script' || true)
say "make run serves after $t_run s: /api/health = $health; / has $page script tag(s)"
say "node in the chroot: $(inchroot 'node --version'); nodejs package: $(inchroot "dpkg-query -W -f='\${Version}' nodejs")"
kill -TERM -- "-$pgid"
for _ in $(seq 60); do kill -0 "$pgid" 2>/dev/null || break; sleep 1; done
pgid=

t_install=-
if [ "$mode" = install ] || [ "$mode" = all ]; then
  say "make install and postes-setup with Debian's MariaDB (log: $root/root/install.log)"
  t=$(now)
  if inchroot 'set -e; cd /root/postes; make install
      /etc/init.d/mariadb start
      POSTES_ADMIN_PASSWORD=bare-check-admin postes-setup
      postes-setup   # again: nothing changes
      POSTES_CONFIG=/etc/postes/postes.conf runuser -u postes -- postes-api sweep
      stat -c "%a %U:%G %n" /etc/postes/* /var/lib/postes
      mariadb -e "SHOW GRANTS FOR postes@localhost; SHOW GRANTS FOR postes_migrate@localhost"
      /etc/init.d/mariadb stop' >"$root/root/install.log" 2>&1; then
    t_install=$(( $(now) - t ))
    say "make install + postes-setup ok ($t_install s):"
    grep -E '^[0-9]{3} |^GRANT|change' "$root/root/install.log" | sed 's/IDENTIFIED BY PASSWORD .*//' >&2
  else
    say "make install / postes-setup FAILED; its log ends with:"
    tail -n 30 "$root/root/install.log" >&2
    exit 1
  fi
fi

t_test=-
if [ "$mode" = test ] || [ "$mode" = all ]; then
  say "make test in the same chroot (log: $root/root/test.log)"
  t=$(now)
  if inchroot 'cd /root/postes && make test' >"$root/root/test.log" 2>&1; then
    t_test=$(( $(now) - t ))
    say "make test passed ($t_test s)"
  else
    t_test=$(( $(now) - t ))
    # Which tests failed first (the digest's tail below is mostly logs).
    say "make test FAILED after $t_test s; failed tests and checks:"
    grep -E '^ *not ok |^postes: |FAILED|Cannot |not found' "$root/root/test.log" | head -n 40 >&2 || true
    say "its log ends with:"
    tail -n 40 "$root/root/test.log" >&2
    exit 1
  fi
fi
say "figures: apt-get install make $t_make s; make run to /api/health $t_run s; make install + postes-setup $t_install s; make test $t_test s"
