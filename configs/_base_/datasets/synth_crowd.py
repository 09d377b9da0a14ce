# Synthetic MOT20-like crowd (about 150 people per 1920x1080 frame), the
# embedded default that needs no download. Generate and convert, once:
#   python tools/make_synthetic_mot.py --out data/synth_crowd/train \
#       --seqs 2 --frames 150 --persons 150 --size 1920x1080 --seed 0
#   python tools/dataset_converters/mot2coco.py -i data/synth_crowd/train \
#       -o data/synth_crowd/annotations --split-train
# The converter prints N for half-train: 375 for exactly these options.
_base_ = './mot_frames.py'

data_root = 'data/synth_crowd/'
num_ids = 375  # N, the lookup table's rows
bg_queue_size = 320  # B ~ 0.86 N, MOT20's ratio
# the memory-bank loss's sizes, for model configs to read
memory_size = dict(num_ids=num_ids, bg_queue_size=bg_queue_size)
train_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        ann_file='annotations/half-train_cocoformat.json',
        num_ids=num_ids))
test_dataloader = dict(dataset=dict(data_root=data_root))
