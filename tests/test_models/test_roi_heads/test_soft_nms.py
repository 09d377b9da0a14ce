"""Soft-NMS (Bodla et al. 2017) in the iHOIM box head: each kept box keeps
its own RoI's embedding, and the decayed scores equal a NumPy soft-NMS
written here from the paper's rule."""
import numpy as np
import pytest
import torch
from conftest import ROOT, fill_memory, random_fpn_features
from mmdet.registry import MODELS
from mmdet.utils import register_all_modules
from mmengine.config import Config, ConfigDict
from mmengine.structures import InstanceData

from hmot_mm.utils import box_iou

CFG = f'{ROOT}/configs/_base_/models/ihoim_faster-rcnn_mobilenetv2_fpn_cpu.py'
IMG = (128, 160)  # height, width


def numpy_soft_nms(boxes, scores, method, iou_thr, sigma, min_score):
    """Greedy soft-NMS: take the highest score, decay every other box by
    1 - IoU above ``iou_thr`` (linear) or exp(-IoU^2 / sigma) (gaussian),
    drop those below ``min_score``; returns (indices, scores) in order."""
    scores = scores.astype(np.float64).copy()
    left, kept, kept_scores = list(range(len(scores))), [], []
    while left:
        best = max(left, key=lambda i: scores[i])
        kept.append(best)
        kept_scores.append(scores[best])
        left.remove(best)
        ious = box_iou(boxes[left], boxes[best:best + 1])[:, 0]
        for i, iou in zip(left, ious):
            if method == 'linear':
                scores[i] *= 1 - iou if iou > iou_thr else 1
            else:
                scores[i] *= np.exp(-iou * iou / sigma)
        left = [i for i in left if scores[i] >= min_score]
    return np.array(kept), np.array(kept_scores)


@pytest.mark.parametrize('method', ['linear', 'gaussian'])
def test_soft_nms_keeps_each_box_with_its_embedding(method):
    register_all_modules()  # hmot_mm registered itself on import above
    torch.manual_seed(0)
    det = Config.fromfile(CFG).model.detector
    det.roi_head.bbox_head.loss_reid.update(num_ids=5, bg_queue_size=5)
    head = MODELS.build(dict(det.roi_head, test_cfg=det.test_cfg.rcnn))
    head.eval()
    fill_memory(head.bbox_head.loss_reid, np.random.default_rng(0))
    feats = random_fpn_features(96, IMG)
    # overlapping proposals, so that soft-NMS has scores to decay
    xy = torch.rand(40, 2) * torch.tensor([100., 60.])
    proposals = torch.cat([xy, xy + 20 + torch.rand(40, 2) * 40], 1)
    meta = dict(img_shape=IMG, ori_shape=IMG, scale_factor=(1., 1.))
    nms = dict(
        type='soft_nms',
        method=method,
        iou_threshold=0.3,
        sigma=0.5,
        min_score=0.05)
    cfg = ConfigDict(score_thr=0.0, nms=nms, max_per_img=100)
    with torch.no_grad():
        (raw, ) = head.predict_bbox(feats, [meta],
                                    [InstanceData(bboxes=proposals)], None,
                                    False)
        (soft, ) = head.predict_bbox(feats, [meta],
                                     [InstanceData(bboxes=proposals)], cfg,
                                     False)
    person = raw.scores[:, 0]  # without NMS: [person, background]
    kept, scores = numpy_soft_nms(raw.bboxes.numpy(), person.numpy(), method,
                                  0.3, 0.5, 0.05)
    assert 0 < len(kept) <= len(raw)
    assert len(soft) == len(kept)
    torch.testing.assert_close(soft.bboxes, raw.bboxes[kept])
    torch.testing.assert_close(soft.embeds, raw.embeds[kept])
    np.testing.assert_allclose(soft.scores.numpy(), scores, rtol=1e-5)
    assert (soft.scores < person[kept] - 1e-3).any()  # some decayed
