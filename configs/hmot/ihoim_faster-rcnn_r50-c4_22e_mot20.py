# iHOIM, R50-C4 (res5 as the RoI shared head), MOT20, the paper's recipe.
_base_ = [
    '../_base_/models/ihoim_faster-rcnn_r50-c4.py',
    '../_base_/datasets/mot20.py', '../_base_/schedules/hmot_22e.py',
    'mmdet::_base_/default_runtime.py'
]
model = dict(
    detector=dict(roi_head=dict(bbox_head=dict(loss_reid=_base_.memory_size))))
