# PETS09-S2L1, the project's real-data benchmark, read from the video in
# ../shared/data: frames 1-397 train (N = 10 identities), 398-795 evaluate.
# Annotations, once:
#   python tools/dataset_converters/mot2coco.py \
#       -i ../shared/data/PETS09-S2L1 -o data/PETS09/annotations --split-train
_base_ = './mot_frames.py'

data_root = ''
video_root = '../shared/data/'
num_ids = 10
train_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        ann_file='data/PETS09/annotations/half-train_cocoformat.json',
        data_prefix=dict(img=video_root),
        num_ids=num_ids))
val_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        ann_file='data/PETS09/annotations/half-val_cocoformat.json',
        data_prefix=dict(img=video_root),
        pipeline=[
            dict(type='LoadFrame'),
            dict(type='Resize', scale=(1088, 1088), keep_ratio=True),
            dict(type='LoadAnnotations', with_bbox=True),
            dict(
                type='PackDetInputs',
                meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                           'scale_factor'))
        ]))
test_dataloader = val_dataloader
val_evaluator = dict(
    ann_file='data/PETS09/annotations/half-val_cocoformat.json')
test_evaluator = val_evaluator
