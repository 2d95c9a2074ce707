#!/usr/bin/env bash
# A real one-node SLURM (Debian 12 packages: slurmctld, slurmd, slurmdbd + MariaDB, munge)
# for the system tests, without systemd.
#
#   bash .ci/slurm.sh up      start munged, mariadbd, slurmdbd, slurmctld, slurmd
#   bash .ci/slurm.sh down    stop them again (by the PIDs recorded at start; safe to repeat)
#
# Run as root, with the packages installed (`make test-system` does both). The cluster is
# set up so that profiles/slurm runs unchanged: partitions `cpu` (default) and `gpu` on one
# node `localhost` with every core, a GPU declared as a GRES (a stand-in, File=/dev/null: no
# CUDA device exists, but SLURM allocates it and sets CUDA_VISIBLE_DEVICES), and the
# profile's placeholder account `your_account` (SLURM_CI_ACCOUNT). Accounting goes to
# slurmdbd, so `sacct` (the executor's default status command) works and keeps every job's
# allocation (AllocTRES, incl. gres/gpu), partition, state and comment. A TaskProlog prints
# one line `motifrep-ci-task job=... step=... cuda_visible_devices=... step_gpus=...` into
# every task's output: what each job step really saw (tests/system/test_slurm.py reads it).
#
# Daemons run in the foreground under `timeout` (at most SLURM_CI_LIFETIME seconds, so
# nothing outlives a killed CI job by long); their PIDs are kept in $SLURM_CI_DIR/run.
# Configuration goes to /etc/slurm (slurm.conf must sit at its default path: the job-step
# plugin drops SLURM_CONF); `up` refuses to overwrite a slurm.conf it did not write.
set -euo pipefail
W=${SLURM_CI_DIR:-/tmp/motifrep-slurm}
LIFETIME=${SLURM_CI_LIFETIME:-10800}
ACCOUNT=${SLURM_CI_ACCOUNT:-your_account}
MARK="# written by motifrep .ci/slurm.sh"
ETC=/etc/slurm
DB_PORT=${SLURM_CI_DB_PORT:-3306}

say() { echo "slurm.sh: $*"; }
die() { echo "slurm.sh: error: $*" >&2; exit 1; }

alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# start NAME COMMAND...: run a daemon in the foreground under timeout, in the background
start() {
  local name=$1; shift
  timeout --kill-after=15 "$LIFETIME" "$@" > "$W/log/$name.out" 2>&1 &
  echo $! > "$W/run/$name.pid"
}

# stop NAME [DAEMON_PIDFILE]: TERM the timeout wrapper (it forwards TERM to the daemon),
# wait up to 30 s, then KILL what is left: the wrapper and the daemon (its own pid file, or
# the wrapper's child). Fails if either still runs after that.
stop() {
  local name=$1 own=${2:-} pidfile="$W/run/$1.pid" pid child="" _
  [ -s "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  if [ -n "$own" ] && [ -s "$own" ]; then
    child=$(cat "$own")
  else
    child=$(timeout 5 ps -o pid= --ppid "$pid" 2>/dev/null | head -1 | tr -d ' ' || true)
  fi
  running() { kill -0 "$pid" 2>/dev/null || { [ -n "$child" ] && kill -0 "$child" 2>/dev/null; }; }
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 60); do running || break; sleep 0.5; done
  if running; then
    if [ -n "$child" ]; then kill -KILL "$child" 2>/dev/null || true; fi
    kill -KILL "$pid" 2>/dev/null || true
    sleep 1
  fi
  if running; then echo "slurm.sh: error: $name (pid $pid, daemon ${child:-?}) still runs" >&2; return 1; fi
  rm -f "$pidfile"
  say "stopped $name (pid $pid, daemon ${child:-?})"
}

# wait_for WHAT SECONDS COMMAND...: retry COMMAND (each try under timeout) until it succeeds
wait_for() {
  local what=$1 secs=$2 _; shift 2
  for _ in $(seq $((secs * 2))); do
    if timeout 10 "$@" > /dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  die "$what did not come up within ${secs} s (logs: $W/log)"
}

listening() { timeout 2 bash -c "echo > /dev/tcp/127.0.0.1/$1" 2>/dev/null; }

