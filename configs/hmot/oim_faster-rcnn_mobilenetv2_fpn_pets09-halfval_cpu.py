# Ablation row OIM-MM on the real-video benchmark: the PETS09 config
# (..._pets09-halfval_cpu.py) with an R-CNN classification branch and a
# plain OIM loss at weight 1 (no background in the re-ID softmax) in place
# of iHOIM, and no motion proposals. Data, schedule, AdamW, jitter and the
# hard negatives (ranked here by the classification loss) are the base's.
# The memory gets no averaging pass: OIM's lookup table scores nothing.
# Its scores are a softmax classifier's, so the tracker's thresholds are
# chosen for them as the base's were for iHOIM's: on people held out of
# training, best mean MOTA over two trainings (docs/benchmarks.md).
_base_ = './ihoim_faster-rcnn_mobilenetv2_fpn_pets09-halfval_cpu.py'

# hmot_components.py's OIM head, its loss sized to this data's N
oim_bbox_head = dict(
    _base_.oim_bbox_head,
    loss_reid=dict(_base_.oim_bbox_head.loss_reid, num_ids=_base_.num_ids))
model = dict(
    motion_proposals=False,
    detector=dict(roi_head=dict(bbox_head=oim_bbox_head)),
    tracker=dict(score_thr=0.6, low_score_thr=0.4))
custom_hooks = [dict(type='MemoryBufferHook')]
