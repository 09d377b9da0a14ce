# MOT17 train split, one detector copy of each of the 7 sequences, converted
# by tools/dataset_converters/mot2coco.py. num_ids = 517 is the paper's
# MOT16 count (same videos); if the converter prints another N for your
# MOT17 copy, MOTFrameDataset stops with both numbers: set num_ids to it.
# The paper trains on the whole split without validation. Test: detection AP on
# the half-val frames, a sanity check only (the recipe trains on them).
_base_ = './mot_frames.py'

data_root = 'data/MOT17/'
num_ids = 517
train_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        ann_file='annotations/train_cocoformat.json',
        num_ids=num_ids))
val_dataloader = None
val_evaluator = None
test_dataloader = dict(dataset=dict(data_root=data_root))
test_evaluator = dict(
    ann_file=data_root + 'annotations/half-val_cocoformat.json')
