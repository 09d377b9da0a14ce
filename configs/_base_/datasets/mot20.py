# MOT20 train split (4 sequences, N = 2332 identities) as converted to
# data/MOT20/annotations/train_cocoformat.json with dense instance ids. The
# paper trains on the whole split without validation. Test: detection AP on
# the half-val frames, a sanity check only (the recipe trains on them).
_base_ = './mot_frames.py'

data_root = 'data/MOT20/'
num_ids = 2332
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
