#!/usr/bin/env bash
# The P1 paper grid on a lent GPU machine (one H100/H200, 16 cores, PyTorch and JAX with CUDA,
# no TensorFlow, no network), in one call of at most 9 minutes. README "GPU check".
#
#   bench/gpu_check.sh --prepare    HERE: download the wheels the machine lacks (Keras and its
#                                   small deps, memelite) for its Python 3.12 / x86-64 into
#                                   .gpu_check/whl, export JASPAR 2016 (pyjaspar) to
#                                   .gpu_check/JASPAR2016.meme, print the device call to make
#   bench/gpu_check.sh [ARGS]       THERE: install the wheels to /tmp/site, run bench/gpu_check.py
#                                   (JAX backend; falls back to PyTorch if Keras cannot import JAX),
#                                   copy its summary files (at most 8) to $OUT
#   bench/gpu_check.sh --tiny       HERE: the same path at a tiny size on the CPU (tests/test_gpu_check.py)
#
# ARGS are passed to bench/gpu_check.py (e.g. --backend torch, --budget 300, --trials 2).
set -euo pipefail
cd "$(dirname "$0")/.."
CARRY=.gpu_check
PY=${PYTHON:-python3}
# Wheels the machine lacks (its package list: /work/.library/device/KINDS.md): Keras 3 and the two
# of its needs not there (namex, optree); memelite (Tomtom) and its need pyfaidx. numpy, pandas, h5py, scipy, numba,
# scikit-learn, pyyaml, matplotlib, absl-py, rich, ml-dtypes, packaging are there.
WHEELS="keras==3.15.1 namex==0.1.0 optree==0.20.0 memelite==0.5.0 pyfaidx==0.9.2.2"

prepare() {
    local exclude
    exclude=$(git rev-parse --git-path info/exclude)
    grep -qx "/$CARRY/" "$exclude" 2> /dev/null || echo "/$CARRY/" >> "$exclude"
    mkdir -p "$CARRY/whl"
    # shellcheck disable=SC2086
    "$PY" -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
        --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
        --platform manylinux2014_x86_64 --platform manylinux1_x86_64 -d "$CARRY/whl" $WHEELS
    PYTHONPATH=$PWD/src "$PY" -c "from motifrep.motifs.jaspar import export_collection as e; \
print(e('$CARRY/JASPAR2016.meme'), 'motifs')"
    du -sh "$CARRY"
    cat << EOF
Device call (the run tool; the whole call <= 9 min, so timeout_s 570):
  command: bash bench/gpu_check.sh
  carry:   ["$CARRY"]
  e.g. run(command="bash bench/gpu_check.sh", carry=["$CARRY"], timeout_s=570)
Options go after the command: bash bench/gpu_check.sh --backend torch --budget 300
EOF
}

device() {
    [ -d "$CARRY/whl" ] && [ -f "$CARRY/JASPAR2016.meme" ] || {
        echo "gpu_check: $CARRY/ missing: run bench/gpu_check.sh --prepare here and carry $CARRY" >&2
        exit 1
    }
    "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site "$CARRY"/whl/*.whl
    export PYTHONPATH=/tmp/site:$PWD/src PYTHONUNBUFFERED=1
    local backend=jax out=${OUT:-$PWD/gpu_check_out}
    if ! KERAS_BACKEND=jax "$PY" -c "import keras, jax; assert jax.devices()[0].platform == 'gpu'" 2> /tmp/jaxcheck.log; then
        echo "gpu_check: Keras on JAX with a GPU does not start here (tail below): using PyTorch"
        tail -3 /tmp/jaxcheck.log
        backend=torch
    fi
    nvidia-smi -L || true
    "$PY" bench/gpu_check.py --jaspar "$CARRY/JASPAR2016.meme" --backend "$backend" --out "$out" \
        --work /tmp/gpu_check "$@"
}

tiny() {
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    PYTHONPATH=$PWD/src:${PYTHONPATH:-} "$PY" -c "from motifrep.motifs.jaspar import export_collection as e; \
e('$work/JASPAR2016.meme')"
    # the device's import path: what it lacks is refused (bench/gpu_check.py, MOTIFREP_GPU_CHECK_WITHOUT)
    MOTIFREP_GPU_CHECK_WITHOUT="tensorflow pyjaspar shap logomaker jsonschema snakemake pybedtools pysam" \
        PYTHONPATH=$PWD/src:${PYTHONPATH:-} PYTHONUNBUFFERED=1 "$PY" bench/gpu_check.py --tiny \
        --jaspar "$work/JASPAR2016.meme" --out "${OUT:-$work/out}" --work "$work/work" "$@"
}

case "${1:-}" in
    --prepare) prepare ;;
    --tiny) shift && tiny "$@" ;;
    *) device "$@" ;;
esac
