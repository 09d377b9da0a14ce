# MOT16 train split (7 sequences, N = 517 identities) as converted to
# data/MOT16/annotations/train_cocoformat.json with dense instance ids. The
# paper trains on the whole split without validation. Test: detection AP on
# the half-val frames, a sanity check only (the recipe trains on them).
_base_ = './mot_frames.py'

data_root = 'data/MOT16/'
num_ids = 517
train_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        ann_file='annotations/train_cocoformat.json',
        num_ids=num_ids))
val_dataloader = None
val_evaluator = None
test_dataloader = dict(dataset=dict(data_root=data_root))
test_evaluator = dict(ann_file=data_root +
                      'annotations/half-val_cocoformat.json')
