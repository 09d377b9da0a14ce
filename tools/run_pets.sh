#!/usr/bin/env bash
# The real-video benchmark on CPU: PETS09-S2L1 from ../shared/data, frames
# 1-397 train (N = 10), 398-795 tracked and scored. Called by `make pets`.
#   1. annotations (tools/dataset_converters/mot2coco.py) and the
#      COCO-person MobileNetV2 (tools/model_converters/ssdlite_person_to_mmdet.py)
#   2. training with tools/train.py
#   3. tracking frames 398-795 with tools/test.py, motion proposals on and
#      off, and on without the config's interpolation of short gaps (online)
#   4. the same frames with tools/demo_track.py (txt + mp4), checked equal to
#      tools/test.py's rows, and the whole video rendered
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
CONFIG=${CONFIG:-configs/hmot/ihoim_faster-rcnn_mobilenetv2_fpn_pets09-halfval_cpu.py}
PETS=${PETS:-../shared/data/PETS09-S2L1}
OUT=${OUT:-work_dirs/pets}
step() { printf '\n[pets %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
[ -d "$PETS" ] || { echo "PETS09-S2L1 not found at $PETS (set PETS=...)" >&2; exit 1; }
start=$(date +%s)

step "1/4 annotations and COCO-person weights"
$PY tools/dataset_converters/mot2coco.py -i "$PETS" -o data/PETS09/annotations \
  --split-train --frames train-sub:1-300 --frames val-sub:301-397 \
  --frames train-known:1-300:without=1,13,14 --frames val-new:301-397:only=1,13,14 \
  --frames val-all:301-397 \
  --frames cross-train:216-397 --frames cross-new:1-215:only=15,16,19 \
  --frames cross-all:1-215 \
  --overwrite
$PY tools/model_converters/ssdlite_person_to_mmdet.py \
  checkpoints/mobilenetv2_coco-person_mmdet.pth

step "2/4 training with tools/train.py (CPU)"
rm -rf $OUT/train
train_start=$(date +%s)
$PY tools/train.py $CONFIG --work-dir $OUT/train 2>&1 \
  | grep --line-buffered -E 'Iter\(train\)|Saving checkpoint|Error' \
  | sed -u -E 's/^.*(Iter\(train\) \[ *[0-9]+\/[0-9]+\]).*(eta: [0-9:]+).*( time: [0-9.]+).*( loss: [0-9.]+).*/  \1 \2\3\4/'
echo "  trained in $(( $(date +%s) - train_start )) s"
CKPT=$(cat $OUT/train/last_checkpoint)

step "3/4 frames 398-795 with tools/test.py: motion proposals on, off, on online"
rm -rf $OUT/test $OUT/test_no-mm $OUT/test_online
$PY tools/test.py $CONFIG --checkpoint $CKPT --work-dir $OUT/test 2>&1 \
  | grep -A6 -E '^ +HOTA +MOTA'
$PY tools/test.py $CONFIG --checkpoint $CKPT --work-dir $OUT/test_no-mm \
  --cfg-options model.motion_proposals=False 2>&1 | grep -A6 -E '^ +HOTA +MOTA'
$PY tools/test.py $CONFIG --checkpoint $CKPT --work-dir $OUT/test_online \
  --cfg-options test_evaluator.0.interpolation=None 2>&1 | grep -A6 -E '^ +HOTA +MOTA'

step "4/4 tools/demo_track.py on the video: frames 398-795, then all of it"
rm -rf $OUT/output $OUT/output_full
$PY tools/demo_track.py $CONFIG $CKPT --input "$PETS" --frames 398-795 \
  --out-dir $OUT/output
$PY - "$OUT" <<'PYEOF'
import glob, sys
import numpy as np
out = sys.argv[1]
(test_rows, ) = glob.glob(f'{out}/test/*/track_results/PETS09-S2L1.txt')
a = np.loadtxt(f'{out}/output/PETS09-S2L1.txt', delimiter=',')
b = np.loadtxt(test_rows, delimiter=',')
same = a.shape == b.shape and np.abs(a - b).max() <= 0.011
print(f'  demo_track rows {"==" if same else "!="} tools/test.py rows '
      f'({len(a)} vs {len(b)})')
sys.exit(0 if same else 1)
PYEOF
$PY tools/demo_track.py $CONFIG $CKPT --input "$PETS" --out-dir $OUT/output_full

step "done in $(( $(date +%s) - start )) s"
echo "  half-val tracks: $OUT/output/PETS09-S2L1.txt (+ .mp4)"
echo "  whole video:     $OUT/output_full/PETS09-S2L1.mp4"
