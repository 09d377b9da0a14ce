# The CPU network: iHOIM Faster R-CNN on the MobileNetV2 base with every
# stage frozen, a 96-channel FPN, a 256-d R-CNN fc, a 128-d embedding,
# pedestrian anchors (8-px base, aspect 1-3), fewer proposals and R-CNN
# NMS at 0.3.
# The loss, sampling and tracker settings are the paper's/HOIM's from
# hmot_components.py. Leaves choose the backbone weights (init_cfg) and
# the matching data_preprocessor: the base's ImageNet default, or the
# COCO-person weights of tools/model_converters/ssdlite_person_to_mmdet.py.
_base_ = './ihoim_faster-rcnn_mobilenetv2_fpn.py'

channels = 96
model = dict(
    detector=dict(
        backbone=dict(frozen_stages=7),
        neck=dict(out_channels=channels),
        rpn_head=dict(
            in_channels=channels,
            feat_channels=channels,
            anchor_generator=dict(scales=[4], ratios=[1.0, 2.0, 3.0])),
        roi_head=dict(
            bbox_roi_extractor=dict(out_channels=channels),
            bbox_head=dict(
                in_channels=channels, fc_out_channels=256, embed_dim=128)),
        train_cfg=dict(rpn_proposal=dict(nms_pre=1000, max_per_img=300)),
        test_cfg=dict(
            rpn=dict(nms_pre=500, max_per_img=100),
            rcnn=dict(nms=dict(iou_threshold=0.3)))),
    tracker=dict(score_thr=0.6, low_score_thr=0.1, max_cosine_distance=0.3))
