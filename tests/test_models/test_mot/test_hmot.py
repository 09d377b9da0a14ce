"""HMOT's detector with the iHOIM/OIM heads inside a real Faster R-CNN:
training, inference with aligned embeddings, the OIM baseline and the C4
variant."""
import os.path as osp

import pytest
import torch
from conftest import NUM_IDS, ROOT, train_tiny
from mmdet.registry import MODELS
from mmdet.structures import DetDataSample
from mmengine.config import Config
from mmengine.structures import InstanceData


def mean(values):
    return sum(values) / len(values)


def test_ihoim_training_loss_falls(ihoim_runner):
    hub = ihoim_runner.message_hub
    total = hub.get_scalar('train/loss').data[0].tolist()
    det = hub.get_scalar('train/loss_det').data[0].tolist()
    assert len(total) == 60
    assert mean(total[-10:]) < 0.6 * mean(total[:10])
    assert mean(det[-10:]) < 0.6 * mean(det[:10])
    loss = ihoim_runner.model.detector.roi_head.bbox_head.loss_reid
    # every identity of the generated frames was written to the table
    torch.testing.assert_close(
        loss.lookup_table.norm(dim=1), torch.ones(NUM_IDS))


def predict_first_frame(runner):
    """The detector's predictions on a training batch, preprocessed by the
    HMOT model as in training."""
    model = runner.model.eval()
    data = model.data_preprocessor(
        next(iter(runner.train_dataloader)), training=True)
    with torch.no_grad():
        return model.detector.predict(data['inputs'], data['data_samples'])


def test_inference_embeddings_align_with_boxes(ihoim_runner):
    results = predict_first_frame(ihoim_runner)
    head = ihoim_runner.model.detector.roi_head.bbox_head
    for result in results:
        pred = result.pred_instances
        n = len(pred)
        assert n > 0
        assert pred.bboxes.shape == (n, 4)
        assert pred.embeds.shape == (n, 16)
        torch.testing.assert_close(pred.embeds.norm(dim=1), torch.ones(n))
        # the score of each box is p(person) of the embedding beside it
        log_person, _ = head.loss_reid.person_log_probs(pred.embeds)
        torch.testing.assert_close(pred.scores, log_person.exp())


def test_each_detection_names_the_proposal_it_was_regressed_from(ihoim_runner):
    """``proposal_index`` against the head's raw per-RoI output (no NMS):
    a detection's embedding is its proposal's."""
    model = ihoim_runner.model.detector.eval()
    data = ihoim_runner.model.data_preprocessor(
        next(iter(ihoim_runner.train_dataloader)), training=True)
    with torch.no_grad():
        x = model.extract_feat(data['inputs'][:1])
        sample = data['data_samples'][0]
        proposals = model.rpn_head.predict(x, [sample], rescale=False)
        head = model.roi_head
        (dets, ) = head.predict_bbox(
            x, [sample.metainfo], proposals, head.test_cfg, rescale=False)
        (raw, ) = head.predict_bbox(
            x, [sample.metainfo], proposals, None, rescale=False)
    assert 0 < len(dets) < len(raw) == len(proposals[0])
    torch.testing.assert_close(dets.embeds, raw.embeds[dets.proposal_index])
    torch.testing.assert_close(dets.bboxes, raw.bboxes[dets.proposal_index])
    torch.testing.assert_close(raw.proposal_index, torch.arange(len(raw)))


def test_no_proposals_give_empty_aligned_results(ihoim_runner):
    model = ihoim_runner.model.detector.eval()
    x = model.extract_feat(torch.zeros(1, 3, 64, 64))
    proposals = InstanceData(bboxes=torch.zeros(0, 4), scores=torch.zeros(0))
    meta = dict(img_shape=(64, 64), ori_shape=(64, 64), scale_factor=(1, 1))
    (res, ) = model.roi_head.predict_bbox(
        x, [meta], [proposals], model.roi_head.test_cfg, rescale=True)
    assert res.bboxes.shape == (0, 4) and res.embeds.shape == (0, 16)
    assert res.proposal_index.shape == (0, )


