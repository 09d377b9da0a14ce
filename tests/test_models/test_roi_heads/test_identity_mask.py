"""iHOIMBBoxHead's ``oim_iou_thr``: which positive RoIs take the identity
term, against IoUs worked out by hand, and what ``loss_and_target`` then
computes (L_det and box regression as without it; L_OIM on the RoIs kept)."""
import numpy as np
import pytest
import torch
from conftest import ROOT, fill_memory
from mmdet.models.task_modules import AssignResult
from mmdet.models.task_modules.samplers import SamplingResult
from mmdet.registry import MODELS
from mmdet.structures.bbox import bbox2roi
from mmdet.utils import register_all_modules
from mmengine.config import Config

CFG = f'{ROOT}/configs/_base_/models/ihoim_faster-rcnn_mobilenetv2_fpn_cpu.py'
PERSON = [0., 0., 10., 20.]  # area 200
# boxes inside PERSON, so IoU = own area / 200
IOU_1 = [0., 0., 10., 20.]
IOU_075 = [0., 5., 10., 20.]  # 150 / 200
IOU_06 = [0., 0., 10., 12.]  # 120 / 200
FAR = [50., 50., 60., 70.]  # no overlap: background


def sampled(priors, num_pos, identity):
    """A SamplingResult whose first ``num_pos`` priors are positives of
    the one person (dense identity ``identity``), the rest negatives."""
    n = len(priors)
    gt_inds = torch.tensor([1] * num_pos + [0] * (n - num_pos))
    assign = AssignResult(
        num_gts=1,
        gt_inds=gt_inds,
        max_overlaps=torch.zeros(n),
        labels=torch.where(gt_inds > 0, 0, -1))
    result = SamplingResult(
        pos_inds=torch.arange(num_pos),
        neg_inds=torch.arange(num_pos, n),
        priors=torch.tensor(priors),
        gt_bboxes=torch.tensor([PERSON]),
        assign_result=assign,
        gt_flags=torch.zeros(n, dtype=torch.uint8))
    result.pos_gt_ids = torch.full((num_pos, ), identity)
    return result


def box_head(oim_iou_thr):
    register_all_modules()
    import hmot_mm  # noqa: F401  registers the head and the loss
    det = Config.fromfile(CFG).model.detector
    det.roi_head.bbox_head.update(oim_iou_thr=oim_iou_thr)
    det.roi_head.bbox_head.loss_reid.update(num_ids=5, bg_queue_size=5)
    return MODELS.build(det.roi_head.bbox_head).train()


# two images, RoIs ordered positives then negatives within each
RESULTS = [
    sampled([IOU_1, IOU_06, FAR, FAR], num_pos=2, identity=3),
    sampled([IOU_075, FAR], num_pos=1, identity=1),
]


@pytest.mark.parametrize('thr, kept', [
    (0.7, [True, False, True, True, True, True]),
    (0.5, [True] * 6),
    (0.8, [True, False, True, True, False, True]),
    (1.0, [True, False, True, True, False, True]),
])
def test_positives_below_the_threshold_are_masked(thr, kept):
    mask = box_head(thr).identity_mask(RESULTS)
    assert mask.tolist() == kept


def test_no_threshold_means_every_positive():
    assert box_head(None).identity_mask(RESULTS) is None


@pytest.mark.parametrize('thr', [0, -0.1, 1.5])
def test_a_threshold_outside_zero_one_is_named(thr):
    with pytest.raises(ValueError, match=f'oim_iou_thr must be .*{thr}'):
        box_head(thr)


def test_loss_and_target_keeps_detection_and_restricts_the_identity_term():
    generator = torch.Generator().manual_seed(1)
    heads = {thr: box_head(thr) for thr in (None, 0.7)}
    for head in heads.values():  # the same memory in both
        fill_memory(head.loss_reid, np.random.default_rng(2))
    rois = bbox2roi([res.priors for res in RESULTS])
    embeds = torch.nn.functional.normalize(
        torch.randn(6, heads[0.7].loss_reid.feat_dim, generator=generator),
        dim=1)
    bbox_pred = torch.randn(6, 4, generator=generator)
    losses = {
        thr:
        head.loss_and_target(None, bbox_pred, embeds, rois, RESULTS,
                             Config(dict(pos_weight=-1)))['loss_bbox']
        for thr, head in heads.items()
    }
    for key in ('loss_det', 'loss_bbox'):
        assert losses[0.7][key].item() == losses[None][key].item()
    # IoU 0.6 is the one positive of three left out
    assert losses[0.7]['oim_frac'].item() == pytest.approx(2 / 3)
    assert 'oim_frac' not in losses[None]
    kept = torch.tensor([0, 4])  # the positives at IoU 1 and 0.75
    alone = heads[None].loss_reid(embeds[kept], torch.tensor([3, 1]))
    assert losses[0.7]['loss_oim'].item() == pytest.approx(
        alone['loss_oim'].item(), rel=1e-6)
    assert losses[0.7]['loss_oim'].item() != pytest.approx(
        losses[None]['loss_oim'].item(), rel=1e-3)
