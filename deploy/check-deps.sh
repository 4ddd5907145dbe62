#!/usr/bin/env bash
# check-deps.sh - what the tree's own files use, its own files install.
#
# CI runs on a machine that keeps every package ever installed on it, so
# a program or a module that a script starts but deploy/install-deps.sh
# does not list works in CI and fails on the first bare machine. It
# happened: the shared-hosting test loads Apache's mod_fcgid, which only
# a hand-installed package provided, and CI's man page check runs groff.
#
# So this reads the tracked scripts, configuration templates and tests
# (deploy/, tests/, the Makefile, .ci/) for
#   - the commands they run: in shell, a word in command position (start
#     of a line, after | ; & ( $( ` then do else exec sudo), comments
#     removed; in Node, the first argument of execFileSync, execFile,
#     spawn and spawnSync when it is a literal;
#   - the absolute paths under /usr they name (LoadModule lines,
#     /usr/bin/chromium, Galera's library ...),
# finds the Debian package that owns each one on this machine, and fails
# unless that package is one install-deps.sh installs (--list), one they
# pull in (Depends and Pre-Depends, recursively), or part of every Debian
# (Essential, or Priority: required). What no package owns (the tree's
# own programs, Node from the npm registry in /usr/local) or what is not
# on this machine is not judged. Run by .ci/run; needs dpkg and apt-cache.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
say() { printf 'check-deps: %s\n' "$*" >&2; }

# Words in command position that are not a program the tree needs:
#   file  the Makefile's $(file <...) function
#   git   the checks that copy the tree (check-fresh, check-bare): the
#         machine that cloned it has git; make run and make test do not
#         use it
ALLOW=" file git "

files=$(git ls-files deploy tests Makefile .ci | grep -vE 'node_modules|package-lock|\.(png|jpg|svg)$' || true)
shell=$(printf '%s\n' $files | grep -E '\.(sh|in)$|(^|/)Makefile$|^\.ci/run$' || true)
js=$(printf '%s\n' $files | grep -E '\.(mjs|js)$' || true)

# Commands: shell words in command position (not an assignment), then
# Node's spawned programs.
cmds=$( { [ -z "$shell" ] || printf '%s\n' $shell | xargs sed -e 's/^[[:space:]]*#.*//' -e 's/[[:space:]]#.*//' |
    grep -oE '(^|[|;&(`]|\$\(|then |do |else |exec |sudo |\$SUDO )[[:space:]]*([A-Za-z_][A-Za-z0-9_]*=[^[:space:]]*[[:space:]]+)*[a-z][a-z0-9_.+-]*([^=a-z0-9_.+-]|$)' |
    sed -E 's/[^a-z0-9_.+-]$//' | grep -oE '[a-z][a-z0-9_.+-]*$';
  [ -z "$js" ] || printf '%s\n' $js | xargs grep -ohE "\b(execFileSync|execFile|spawnSync|spawn)\(['\"][A-Za-z0-9_./+-]+['\"]" |
    sed -E "s/.*\(['\"]//; s/['\"]$//"; } | sort -u)
paths=$(printf '%s\n' $files | xargs grep -ohE '/usr/(lib|libexec|sbin|bin|share)/[A-Za-z0-9_.+@-]+(/[A-Za-z0-9_.+@-]+)*' 2>/dev/null | sort -u || true)

# The package owning a file, trying the name as written and as resolved
# (merged /usr: dpkg may know /bin/cat where the path is /usr/bin/cat).
owner() {
  local c
  for c in "$1" "$(readlink -f "$1")" "${1/#\/usr\//\/}"; do
    # (a diverted file is named twice: "diversion by dash from: /bin/sh")
    dpkg -S "$c" 2>/dev/null | grep -v '^diversion ' | head -1 | cut -d: -f1 && return 0
  done
  return 0
}

declare -A used=()	# package -> what made it needed
for c in $cmds; do
  case "$ALLOW" in *" $c "*) continue ;; esac
  [ "$(type -t "$c" || true)" = file ] || continue	# builtins, functions, absent
  p=$(owner "$(type -P "$c")")
  [ -n "$p" ] && used[$p]+=" $c"
done
for f in $paths; do
  [ -e "$f" ] || continue
  p=$(owner "$f")
  [ -n "$p" ] && used[$p]+=" $f"
done

mapfile -t listed < <(bash deploy/install-deps.sh --list)
[ "${#listed[@]}" -gt 10 ] || { say "deploy/install-deps.sh --list printed no packages"; exit 1; }
declare -A have=()
while read -r p; do have[$p]=1; done < <(
  apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
    --no-breaks --no-replaces --no-enhances "${listed[@]}" 2>/dev/null |
    grep -v '^ ' | sed 's/^<//; s/>$//')
while read -r p e pr; do
  [ "$e" = yes ] || [ "$pr" = required ] && have[$p]=1
done < <(dpkg-query -W -f='${Package} ${Essential} ${Priority}\n')
[ "${#have[@]}" -gt "${#listed[@]}" ] || { say "could not read the packages' dependencies (apt-cache)"; exit 1; }

status=0
for p in "${!used[@]}"; do
  [ -n "${have[$p]:-}" ] && continue
  say "package $p is used (${used[$p]# }) but deploy/install-deps.sh does not install it"
  status=1
done
[ $status -eq 0 ] && say "ok: ${#used[@]} packages used by the tree's scripts and tests, all installed by deploy/install-deps.sh or part of every Debian"
exit $status
