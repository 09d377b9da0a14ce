#!/usr/bin/env bash
# Distributed testing with torch DDP (mmengine launcher):
#   bash tools/dist_test.sh CONFIG NUM_GPUS [test.py options]
exec bash "$(dirname "$0")/dist_launch.sh" test.py "$@"
