"""The model bases' R-CNN training assignment on a hand-built image: HOIM's
sampling (128 RoIs, half positives, IoU 0.1-0.5 ignored) and ignore
regions, whose RoIs never become background queue candidates."""
import numpy as np
import pytest
import torch
from conftest import ROOT
from mmdet.registry import TASK_UTILS
from mmdet.utils import register_all_modules
from mmengine.config import Config
from mmengine.structures import InstanceData

from hmot_mm.utils import box_iou

PERSON = np.array([200., 100., 250., 250.])  # 50 x 150
STATIC_PERSON = np.array([500., 300., 540., 420.])  # an ignore region


@pytest.fixture(scope='module')
def rcnn_train_cfg():
    register_all_modules()
    cfg = Config.fromfile(
        f'{ROOT}/configs/hmot/ihoim_faster-rcnn_r50_fpn_22e_mot16.py')
    return cfg.model.detector.train_cfg.rcnn


def shifted(box, dx):
    return box + np.array([dx, 0, dx, 0])


def proposals(rng):
    """Boxes at every IoU with the person (horizontal shifts), boxes far
    from it, and boxes lying on the ignore region."""
    near = [shifted(PERSON, dx) for dx in rng.uniform(-60, 60, 400)]
    far = [
        np.array([x, y, x + 40, y + 100])
        for x, y in rng.uniform([0, 0], [150, 400], (200, 2))
    ]
    on_ignored = [shifted(STATIC_PERSON, dx) for dx in rng.uniform(-8, 8, 100)]
    return np.array(near + far + on_ignored, dtype=np.float32)


def sample(cfg, seed):
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    priors = proposals(rng)
    gt = InstanceData(
        bboxes=torch.tensor(PERSON[None], dtype=torch.float32),
        labels=torch.tensor([0]))
    ignored = InstanceData(
        bboxes=torch.tensor(STATIC_PERSON[None], dtype=torch.float32),
        labels=torch.tensor([0]))
    pred = InstanceData(priors=torch.from_numpy(priors))
    assign = TASK_UTILS.build(cfg.assigner).assign(pred, gt, ignored)
    result = TASK_UTILS.build(cfg.sampler).sample(assign, pred, gt)
    return result


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_half_positives_and_the_iou_band_ignored(rcnn_train_cfg, seed):
    result = sample(rcnn_train_cfg, seed)
    pos = result.pos_priors.numpy()
    neg = result.neg_priors.numpy()
    assert len(pos) == len(neg) == 64  # 128 RoIs, 50 % positives
    pos_iou = box_iou(pos, PERSON[None])[:, 0]
    neg_iou = box_iou(neg, PERSON[None])[:, 0]
    assert pos_iou.min() >= 0.5
    assert neg_iou.max() < 0.1  # nothing from the part-of-person band


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_rois_on_an_ignore_region_are_never_sampled(rcnn_train_cfg, seed):
    """Every sampled negative is a background queue candidate (the box
    head labels it −1): none may lie on the ignored static person."""
    result = sample(rcnn_train_cfg, seed)
    sampled = torch.cat([result.pos_priors, result.neg_priors]).numpy()
    x1 = np.maximum(sampled[:, 0], STATIC_PERSON[0])
    x2 = np.minimum(sampled[:, 2], STATIC_PERSON[2])
    y1 = np.maximum(sampled[:, 1], STATIC_PERSON[1])
    y2 = np.minimum(sampled[:, 3], STATIC_PERSON[3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area = (sampled[:, 2] - sampled[:, 0]) * (sampled[:, 3] - sampled[:, 1])
    assert (inter / area).max() <= 0.5
    # the same proposals without the ignore region do reach the sampler
    cfg = rcnn_train_cfg.copy()
    cfg.assigner = dict(cfg.assigner, ignore_iof_thr=-1)
    unignored = sample(cfg, seed).neg_priors.numpy()
    on_static = box_iou(unignored, STATIC_PERSON[None])[:, 0] > 0.5
    assert on_static.any()
