# Ablation row "OIM-MM", MOT16 (N=517): R-CNN classification branch
# + plain OIM, no motion proposals; the paper's recipe otherwise.
_base_ = [
    '../_base_/models/oim_faster-rcnn_r50_fpn.py',
    '../_base_/datasets/mot16.py', '../_base_/schedules/hmot_22e.py',
    'mmdet::_base_/default_runtime.py'
]
model = dict(
    motion_proposals=False,
    detector=dict(
        roi_head=dict(bbox_head=dict(loss_reid=dict(num_ids=_base_.num_ids)))))
