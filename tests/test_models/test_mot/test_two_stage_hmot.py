"""The two-stage baseline's pieces: CropReID's crops and losses against
hand-computed values and a loop implementation, and TwoStageHMOT's
embeddings being the ReID network's on the detections' crops."""
import numpy as np
import torch
import torch.nn.functional as F
from conftest import NUM_IDS
from mmdet.registry import MODELS

from hmot_mm.models import CropReID


def test_crop_cuts_the_box_and_clamps_to_the_image():
    reid = CropReID(num_ids=2, crop_size=(8, 4))
    # pixel value = its column: a crop's values are the box's columns
    img = torch.arange(50.).repeat(3, 40, 1)  # (3, 40, 50)
    crops = reid.crop(
        img, torch.tensor([[10., 5., 14., 25.], [45., -5., 60., 10.]]))
    assert crops.shape == (2, 3, 8, 4)
    # bilinear resize of columns 10..13 to 4 columns keeps them exactly
    np.testing.assert_allclose(crops[0, 0, 0], [10, 11, 12, 13])
    # clamped to columns 45..49, resized 5 -> 4 (half-pixel centres)
    expected = np.interp((np.arange(4) + 0.5) * 5 / 4 - 0.5, np.arange(5),
                         np.arange(45, 50.))
    np.testing.assert_allclose(crops[1, 0, 0], expected, atol=1e-5)
    assert reid.crop(img, torch.zeros((0, 4))).shape == (0, 3, 8, 4)


def test_batched_crop_matches_interpolate_on_each_cut():
    """The batched crop against the per-box reference it replaces: cut the
    rounded, clamped box, ``F.interpolate`` it (bilinear, half-pixel).
    Tolerance: ``grid_sample``'s normalised coordinates round to ~1e-5 px
    on an 80-pixel image; a wrong clamp or offset would differ by ~1."""
    torch.manual_seed(0)
    reid = CropReID(num_ids=2, crop_size=(24, 12))
    img = torch.randn(3, 60, 80)
    corner = torch.rand(40, 2) * torch.tensor([100., 80.]) - 10
    size = torch.rand(40, 2) * torch.tensor([50., 70.]) + 0.2
    boxes = torch.cat([corner, corner + size], 1)  # tiny to 4x the crop
    boxes[0] = torch.tensor([70., 50., 95., 75.])  # past the corner
    expected = []
    for x1, y1, x2, y2 in boxes.round().long().tolist():
        x1, y1 = min(max(x1, 0), 79), min(max(y1, 0), 59)
        x2, y2 = max(min(x2, 80), x1 + 1), max(min(y2, 60), y1 + 1)
        expected.append(
            torch.nn.functional.interpolate(
                img[None, :, y1:y2, x1:x2],
                size=(24, 12),
                mode='bilinear',
                align_corners=False))
    torch.testing.assert_close(
        reid.crop(img, boxes), torch.cat(expected), atol=1e-4, rtol=0)


def test_losses_match_a_loop_implementation():
    torch.manual_seed(0)
    reid = CropReID(num_ids=3, margin=0.3).eval()  # BN in eval: same feats
    crops = torch.randn(6, 3, 64, 32)
    labels = torch.tensor([0, 0, 1, 1, 2, 2])
    losses = reid.loss(crops, labels)
    feats = reid.features(crops)
    emb = F.normalize(feats, dim=1)
    triplet = []
    for a in range(6):
        pos = max((emb[a] - emb[p]).norm() for p in range(6)
                  if labels[p] == labels[a])
        neg = min((emb[a] - emb[n]).norm() for n in range(6)
                  if labels[n] != labels[a])
        triplet.append(max(0.3 + pos - neg, 0))
    torch.testing.assert_close(losses['loss_triplet'],
                               torch.stack(triplet).mean().float())
    logits = reid.classifier(feats)
    ce = -torch.stack([logits[i].log_softmax(0)[labels[i]]
                       for i in range(6)]).mean()
    torch.testing.assert_close(losses['loss_cls'], ce)
    torch.testing.assert_close(reid(crops).norm(dim=1), torch.ones(6))


def test_two_stage_embeds_are_the_reid_networks_on_the_crops(ihoim_runner):
    """TwoStageHMOT keeps HMOT's detections and replaces their embeddings
    by CropReID's on each box cut out of the network input."""
    hmot = ihoim_runner.model.eval()
    cfg = ihoim_runner.cfg.model.copy()
    cfg.update(
        type='TwoStageHMOT',
        reid=dict(type='CropReID', num_ids=NUM_IDS, crop_size=(32, 16)))
    two_stage = MODELS.build(cfg).eval()
    two_stage.detector.load_state_dict(hmot.detector.state_dict())
    data = hmot.data_preprocessor(
        next(iter(ihoim_runner.train_dataloader)), training=True)
    img, frame = data['inputs'][:1], data['data_samples'][0]
    with torch.no_grad():
        ours, theirs = hmot.detect(img, frame), two_stage.detect(img, frame)
        torch.testing.assert_close(ours.bboxes, theirs.bboxes)
        torch.testing.assert_close(ours.scores, theirs.scores)
        w, h = frame.metainfo['scale_factor']
        x1, y1, x2, y2 = (ours.bboxes[0] *
                          torch.tensor([w, h, w, h])).round().long().tolist()
        crop = torch.nn.functional.interpolate(
            img[:, :, max(y1, 0):y2, max(x1, 0):x2],
            size=(32, 16),
            mode='bilinear')
        torch.testing.assert_close(theirs.embeds[0], two_stage.reid(crop)[0])
    assert theirs.embeds.shape == (len(ours), 128)
