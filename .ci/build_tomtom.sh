#!/usr/bin/env bash
# Build MEME suite 5.4.1 `tomtom` from the MEME source that the `pymemesuite` sdist (PyPI)
# vendors: MEME has no Debian package, and this needs neither conda nor the MEME web site.
#
#   bash .ci/build_tomtom.sh [WORKDIR] [DEST]      -> DEST/tomtom   (about 90 s on 2 cores)
#
# Needs gcc, make, libxml2-dev, zlib1g-dev (`make test-system` installs them with apt) and
# a pip (PIP, default .venv/bin/pip) that can reach PyPI. Skips the build when DEST/tomtom
# already reports 5.4.1. Users with conda can take bioconda's `meme` instead (envs/meme.yaml).
# Recipe measured in ../shared/meme/build_tomtom.sh; what it patches and why is said below.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(realpath -m "${1:-/tmp/motifrep-tomtom-build}")
DEST=$(realpath -m "${2:-$WORK/bin}")
PIP=${PIP:-$REPO/.venv/bin/pip}
VERSION=5.4.1
SDIST=pymemesuite-0.1.0a4

if [ -x "$DEST/tomtom" ] && [ "$(timeout 10 "$DEST/tomtom" -version 2>/dev/null)" = "$VERSION" ]; then
  echo "build_tomtom: $DEST/tomtom $VERSION already built"
  exit 0
fi
for tool in gcc make xml2-config; do
  command -v "$tool" >/dev/null || { echo "build_tomtom: '$tool' not found (apt-get install gcc make libxml2-dev zlib1g-dev)" >&2; exit 1; }
done
mkdir -p "$WORK" "$DEST"
cd "$WORK"
rm -rf "$SDIST"
timeout 300 "$PIP" download --quiet --no-deps --no-binary pymemesuite "pymemesuite==0.1.0a4" -d dl
tar xzf "dl/$SDIST.tar.gz"          # tar keeps mtimes, so autotools do not try to regenerate
cd "$SDIST/vendor/meme"
# pymemesuite strips doc/, etc/, tests/ ...: give configure empty Makefile.in stubs
sed -n '/AC_CONFIG_FILES(\[/,/\])/p' configure.ac | tr -d '\\[]' | sed 's/AC_CONFIG_FILES(//; s/)//' \
  | tr ' ' '\n' | grep Makefile | while read -r f; do
    [ -f "$f.in" ] || { mkdir -p "$(dirname "$f")"; printf 'all:\ninstall:\nclean:\ncheck:\n' > "$f.in"; touch -r Makefile.in "$f.in"; }
  done
# pymemesuite comments out die()/myassert() in src/utils.c (it supplies Python-raising
# versions); restore MEME's own
python3 - <<'PY'
lines = open("src/utils.c").read().split("\n")
out, block = [], False
for line in lines:
    if line.startswith("//void die") or line.startswith("//void myassert"):
        block = True
    if block:
        if line.startswith("//"):
            line = line[2:]
        else:
            block = False
    out.append(line)
open("src/utils.c", "w").write("\n".join(out))
PY
# do NOT pass --enable-build-libxml2=no (it forces the vendored libxml2)
timeout 300 ./configure --prefix="$WORK/meme" > configure.log 2>&1 || { tail -20 configure.log >&2; exit 1; }
timeout 120 make -C src dir.h projrel.h citation.js.h > /dev/null
timeout 900 make -C src -j"$(nproc)" tomtom > make.log 2>&1 || { tail -30 make.log >&2; exit 1; }
cp src/tomtom "$DEST/tomtom"
got=$(timeout 10 "$DEST/tomtom" -version)
[ "$got" = "$VERSION" ] || { echo "build_tomtom: built tomtom reports '$got', expected $VERSION" >&2; exit 1; }
echo "build_tomtom: $DEST/tomtom $got"
