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
    embed_bn=True,
    reg_bn=True,
    loss_reid=_base_.ihoim_loss)
detector.train_cfg.rpn.assigner.ignore_iof_thr = _base_.ignore_iof_thr
detector.train_cfg.rcnn.update(_base_.hoim_rcnn_train_cfg)
detector.test_cfg.rcnn.max_per_img = _base_.max_dets_per_img
model = dict(
    _delete_=True,
    type='HMOT',
    detector=detector,
    motion_proposals=True,
    tracker=_base_.deepsort_tracker)