mysql_client() { timeout 30 mariadb --no-defaults --protocol=socket --socket="$W/mysqld/mysqld.sock" -u root "$@"; }

up() {
  [ "$(id -u)" = 0 ] || die "run as root (starts system daemons, writes $ETC)"
  local cmd
  for cmd in munged slurmctld slurmd slurmdbd mariadbd mariadb-install-db sacctmgr sbatch setpriv; do
    command -v "$cmd" > /dev/null || die "'$cmd' not found (apt-get install slurmctld slurmd slurmdbd slurm-client munge mariadb-server)"
  done
  if [ -f "$ETC/slurm.conf" ] && ! grep -qx "$MARK" "$ETC/slurm.conf"; then
    die "$ETC/slurm.conf exists and was not written by this script: not touching a real cluster's configuration"
  fi
  local f
  for f in "$W"/run/*.pid; do
    [ -e "$f" ] || continue
    alive "$f" && die "daemons from an earlier 'up' still run ($f): run 'bash .ci/slurm.sh down' first"
  done
  local port
  for port in 6817 6818 6819 "$DB_PORT"; do
    listening "$port" && die "port $port is already in use (another slurm/munge/mariadb?)"
  done
  [ -S /run/munge/munge.socket.2 ] && timeout 5 munge -n > /dev/null 2>&1 && die "a munged already runs"

  rm -rf "$W"
  mkdir -p "$W"/{run,own,log,etc,state/ctld,state/d}
  chmod 755 "$W"

  # --- munge
  if [ ! -s /etc/munge/munge.key ]; then
    timeout 30 mungekey --create --keyfile=/etc/munge/munge.key
    chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
  fi
  mkdir -p /run/munge && chown munge:munge /run/munge && chmod 755 /run/munge
  start munged setpriv --reuid=munge --regid=munge --init-groups /usr/sbin/munged --foreground
  wait_for munged 30 bash -c 'munge -n | unmunge'
  say "munged up"

  # --- MariaDB for slurmdbd (own data directory and socket, TCP on 127.0.0.1 only)
  mkdir -p "$W/mysql" "$W/mysqld" && chown mysql:mysql "$W/mysql" "$W/mysqld"
  timeout 120 mariadb-install-db --no-defaults --user=mysql --datadir="$W/mysql" --skip-test-db \
    > "$W/log/mariadb-install.log" 2>&1 || die "mariadb-install-db failed (see $W/log/mariadb-install.log)"
  start mariadbd mariadbd --no-defaults --user=mysql --datadir="$W/mysql" --socket="$W/mysqld/mysqld.sock" \
    --pid-file="$W/mysqld/mysqld.pid" --bind-address=127.0.0.1 --port="$DB_PORT" --log-error="$W/log/mariadb.err"
  wait_for mariadbd 60 mariadb-admin --no-defaults --socket="$W/mysqld/mysqld.sock" -u root ping
  mysql_client -e "CREATE DATABASE slurm_acct_db;
    CREATE USER 'slurm'@'127.0.0.1' IDENTIFIED BY 'slurmci';
    GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1';"
  say "mariadbd up"

  # --- configuration
  local mem cpus
  cpus=$(nproc)
  mem=$(awk '/^MemTotal:/ {print int($2 / 1024 * 0.8)}' /proc/meminfo)
  cat > "$W/etc/task_prolog.sh" <<'PROLOG'
#!/bin/sh
# SLURM TaskProlog: "print ..." lines go to the task's standard output (the job's log).
echo "print motifrep-ci-task job=${SLURM_JOB_ID:-unset} step=${SLURM_STEP_ID:-unset} partition=${SLURM_JOB_PARTITION:-unset} cuda_visible_devices=${CUDA_VISIBLE_DEVICES:-unset} job_gpus=${SLURM_JOB_GPUS:-unset} step_gpus=${SLURM_STEP_GPUS:-unset}"
PROLOG
  chmod 755 "$W/etc/task_prolog.sh"
  mkdir -p "$ETC"
  cat > "$ETC/slurm.conf" <<CONF
$MARK
ClusterName=ci
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
TaskProlog=$W/etc/task_prolog.sh
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=500
ReturnToService=2
MinJobAge=3600
StateSaveLocation=$W/state/ctld
SlurmdSpoolDir=$W/state/d
SlurmctldPidFile=$W/own/slurmctld.pid
SlurmdPidFile=$W/own/slurmd.pid
SlurmctldLogFile=$W/log/slurmctld.log
SlurmdLogFile=$W/log/slurmd.log
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStorageTRES=gres/gpu
AccountingStoreFlags=job_comment
GresTypes=gpu
NodeName=localhost CPUs=$cpus RealMemory=$mem Gres=gpu:1 State=UNKNOWN
PartitionName=cpu Nodes=localhost Default=YES MaxTime=INFINITE State=UP
PartitionName=gpu Nodes=localhost Default=NO MaxTime=INFINITE State=UP
CONF
  # a GRES GPU needs a File= (slurmd drops a file-less one): /dev/null stands in
  printf '%s\nAutoDetect=off\nNodeName=localhost Name=gpu Count=1 File=/dev/null\n' "$MARK" > "$ETC/gres.conf"
  cat > "$ETC/slurmdbd.conf" <<CONF
$MARK
AuthType=auth/munge
DbdHost=localhost
SlurmUser=root
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort=$DB_PORT
StorageUser=slurm
StoragePass=slurmci
StorageLoc=slurm_acct_db
LogFile=$W/log/slurmdbd.log
PidFile=$W/own/slurmdbd.pid
CONF
  chmod 600 "$ETC/slurmdbd.conf"

  # --- slurmdbd, the cluster and the account, then slurmctld and slurmd
  start slurmdbd slurmdbd -D
  wait_for slurmdbd 60 sacctmgr -n show cluster
  timeout 30 sacctmgr -i add cluster ci > /dev/null
  timeout 30 sacctmgr -i add account "$ACCOUNT" cluster=ci > /dev/null
  timeout 30 sacctmgr -i add user root account="$ACCOUNT" cluster=ci > /dev/null
  say "slurmdbd up (cluster ci, account $ACCOUNT)"
  start slurmctld slurmctld -D
  wait_for slurmctld 60 scontrol ping
  start slurmd slurmd -D -N localhost    # the node name differs from the host name
  wait_for "node localhost (idle)" 60 bash -c 'sinfo -h -n localhost -o %T | grep -qx idle'
  # smoke test: a GPU job step sees its GRES; the TaskProlog line comes first
  local seen
  seen=$(timeout 60 srun -A "$ACCOUNT" -p gpu --gpus=1 -n1 printenv CUDA_VISIBLE_DEVICES) \
    || die "srun with a GPU failed (logs: $W/log)"
  if [ "$(echo "$seen" | tail -1)" != 0 ] || ! echo "$seen" | grep -q '^motifrep-ci-task .*cuda_visible_devices=0 '; then
    die "srun --gpus=1 printed '$seen', expected the TaskProlog line and CUDA_VISIBLE_DEVICES 0"
  fi
  say "slurm up: $(timeout 10 sinfo -h -o '%P %D %c %G %T' | tr '\n' ';') ($(dpkg-query -W -f='${Version}' slurmctld))"
}

down() {
  local rc=0 f
  stop slurmd "$W/own/slurmd.pid" || rc=1
  stop slurmctld "$W/own/slurmctld.pid" || rc=1
  stop slurmdbd "$W/own/slurmdbd.pid" || rc=1
  stop mariadbd "$W/mysqld/mysqld.pid" || rc=1
  stop munged /run/munge/munged.pid || rc=1
  for f in slurm.conf gres.conf slurmdbd.conf; do
    if [ -f "$ETC/$f" ] && grep -qx "$MARK" "$ETC/$f"; then rm -f "$ETC/$f"; fi
  done
  return "$rc"
}

case "${1:-}" in
  up) trap 'rc=$?; if [ "$rc" != 0 ]; then echo "slurm.sh: up failed: stopping what it started" >&2; down; fi' EXIT
      up ;;
  down) down ;;
  *) echo "usage: bash .ci/slurm.sh up|down   (state and logs in $W)" >&2; exit 2 ;;
esac
