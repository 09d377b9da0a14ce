# PETS09-S2L1 (../shared/data), the project's real-data benchmark: frames
# 1-397 train (N = 10 identities), frames 398-795 evaluate. Prepare once:
#   python tools/video_to_mot.py ../shared/data/PETS09-S2L1 \
#       --out-dir data/PETS09/train
#   python tools/dataset_converters/mot2coco.py -i data/PETS09/train \
#       -o data/PETS09/annotations --split-train
_base_ = './mot_frames.py'

data_root = 'data/PETS09/'
num_ids = 10
train_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        ann_file='annotations/half-train_cocoformat.json',
        num_ids=num_ids))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
val_evaluator = dict(
    ann_file=data_root + 'annotations/half-val_cocoformat.json')
test_evaluator = val_evaluator
