#!/usr/bin/env bash
# torch DDP launcher behind dist_train.sh / dist_test.sh:
#   bash tools/dist_launch.sh SCRIPT.py CONFIG NUM_GPUS [SCRIPT options]
# NNODES, NODE_RANK, PORT and MASTER_ADDR select a multi-node run; PYTHON
# the interpreter (default: python on PATH).
set -euo pipefail
SCRIPT=$1
CONFIG=$2
GPUS=$3
TOOLS=$(dirname "$0")

PYTHONPATH="$TOOLS/..":${PYTHONPATH:-} \
"${PYTHON:-python}" -m torch.distributed.run \
    --nnodes="${NNODES:-1}" \
    --node_rank="${NODE_RANK:-0}" \
    --master_addr="${MASTER_ADDR:-127.0.0.1}" \
    --nproc_per_node="$GPUS" \
    --master_port="${PORT:-29500}" \
    "$TOOLS/$SCRIPT" \
    "$CONFIG" \
    --launcher pytorch "${@:4}"
