# MOT20 train split (4 sequences, N = 2332 identities) as converted by
# tools/dataset_converters/mot2coco.py --split-train.
# The paper trains on the whole split without validation; tracking is
# tested on the half-val frames (seen in training under this recipe, so a
# sanity check, not a benchmark).
_base_ = './mot_frames.py'

data_root = 'data/MOT20/'
num_ids = 2332  # N, the lookup table's rows
bg_queue_size = 2000  # B, the paper's for MOT20
# the memory-bank loss's sizes, for model configs to read
memory_size = dict(num_ids=num_ids, bg_queue_size=bg_queue_size)
max_people_per_frame = 246  # the paper, Sec. 4.1; the model caps must fit
train_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        ann_file='annotations/train_cocoformat.json',
        num_ids=num_ids))
test_dataloader = dict(dataset=dict(data_root=data_root))
