# HMOT with a Faster R-CNN R50-FPN whose R-CNN head has one embedding
# branch beside box regression (scores from the iHOIM memory bank);
# Kalman-predicted boxes join the RPN proposals; DeepSORT associates.
_base_ = [
    'mmdet::_base_/models/faster-rcnn_r50_fpn.py', './hmot_components.py'
]

detector = _base_.model
detector.roi_head.type = 'iHOIMRoIHead'
detector.roi_head.bbox_head.update(
    type='iHOIMBBoxHead',
    num_classes=1,
    reg_class_agnostic=True,
    embed_dim=256,
    loss_reid=_base_.ihoim_loss)
model = dict(
    _delete_=True,
    type='HMOT',
    detector=detector,
    motion_proposals=True,
    tracker=_base_.deepsort_tracker)
