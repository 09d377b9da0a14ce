# The paper's recipe: SGD lr 0.003 (batch 3), linear warm-up over the first
# epoch, x0.1 at epoch 16, 22 epochs, no validation during training; weight
# decay 5e-4 and gradient-norm clipping at 10 as HOIM (the paper follows
# its configuration).
_base_ = 'mmdet::_base_/schedules/schedule_1x.py'

train_cfg = dict(max_epochs=22)
val_cfg = None  # val_dataloader/val_evaluator are None in the dataset bases
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=0.001,
        by_epoch=True,
        begin=0,
        end=1,
        convert_to_iter_based=True),
    dict(
        type='MultiStepLR',
        by_epoch=True,
        begin=0,
        end=22,
        milestones=[16],
        gamma=0.1)
]
optim_wrapper = dict(
    optimizer=dict(lr=0.003, weight_decay=5e-4),
    clip_grad=dict(max_norm=10, norm_type=2))
auto_scale_lr = dict(base_batch_size=3)
