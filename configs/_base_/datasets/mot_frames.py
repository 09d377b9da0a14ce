# MOT training frames with dense identities (MOTFrameDataset): mmdet's MOT
# detection settings, with instance ids loaded and packed into gt_instances
# and frames read from images or from a sequence's video (LoadFrame).
_base_ = 'mmdet::_base_/datasets/mot_challenge_det.py'

dataset_type = 'MOTFrameDataset'
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
train_dataloader = dict(
    batch_size=3, dataset=dict(type=dataset_type, pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(type=dataset_type))
test_dataloader = val_dataloader
