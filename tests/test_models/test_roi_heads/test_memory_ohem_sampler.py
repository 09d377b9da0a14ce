"""MemoryOHEMSampler keeps the RoIs whose detection loss is highest,
checked against the loss computed here in NumPy (iHOIM: from the
embeddings and the memory; OIM: from the classification branch), and
leaves the head as it found it."""
import numpy as np
import pytest
import torch
from conftest import ROOT, fill_memory, random_fpn_features
from mmdet.models.task_modules import AssignResult
from mmdet.registry import MODELS, TASK_UTILS
from mmdet.utils import register_all_modules
from mmengine.config import Config
from mmengine.structures import InstanceData

CFG = f'{ROOT}/configs/_base_/models/ihoim_faster-rcnn_mobilenetv2_fpn_cpu.py'
IMG = (128, 160)  # height, width


def roi_head(box_head):
    register_all_modules()
    import hmot_mm  # noqa: F401  registers the sampler and the heads
    det = Config.fromfile(CFG).model.detector
    rcnn = det.train_cfg.rcnn
    rcnn.sampler = dict(rcnn.sampler, type='MemoryOHEMSampler', num=16)
    det.roi_head.bbox_head.loss_reid.update(num_ids=5, bg_queue_size=5)
    if box_head == 'OIMBBoxHead':
        det.roi_head.bbox_head.type = box_head
        det.roi_head.bbox_head.loss_reid = dict(type='OIMLoss', num_ids=5)
    head = MODELS.build(
        dict(det.roi_head, train_cfg=rcnn, test_cfg=det.test_cfg.rcnn))
    head.train()
    return head


def numpy_background_loss(out, loss_reid):
    """-log p(background) in float64. iHOIM: from the softmax over
    [LUT; queue], written out without the loss's logsumexp; OIM: from the
    two classification logits [person, background]."""
    if out['cls_score'] is not None:
        s = out['cls_score'].double().numpy()
        person_logit, bg_logit = s[:, 0], s[:, 1]
        return np.log1p(np.exp(person_logit - bg_logit))
    lut = loss_reid.lookup_table.double().numpy()
    memory = np.concatenate([lut, loss_reid.bg_queue.double().numpy()])
    s = out['embeds'].double().numpy() @ memory.T / loss_reid.temperature
    e = np.exp(s - s.max(1, keepdims=True))
    return -np.log(e[:, len(lut):].sum(1) / e.sum(1))


@pytest.mark.parametrize('box_head', ['iHOIMBBoxHead', 'OIMBBoxHead'])
@pytest.mark.parametrize('seed', [0, 1])
def test_keeps_the_backgrounds_most_like_a_person(box_head, seed):
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    head = roi_head(box_head)
    loss_reid = head.bbox_head.loss_reid
    fill_memory(loss_reid, rng)
    # a few training steps' worth of BN statistics, so eval mode differs
    # from the batch statistics of the candidates
    head.bbox_head.embed_bn.running_mean.normal_()
    feats = random_fpn_features(96, IMG)
    xy = rng.uniform([0, 0], [120, 70], (60, 2))
    priors = torch.tensor(
        np.concatenate([xy, xy + rng.uniform(10, 50, (60, 2))], 1),
        dtype=torch.float32)
    # every prior background: the 15 kept of 60 are pure hard mining
    assign = AssignResult(
        num_gts=0,
        gt_inds=torch.zeros(60, dtype=torch.long),
        max_overlaps=torch.zeros(60),
        labels=torch.full((60, ), -1))
    gt = InstanceData(
        bboxes=torch.zeros((0, 4)), labels=torch.zeros(0, dtype=torch.long))
    bn_before = head.bbox_head.embed_bn.running_mean.clone()
    result = head.bbox_sampler.sample(
        assign, InstanceData(priors=priors), gt, feats=feats)

    assert head.training and head.bbox_head.embed_bn.training
    assert torch.equal(head.bbox_head.embed_bn.running_mean, bn_before)
    head.eval()
    with torch.no_grad():
        rois = torch.cat([priors.new_zeros(60, 1), priors], 1)
        loss = numpy_background_loss(
            head._bbox_forward(feats, rois), loss_reid)
    expected = np.argsort(-loss)[:16]
    assert len(result.neg_inds) == 16
    assert set(result.neg_inds.tolist()) == set(expected.tolist())
    # hard, not random: the kept are the top quarter of the losses
    assert loss[result.neg_inds.numpy()].min() >= np.quantile(loss, 0.7)


def test_a_head_with_a_classification_branch_is_refused():
    register_all_modules()
    import hmot_mm  # noqa: F401
    mmdet_head = Config.fromfile(CFG).model.detector.roi_head
    mmdet_head.type = 'StandardRoIHead'
    mmdet_head.bbox_head = dict(
        type='Shared2FCBBoxHead', in_channels=96, num_classes=1)
    head = MODELS.build(mmdet_head)
    with pytest.raises(TypeError, match='OHEMSampler for a head'):
        TASK_UTILS.build(
            dict(type='MemoryOHEMSampler', num=16, pos_fraction=0.25),
            default_args=dict(context=head))
