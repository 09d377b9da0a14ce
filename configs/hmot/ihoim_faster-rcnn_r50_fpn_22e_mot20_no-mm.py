# Ablation row "iHOIM-MM", MOT20: iHOIM without motion proposals.
_base_ = './ihoim_faster-rcnn_r50_fpn_22e_mot20.py'
model = dict(motion_proposals=False)
