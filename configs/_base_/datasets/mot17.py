# MOT17 train split, one detector copy of each of the 7 sequences, converted
# by tools/dataset_converters/mot2coco.py: MOT16's videos, so MOT16's N and
# B (517, 500). If the converter prints another N for your MOT17 copy,
# MOTFrameDataset stops with both numbers: set num_ids to it.
_base_ = './mot16.py'

data_root = 'data/MOT17/'
train_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = dict(dataset=dict(data_root=data_root))
