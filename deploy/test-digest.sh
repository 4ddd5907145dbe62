#!/usr/bin/env bash
# test-digest.sh TAP LOGDIR - printed at the very end of a failed
# `make test`: each failing test with its error and location, then the
# last lines of the pusher's, the front's and MariaDB's logs. CI keeps
# only the tail of a long output; this puts the why there.
tap=$1 logs=$2
[ -s "$tap" ] || exit 0
echo "======== failing tests (from $tap)"
# A "not ok" line and its YAML block, up to the block's end ("...").
awk '/^ *not ok /{p=1; n=0} p{print; if (++n > 40 || /^ *\.\.\.$/) p=0}' "$tap" |
  grep -v -E '^ *(duration_ms|failureType|code|name|operator|async |TestContext|Test\.|process\.)' | head -150
for f in pusher.log lighttpd-error.log apache-error.log error.log mariadb.log; do
  [ -s "$logs/$f" ] || continue
  echo "======== last lines of $f"
  grep -v -E '\[Note\]' "$logs/$f" | tail -n 25
done