def test_oim_baseline_trains_and_scores_with_cls_branch(tiny_frames, tmp_path):
    torch.manual_seed(0)
    runner = train_tiny('configs/hmot/oim_faster-rcnn_r50_fpn_22e_mot16.py',
                        tiny_frames[0], tmp_path, 20)
    hub = runner.message_hub
    assert {'train/loss_cls', 'train/loss_oim'} <= set(hub.log_scalars)
    assert 'train/loss_det' not in hub.log_scalars
    total = hub.get_scalar('train/loss').data[0].tolist()
    assert mean(total[-5:]) < mean(total[:5])
    for result in predict_first_frame(runner):
        pred = result.pred_instances
        assert pred.embeds.shape == (len(pred), 16)


def test_c4_config_trains_and_predicts():
    cfg = Config.fromfile(
        osp.join(ROOT, 'configs/hmot/ihoim_faster-rcnn_r50-c4_22e_mot16.py'))
    detector = cfg.model.detector
    detector.backbone.init_cfg = None
    detector.roi_head.shared_head.init_cfg = None
    detector.train_cfg.rcnn.sampler.num = 8
    detector.train_cfg.rpn_proposal.max_per_img = 16
    detector.test_cfg.rpn.max_per_img = 16
    detector.roi_head.bbox_head.loss_reid.update(
        num_ids=NUM_IDS, bg_queue_size=8)
    model = MODELS.build(detector)
    model.init_weights()
    sample = DetDataSample(
        metainfo=dict(
            img_shape=(96, 96),
            ori_shape=(96, 96),
            scale_factor=(1., 1.),
            pad_shape=(96, 96),
            batch_input_shape=(96, 96)))
    sample.gt_instances = InstanceData(
        bboxes=torch.tensor([[10., 10., 40., 80.], [50., 5., 80., 90.]]),
        labels=torch.tensor([0, 0]),
        instances_ids=torch.tensor([0, 2]))
    inputs = torch.rand(1, 3, 96, 96) * 255
    data = model.data_preprocessor(
        dict(inputs=list(inputs), data_samples=[sample]), training=True)
    losses = model(**data, mode='loss')
    assert {'loss_det', 'loss_oim', 'loss_bbox'} <= set(losses)
    parsed, _ = model.parse_losses(losses)
    assert torch.isfinite(parsed)
    model.eval()
    with torch.no_grad():
        (result, ) = model(
            **model.data_preprocessor(
                dict(inputs=list(inputs), data_samples=[sample])),
            mode='predict')
    pred = result.pred_instances
    assert pred.embeds.shape == (len(pred), 256)


@pytest.mark.parametrize('path', [
    'configs/hmot/ihoim_faster-rcnn_mobilenetv2_fpn_22e_mot16.py',
    'configs/demo/hmot_mobilenetv2_synth_cpu.py'
])
def test_frozen_stages_are_frozen_when_built(path):
    """DDP records the parameters that require gradients when mmengine
    wraps the model, before train() runs: a built model must already hold
    the set that train() leaves trainable, or distributed training stops
    waiting for gradients of the frozen stages."""
    cfg = Config.fromfile(osp.join(ROOT, path))
    model = MODELS.build(cfg.model)

    def trainable():
        return {n for n, p in model.named_parameters() if p.requires_grad}

    built = trainable()
    model.train()
    assert built == trainable()
    # the stem and the last frozen stage are frozen, the R-CNN head trains
    frozen_stage = cfg.model.detector.backbone.frozen_stages
    frozen = {n for n, _ in model.named_parameters()} - built
    assert any(n.startswith('detector.backbone.conv1.') for n in frozen)
    assert any(
        n.startswith(f'detector.backbone.layer{frozen_stage}.')
        for n in frozen)
    assert any(n.startswith('detector.roi_head.') for n in built)
