# iHOIM, R50-FPN, MOT20 train (N=2332, B=2000), the paper's 22-epoch recipe.
_base_ = [
    '../_base_/models/ihoim_faster-rcnn_r50_fpn.py',
    '../_base_/datasets/mot20.py', '../_base_/schedules/hmot_22e.py',
    'mmdet::_base_/default_runtime.py'
]
model = dict(
    detector=dict(roi_head=dict(bbox_head=dict(loss_reid=_base_.memory_size))))
