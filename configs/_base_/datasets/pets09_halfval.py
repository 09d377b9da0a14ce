# PETS09-S2L1, the project's real-data benchmark, read from the video in
# ../shared/data: frames 1-397 train (N = 10 identities), 398-795 are
# tracked and scored. Annotations, once:
#   python tools/dataset_converters/mot2coco.py \
#       -i ../shared/data/PETS09-S2L1 -o data/PETS09/annotations --split-train
_base_ = './mot_frames.py'

video_root = '../shared/data/'
num_ids = 10  # N, the lookup table's rows
bg_queue_size = 10  # B = N
# the memory-bank loss's sizes, for model configs to read
memory_size = dict(num_ids=num_ids, bg_queue_size=bg_queue_size)
train_dataloader = dict(
    dataset=dict(
        data_root='',
        ann_file='data/PETS09/annotations/half-train_cocoformat.json',
        data_prefix=dict(img=video_root),
        num_ids=num_ids))
test_dataloader = dict(
    dataset=dict(
        data_root='',
        ann_file='data/PETS09/annotations/half-val_cocoformat.json',
        data_prefix=dict(img_path=video_root)))
# mmdet's MOTChallengeMetric names sequences by image folders; a video
# sequence is scored by MotMetricsMetric (HOTA included)
test_evaluator = [dict(type='MotMetricsMetric')]
