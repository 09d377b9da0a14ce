# Ablation baseline OIM, R50-FPN, MOT16 (N=517, B=500), the paper's recipe.
_base_ = [
    '../_base_/models/oim_faster-rcnn_r50_fpn.py',
    '../_base_/datasets/mot16.py', '../_base_/schedules/hmot_22e.py',
    'mmdet::_base_/default_runtime.py'
]
