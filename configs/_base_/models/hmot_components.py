# What every HMOT model shares: the plugin import, the iHOIM loss with the
# paper's settings (N and B are the dataset's), DeepSORT's settings and the
# memory-bank hook. Combined with an mmdet detector base by the model bases.
custom_imports = dict(imports=['hmot_mm'], allow_failed_imports=False)

ihoim_loss = dict(
    type='iHOIMLoss',
    num_ids=517,
    bg_queue_size=500,
    temperature=1 / 30,
    momentum=0.5,
    smr_decay=0.99,
    oim_weight=2.0)
deepsort_tracker = dict(
    type='MotionProposalTracker',
    score_thr=0.5,
    max_cosine_distance=0.2,
    nn_budget=100,
    max_iou_distance=0.7,
    max_age=30,
    n_init=3)
custom_hooks = [dict(type='MemoryBufferHook')]
