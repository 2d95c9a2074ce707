#!/usr/bin/env bash
# `make test-system` (CI runs it after `make test`): the tests that need real outside
# programs, marker `system`, in tests/system/:
#   - tests/system/test_slurm.py: the tiny test config through profiles/slurm on a real
#     one-node SLURM (.ci/slurm.sh), with tomtom.engine: meme; checks that every job ran as a
#     SLURM job, that the GPU rules and only they were given the GPU GRES, and partitions;
#   - tests/system/test_tomtom_meme.py: MEME's tomtom 5.4.1 vs memelite and vs the authors'
#     stored Tomtom tables.
# Needs root (apt-get, daemons) and PyPI (the pymemesuite sdist). Installs with apt what is
# missing of: slurmctld slurmd slurmdbd slurm-client munge mariadb-server gcc make
# libxml2-dev zlib1g-dev; builds tomtom into $MOTIFREP_SYSTEM_DIR/bin (default
# /tmp/motifrep-system; kept, so a rerun skips the build); starts SLURM; runs pytest -m system;
# stops every daemon it started by PID, also when something fails (trap).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
W=${MOTIFREP_SYSTEM_DIR:-/tmp/motifrep-system}
PKGS="slurmctld slurmd slurmdbd slurm-client munge mariadb-server gcc make libxml2-dev zlib1g-dev"
T0=$(date +%s)
ts() { echo "[test-system +$(($(date +%s) - T0))s] $*"; }

[ "$(id -u)" = 0 ] || { echo "test-system: run as root (it installs packages with apt-get and starts SLURM)" >&2; exit 1; }
[ -x .venv/bin/pytest ] || { echo "test-system: no .venv: run 'make setup' first" >&2; exit 1; }

POLICY_CREATED=""
cleanup() {
  local rc=$?
  set +e
  bash .ci/slurm.sh down
  [ -n "$POLICY_CREATED" ] && rm -f /usr/sbin/policy-rc.d
  ts "done (exit status $rc)"
  exit "$rc"
}
trap cleanup EXIT

# --- packages (only what is missing)
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  ts "apt-get install$missing"
  if [ ! -e /usr/sbin/policy-rc.d ]; then   # packages must not start their daemons themselves
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d
    POLICY_CREATED=1
  fi
  timeout 600 apt-get update -q > /dev/null
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive timeout 1200 apt-get install -y -q --no-install-recommends $missing > "${TMPDIR:-/tmp}/motifrep-system-apt.log" 2>&1 \
    || { tail -20 "${TMPDIR:-/tmp}/motifrep-system-apt.log" >&2; exit 1; }
  if [ -n "$POLICY_CREATED" ]; then rm -f /usr/sbin/policy-rc.d; POLICY_CREATED=""; fi
fi
ts "packages: slurm $(dpkg-query -W -f='${Version}' slurmctld), munge $(dpkg-query -W -f='${Version}' munge)"

# --- MEME tomtom 5.4.1
PIP="$REPO/.venv/bin/pip" timeout 1200 bash .ci/build_tomtom.sh "$W/tomtom-build" "$W/bin"
export PATH="$W/bin:$PATH"
ts "tomtom: $(command -v tomtom)"

# --- SLURM
timeout 300 bash .ci/slurm.sh up
ts "slurm up"

# --- the system tests
timeout 3600 .venv/bin/pytest -m system tests/system -v -p no:cacheprovider
ts "system tests passed"
