#!/usr/bin/env bash
# check-fresh.sh - prove that `make run` and `make test` build on a
# machine where deploy/install-deps.sh has not run yet (CI, .ci/run).
#
# The bug this guards against: a make variable computed when the Makefile
# is parsed ($(shell pkg-config ...)) comes out empty on a bare machine,
# because the libraries are installed later, by the `deps` prerequisite
# of the same invocation; the link then fails. CI machines already have
# every library, so a plain build never shows it.
#
# So: copy the checked-out tree (tracked files only, like a fresh clone)
# and make pkg-config see NO package when make starts
# (PKG_CONFIG_LIBDIR = an empty folder). The copy's install-deps.sh is
# replaced by one that does what apt would do for pkg-config: it fills
# that same folder with the system's .pc files. run.sh and build-www.sh
# are replaced by stubs (the stack and the front end are not what is
# checked here; deploy/check-bare.sh does the real thing in a chroot).
# Then `make -j2 run` and, from a clean copy again, `make -j2 test` must
# build programs linked against json-c, MariaDB, ZeroMQ and libsodium.
#
# POSTES_CHECK_MAKEFILE=FILE tests FILE instead of the tree's Makefile
# (to show the check fails on the old one). Exit 0 when both pass.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d /tmp/postes-fresh.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
say() { printf 'check-fresh: %s\n' "$*" >&2; }

# A copy of the tracked files as they are on disk (a clone, without
# needing a commit).
fresh_copy() {
  rm -rf "$tmp/src" "$tmp/pc"; mkdir -p "$tmp/src" "$tmp/pc"
  (cd "$ROOT" && git ls-files -z | xargs -0 tar -cf - --no-recursion) \
    | tar -C "$tmp/src" -xf -
  [ -n "${POSTES_CHECK_MAKEFILE:-}" ] && cp "$POSTES_CHECK_MAKEFILE" "$tmp/src/Makefile"
  # "Installing" the -dev packages: their .pc files appear where
  # pkg-config looks, exactly as apt-get would make them appear.
  cat > "$tmp/src/deploy/install-deps.sh" <<EOF
#!/usr/bin/env bash
set -e
for d in $(printf '%q ' "${pcdirs[@]}"); do
  for f in "\$d"/*.pc; do [ -e "\$f" ] && ln -sf "\$f" "$tmp/pc/"; done
done
touch "$tmp/deps-ran"
EOF
  cat > "$tmp/src/deploy/build-www.sh" <<'EOF'
#!/usr/bin/env bash
exit 0
EOF
  # What run.sh/test.sh would start with: programs that really link.
  cat > "$tmp/src/deploy/run.sh" <<EOF
#!/usr/bin/env bash
set -e
test -e "$tmp/deps-ran"
for p in build/std/postes-api build/std/postes-pusher; do
  ldd "\$p" | grep -q libjson-c && ldd "\$p" | grep -q libmariadb
done
echo "check-fresh: run: both programs built and linked" >&2
EOF
  cat > "$tmp/src/deploy/test.sh" <<EOF
#!/usr/bin/env bash
set -e
test -e "$tmp/deps-ran"
make -s -j2 all unit >/dev/null
echo "check-fresh: test: programs and unit tests built and passed" >&2
EOF
  rm -f "$tmp/deps-ran"
}

# The system's pkg-config folders, found once before anything is hidden.
read -r -a pcdirs <<<"$(pkg-config --variable pc_path pkg-config | tr : ' ')"

# pkg-config must really see nothing at parse time, or the check proves
# nothing.
export PKG_CONFIG_LIBDIR=$tmp/pc
unset PKG_CONFIG_PATH
mkdir -p "$tmp/pc"
if pkg-config --exists json-c; then say "cannot hide json-c.pc"; exit 1; fi

status=0
# The rule in one line: the Makefile never calls pkg-config through
# $(shell) (it runs in the build/pkg/* recipes only); the builds below
# prove the rest.
if grep -nE '\$\(shell[^)]*pkg-config' "${POSTES_CHECK_MAKEFILE:-$ROOT/Makefile}" >&2; then
  say "the Makefile calls pkg-config through \$(shell) (above)"; status=1
fi
for goal in run test; do
  fresh_copy
  say "make -j2 $goal in a fresh copy, pkg-config empty at parse time"
  start=$(date +%s)
  if (cd "$tmp/src" && make -j2 "$goal" >"$tmp/$goal.log" 2>&1); then
    say "$goal: ok ($(( $(date +%s) - start )) s)"
  else
    say "$goal: FAILED; the last lines of its output:"
    tail -n 15 "$tmp/$goal.log" >&2
    status=1
  fi
done
exit $status
