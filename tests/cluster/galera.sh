# galera.sh - a 3-node Galera cluster on loopback (sourced by run.sh).
#
# Node i (1..3): datadir $CV/db$i, client port DBP+i, gcomm port GCP+i,
# IST port ISTP+i, SST (rsync) port SSTP+i, all on 127.0.0.1. Node 1
# bootstraps the cluster (--wsrep-new-cluster), the others join it.
# A joiner takes a full copy by rsync SST (mariadbd as the mysql user:
# run as root, the SST's rsync daemon gets "permission denied"). A node killed with SIGKILL
# comes back the same way, after --wsrep-recover finds its position
# (what Debian's galera_recovery does under systemd). Everything runs as
# root in the test's own directory; nothing system wide is touched.
# Galera needs the binary log, and with it MariaDB refuses triggers from
# an account without SUPER (migration 006 creates some) unless
# log_bin_trust_function_creators is on: a real cluster needs it too
# (docs/scaling.md).

# mariadbd runs as mysql: the rsync SST daemon cannot write as root.
DBUSER=mysql
: "${DBP:=29100}" "${GCP:=29110}" "${ISTP:=29120}" "${SSTP:=29130}"

gal_sql() { local i=$1; shift; mariadb --protocol=tcp -h127.0.0.1 -P$((DBP + i)) -uroot "$@"; }
gal_sock_sql() { local i=$1; shift; mariadb --socket="$CV/run/db$i.sock" -uroot "$@"; }

gal_start() {	# gal_start I [bootstrap]
  local i=$1 boot=() peers=""
  [ "${2:-}" = bootstrap ] && boot=(--wsrep-new-cluster)
  for j in 1 2 3; do peers="$peers${peers:+,}127.0.0.1:$((GCP + j))"; done
  if [ ! -d "$CV/db$i/mysql" ]; then
    mkdir -p "$CV/db$i" "$CV/run"; chown "$DBUSER:" "$CV/db$i" "$CV/log" "$CV/run"
    mariadb-install-db --datadir="$CV/db$i" --user=$DBUSER --auth-root-authentication-method=normal \
      --skip-test-db >"$CV/log/db$i-install.log" 2>&1
  fi
  local pos=()
  if [ -f "$CV/db$i/grastate.dat" ] && grep -q '^seqno: *-1' "$CV/db$i/grastate.dat"; then
    local rp
    rp=$(mariadbd --no-defaults --user=$DBUSER --datadir="$CV/db$i" --wsrep-on=ON \
      --wsrep-provider=/usr/lib/galera/libgalera_smm.so --binlog-format=ROW \
      --log-error="$CV/log/db$i-recover.log" --wsrep-recover >/dev/null 2>&1;
      sed -n "s/.*WSREP: Recovered position: *//p" "$CV/log/db$i-recover.log" 2>/dev/null | tail -1 || true)
    if [ -n "$rp" ]; then pos=(--wsrep-start-position="$rp"); fi
  fi
  mariadbd --no-defaults --user=$DBUSER --datadir="$CV/db$i" --socket="$CV/run/db$i.sock" \
    --pid-file="$CV/run/db$i.pid" --bind-address=127.0.0.1 --port=$((DBP + i)) \
    --log-error="$CV/log/db$i.log" --innodb-buffer-pool-size=64M \
    --innodb-flush-log-at-trx-commit=2 --character-set-server=utf8mb4 \
    --collation-server=utf8mb4_unicode_ci --max-connections=300 \
    --binlog-format=ROW --default-storage-engine=InnoDB --innodb-autoinc-lock-mode=2 \
    --log-bin-trust-function-creators=1 \
    --wsrep-on=ON --wsrep-provider=/usr/lib/galera/libgalera_smm.so \
    --wsrep-cluster-name=postes-test --wsrep-node-name=db$i \
    --wsrep-node-address=127.0.0.1:$((GCP + i)) \
    --wsrep-cluster-address="gcomm://$peers" \
    --wsrep-provider-options="gmcast.listen_addr=tcp://127.0.0.1:$((GCP + i));ist.recv_addr=127.0.0.1:$((ISTP + i));gcache.size=64M;evs.suspect_timeout=PT3S;evs.inactive_timeout=PT6S;evs.install_timeout=PT4S" \
    --wsrep-sst-method=rsync --wsrep-sst-receive-address=127.0.0.1:$((SSTP + i)) \
    "${boot[@]}" "${pos[@]}" >>"$CV/log/db$i.out" 2>&1 </dev/null &
  echo $! > "$CV/db$i.mainpid"
  local n=600
  until [ "$(gal_sock_sql "$i" -N -e "SHOW STATUS LIKE 'wsrep_ready'" 2>/dev/null | cut -f2)" = ON ]; do
    n=$((n - 1)); [ $n -gt 0 ] || { echo "db$i did not become ready; see $CV/log/db$i.log" >&2; return 1; }
    sleep 0.1
  done
}

gal_kill() {	# gal_kill I: SIGKILL, like a machine that dies
  local pid; pid=$(cat "$CV/db$1.mainpid" 2>/dev/null) || return 0
  kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
  rm -f "$CV/db$1.mainpid"
}

gal_stop() {
  local pid; pid=$(cat "$CV/db$1.mainpid" 2>/dev/null) || return 0
  kill "$pid" 2>/dev/null
  local n=300; while kill -0 "$pid" 2>/dev/null; do n=$((n-1)); [ $n -gt 0 ] || { kill -KILL "$pid"; break; }; sleep 0.1; done
  rm -f "$CV/db$1.mainpid"
}

gal_size() { gal_sock_sql "$1" -N -e "SHOW STATUS LIKE 'wsrep_cluster_size'" 2>/dev/null | cut -f2; }

