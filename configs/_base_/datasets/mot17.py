# MOT17 train split, one detector copy of each of the 7 sequences, converted
# by tools/dataset_converters/mot2coco.py. num_ids = 517 is the paper's
# MOT16 count (same videos); if the converter prints another N for your
# MOT17 copy, MOTFrameDataset stops with both numbers: set num_ids to it.
# The paper trains on the whole split without validation; tracking is
# tested on the half-val frames (seen in training under this recipe, so a
# sanity check, not a benchmark).
_base_ = './mot_frames.py'

data_root = 'data/MOT17/'
num_ids = 517  # N, the lookup table's rows
bg_queue_size = 500  # B, the paper's for MOT16
# the memory-bank loss's sizes, for model configs to read
memory_size = dict(num_ids=num_ids, bg_queue_size=bg_queue_size)
train_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        ann_file='annotations/train_cocoformat.json',
        num_ids=num_ids))
test_dataloader = dict(dataset=dict(data_root=data_root))
