# The paper-recipe demo config (CPU network, ImageNet MobileNetV2) trained on
# real video: PETS09-S2L1 frames 1-397 (N = 10, B = N; convert once with
#   python tools/dataset_converters/mot2coco.py -i ../shared/data/PETS09-S2L1 \
#       -o data/PETS09/annotations --split-train
# ), frames 398-795 tracked. The data settings repeat
# configs/_base_/datasets/pets09_halfval.py, which cannot be a second base
# of a leaf that already has datasets. docs/recipe.md: its memory curves.
_base_ = './hmot_mobilenetv2_synth_cpu_paper-recipe.py'
num_ids = 10
frame_size = (448, 336)
test_scale = (560, 420)
model = dict(
    detector=dict(
        roi_head=dict(
            bbox_head=dict(
                loss_reid=dict(num_ids=num_ids, bg_queue_size=num_ids)))))
train_pipeline = _base_.train_pipeline
train_pipeline[2].scale = frame_size  # the RandomResize
test_pipeline = _base_.test_dataloader.dataset.pipeline
test_pipeline[0].transforms[1].scale = test_scale  # the Resize
train_dataloader = dict(
    dataset=dict(
        times=4,
        dataset=dict(
            data_root='',
            ann_file='data/PETS09/annotations/half-train_cocoformat.json',
            data_prefix=dict(img='../shared/data/'),
            num_ids=num_ids,
            pipeline=train_pipeline)))
test_dataloader = dict(
    dataset=dict(
        data_root='',
        ann_file='data/PETS09/annotations/half-val_cocoformat.json',
        data_prefix=dict(img_path='../shared/data/'),
        pipeline=test_pipeline))
