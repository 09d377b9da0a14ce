# Ablation row "OIM-MM", MOT20 (N=2332): R-CNN classification
# branch + plain OIM, no motion proposals; the paper's recipe otherwise.
_base_ = [
    '../_base_/models/oim_faster-rcnn_r50_fpn.py',
    '../_base_/datasets/mot20.py', '../_base_/schedules/hmot_22e.py',
    'mmdet::_base_/default_runtime.py'
]
model = dict(
    motion_proposals=False,
    detector=dict(
        roi_head=dict(bbox_head=dict(loss_reid=dict(num_ids=_base_.num_ids)))))
