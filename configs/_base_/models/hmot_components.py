# What every HMOT model shares: the plugin import, the iHOIM loss with the
# paper's settings, DeepSORT's settings and the memory-bank hook. Combined
# with an mmdet detector base by the model bases. N and B (num_ids,
# bg_queue_size) are the dataset's: each dataset base states them and each
# leaf config reads them into the loss (loss_reid=_base_.memory_size).
custom_imports = dict(imports=['hmot_mm'], allow_failed_imports=False)

ihoim_loss = dict(
    type='iHOIMLoss',
    temperature=1 / 30,
    momentum=0.5,
    smr_decay=0.99,
    oim_weight=2.0)
# the ablation's OIM row: an R-CNN classification branch (cross-entropy)
# beside the embedding and plain OIM over the lookup table (no background
# in its softmax); no hierarchy, no λ, no SMR. Replaces a model's
# bbox_head settings of these keys (its loss_reid whole).
oim_bbox_head = dict(
    type='OIMBBoxHead',
    loss_reid=dict(
        _delete_=True,
        type='OIMLoss',
        temperature=ihoim_loss['temperature'],
        momentum=ihoim_loss['momentum']))
deepsort_tracker = dict(
    type='MotionProposalTracker',
    score_thr=0.5,
    max_cosine_distance=0.2,
    nn_budget=100,
    max_iou_distance=0.7,
    max_age=30,
    n_init=3)
custom_hooks = [dict(type='MemoryBufferHook')]

# The paper follows HOIM's configuration; where it is silent, these are
# HOIM's public code: BN on the embedding before the L2 norm (embed_bn) and
# on the box deltas (reg_bn), and
# R-CNN sampling of 128 RoIs per image, half positives (IoU >= 0.5),
# background only below IoU 0.1: part-of-person boxes in between are
# ignored, so they are neither trained as background nor kept by SMR.
# RoIs and anchors lying on an ignore region (iof > 0.5; conf-0 people
# and person-like distractors, see mot2coco) are skipped too.
ignore_iof_thr = 0.5
hoim_rcnn_train_cfg = dict(
    assigner=dict(
        type='MaxIoUAssigner',
        pos_iou_thr=0.5,
        neg_iou_thr=0.1,
        min_pos_iou=0.5,
        match_low_quality=False,
        ignore_iof_thr=ignore_iof_thr),
    sampler=dict(
        type='RandomSampler',
        num=128,
        pos_fraction=0.5,
        neg_pos_ub=-1,
        add_gt_as_proposals=True))
# detections kept per image at test time: MOT20 frames hold up to 246
# people (mmdet's default of 100 would cut crowds)
max_dets_per_img = 300
