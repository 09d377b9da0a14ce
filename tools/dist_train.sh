#!/usr/bin/env bash
# Distributed training with torch DDP (mmengine launcher):
#   bash tools/dist_train.sh CONFIG NUM_GPUS [train.py options]
exec bash "$(dirname "$0")/dist_launch.sh" train.py "$@"
