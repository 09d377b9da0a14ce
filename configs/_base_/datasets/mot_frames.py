# Train: MOT frames with dense identities (MOTFrameDataset), mmdet's MOT
# detection augmentation, ids packed into gt_instances. Test: whole
# sequences frame by frame in order (MOTChallengeDataset + TrackImgSampler)
# scored by motmetrics/TrackEval. Frames come from images or a video
# (LoadFrame).
_base_ = 'mmdet::_base_/datasets/mot_challenge_det.py'

backend_args = None
train_pipeline = [
    dict(type='LoadFrame', backend_args=backend_args, to_float32=True),
    dict(type='LoadTrackAnnotations', with_bbox=True),
    dict(
        type='RandomResize',
        scale=(1088, 1088),
        ratio_range=(0.8, 1.2),
        keep_ratio=True,
        clip_object_border=False),
    dict(type='PhotoMetricDistortion'),
    dict(type='RandomCrop', crop_size=(1088, 1088), bbox_clip_border=False),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackReIDDetInputs')
]
test_pipeline = [
    dict(
        type='TransformBroadcaster',
        transforms=[
            dict(type='LoadFrame', backend_args=backend_args),
            dict(type='Resize', scale=(1088, 1088), keep_ratio=True),
            dict(type='LoadTrackAnnotations')
        ]),
    dict(type='PackTrackInputs', meta_keys=('frame_index', 'mot_frame_id'))
]
train_dataloader = dict(
    batch_size=3,
    dataset=dict(type='MOTFrameDataset', pipeline=train_pipeline))
val_dataloader = None
val_evaluator = None
test_dataloader = dict(
    _delete_=True,
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='TrackImgSampler'),
    dataset=dict(
        type='MOTChallengeDataset',
        data_root='data/MOT17/',
        ann_file='annotations/half-val_cocoformat.json',
        data_prefix=dict(img_path='train/'),
        test_mode=True,
        pipeline=test_pipeline))
test_evaluator = [
    dict(type='MotMetricsMetric'),
    dict(type='MOTChallengeMetric', metric=['HOTA', 'CLEAR', 'Identity'])
]
