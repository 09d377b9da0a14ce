# Ablation baseline "OIM": the same network plus an R-CNN classification
# branch (cross-entropy) and a plain OIM loss over the lookup table (no
# background in its softmax); no hierarchy, no λ, no SMR.
_base_ = './ihoim_faster-rcnn_r50_fpn.py'

model = dict(
    detector=dict(
        roi_head=dict(
            bbox_head=dict(
                type='OIMBBoxHead',
                loss_reid=dict(
                    _delete_=True,
                    type='OIMLoss',
                    temperature=_base_.ihoim_loss.temperature,
                    momentum=_base_.ihoim_loss.momentum)))))
