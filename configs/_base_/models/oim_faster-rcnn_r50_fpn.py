# Ablation baseline "OIM": the same network with the OIM head of
# hmot_components.py (classification branch + plain OIM).
_base_ = './ihoim_faster-rcnn_r50_fpn.py'

model = dict(detector=dict(roi_head=dict(bbox_head=_base_.oim_bbox_head)))
