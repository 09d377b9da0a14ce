"""The iHOIM/OIM heads inside a real Faster R-CNN: training, inference with
aligned embeddings, the C4 variant, every project config, and the hook."""
import glob
import os.path as osp
from types import SimpleNamespace

import pytest
import torch
from conftest import NUM_IDS, ROOT, tiny_config
from mmdet.registry import MODELS
from mmdet.structures import DetDataSample
from mmengine.config import Config
from mmengine.logging import MessageHub, MMLogger
from mmengine.runner import Runner
from mmengine.structures import InstanceData

from hmot_mm.engine.hooks import MemoryBufferHook

# the paper's configs (22 epochs on MOT16/20); the CPU configs below
HMOT_CONFIGS = sorted(glob.glob(osp.join(ROOT, 'configs/hmot/*_22e_*.py')))
PETS09 = 'configs/hmot/ihoim_faster-rcnn_mobilenetv2_fpn_pets09-halfval_cpu'
# (config with the paper's recipe, the config that departs from it, how
# its tracker departs)
CPU_CONFIGS = [('configs/demo/hmot_mobilenetv2_synth_cpu_paper-recipe.py',
                'configs/demo/hmot_mobilenetv2_synth_cpu.py',
                dict(output_box='detection')),
               (PETS09 + '_paper-recipe.py', PETS09 + '.py', {})]


def train_tiny(config, frames, work_dir, iters):
    cfg = tiny_config(config, frames, str(work_dir), max_iters=iters)
    cfg.default_hooks.checkpoint.interval = iters + 1  # no checkpoint
    runner = Runner.from_cfg(cfg)
    runner.train()
    return runner


def mean(values):
    return sum(values) / len(values)


@pytest.fixture(scope='module')
def ihoim_runner(tiny_frames, tmp_path_factory):
    torch.manual_seed(0)
    return train_tiny('configs/hmot/ihoim_faster-rcnn_r50_fpn_22e_mot16.py',
                      tiny_frames[0], tmp_path_factory.mktemp('ihoim'), 60)


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


def test_no_proposals_give_empty_aligned_results(ihoim_runner):
    model = ihoim_runner.model.detector.eval()
    x = model.extract_feat(torch.zeros(1, 3, 64, 64))
    proposals = InstanceData(bboxes=torch.zeros(0, 4), scores=torch.zeros(0))
    meta = dict(img_shape=(64, 64), ori_shape=(64, 64), scale_factor=(1, 1))
    (res, ) = model.roi_head.predict_bbox(
        x, [meta], [proposals], model.roi_head.test_cfg, rescale=True)
    assert res.bboxes.shape == (0, 4) and res.embeds.shape == (0, 16)


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


@pytest.mark.parametrize('path', HMOT_CONFIGS, ids=osp.basename)
def test_project_configs_build(path):
    cfg = Config.fromfile(path)
    name = osp.basename(path)
    assert cfg.custom_imports.imports == ['hmot_mm']
    assert cfg.model.type == 'HMOT'
    assert cfg.model.motion_proposals == ('no-mm' not in name
                                          and not name.startswith('oim'))
    reid = cfg.model.detector.roi_head.bbox_head.loss_reid
    n, b = (2332, 2000) if 'mot20' in name else (517, 500)
    assert reid.num_ids == cfg.train_dataloader.dataset.num_ids == n
    if name.startswith('oim'):
        assert set(reid) == {'type', 'num_ids', 'temperature', 'momentum'}
    else:
        assert (reid.bg_queue_size, reid.oim_weight) == (b, 2.0)
    assert cfg.train_dataloader.batch_size == 3
    assert cfg.optim_wrapper.optimizer.lr == 0.003
    # HOIM's configuration where the paper is silent
    assert cfg.optim_wrapper.optimizer.weight_decay == 5e-4
    assert cfg.optim_wrapper.clip_grad.max_norm == 10
    detector = cfg.model.detector
    assert detector.roi_head.bbox_head.embed_bn
    assert detector.roi_head.bbox_head.reg_bn
    rcnn = detector.train_cfg.rcnn
    assert (rcnn.sampler.num, rcnn.sampler.pos_fraction) == (128, 0.5)
    assert (rcnn.assigner.pos_iou_thr, rcnn.assigner.neg_iou_thr) == (0.5, 0.1)
    assert rcnn.assigner.ignore_iof_thr == 0.5
    assert detector.train_cfg.rpn.assigner.ignore_iof_thr == 0.5
    # a crowd must fit the test-time caps: MOT20 has up to 246 people
    crowd = cfg.get('max_people_per_frame', 0)
    assert crowd == (246 if 'mot20' in name else 0)
    assert detector.test_cfg.rcnn.max_per_img >= crowd
    assert detector.test_cfg.rpn.max_per_img >= crowd
    assert cfg.train_cfg.max_epochs == 22
    assert cfg.param_scheduler[1].milestones == [16]
    head = MODELS.build(cfg.model.detector.roi_head.bbox_head)
    assert head.with_cls == name.startswith('oim')
    assert type(
        head.loss_reid).__name__ == ('OIMLoss' if name.startswith('oim') else
                                     'iHOIMLoss')
    assert head.loss_reid.temperature == pytest.approx(1 / 30)


@pytest.mark.parametrize('paper_file,cpu_file,tracker', CPU_CONFIGS)
def test_cpu_paper_recipe_configs_keep_the_paper_values(
        paper_file, cpu_file, tracker):
    """Each CPU config pair: the paper-recipe config is the bases' recipe
    on the CPU network (B = N of its data); the config `make demo` /
    `make pets` trains departs from it only where docs/ measured it."""
    paper = Config.fromfile(osp.join(ROOT, paper_file))
    head = paper.model.detector.roi_head.bbox_head
    assert (head.loss_reid.oim_weight, head.embed_bn,
            head.reg_bn) == (2.0, True, True)
    assert head.loss_reid.bg_queue_size == head.loss_reid.num_ids
    dataset = paper.train_dataloader.dataset
    assert head.loss_reid.num_ids == dataset.get('dataset', dataset).num_ids
    optimizer = paper.optim_wrapper.optimizer
    assert (optimizer.type, optimizer.lr, optimizer.weight_decay,
            paper.optim_wrapper.clip_grad.max_norm) == ('SGD', 0.003, 5e-4, 10)
    assert paper.model.detector.train_cfg.rcnn.assigner.neg_iou_thr == 0.1
    cpu = Config.fromfile(osp.join(ROOT, cpu_file))
    cpu_head = cpu.model.detector.roi_head.bbox_head
    assert (cpu_head.loss_reid.oim_weight, cpu_head.reg_bn,
            cpu.optim_wrapper.optimizer.type) == (0.1, False, 'AdamW')
    assert cpu.model.tracker == dict(paper.model.tracker, **tracker)
    assert cpu.test_dataloader == paper.test_dataloader


def fake_runner(model, data_ids=None):
    """A runner whose training data (inside a RepeatDataset-like wrapper)
    holds ``data_ids`` identities."""
    frames = SimpleNamespace(num_ids=data_ids, ann_file='ann.json')
    return SimpleNamespace(
        model=model,
        train_dataloader=SimpleNamespace(
            dataset=SimpleNamespace(dataset=frames)),
        logger=MMLogger.get_instance('hook_test'),
        message_hub=MessageHub.get_instance('hook_test'))


def test_hook_stops_before_training_when_n_is_too_small():
    from hmot_mm.models.losses import iHOIMLoss
    from hmot_mm.utils import ConfigError
    model = torch.nn.Sequential(
        iHOIMLoss(num_ids=2, bg_queue_size=4, feat_dim=2))
    MemoryBufferHook().before_train(fake_runner(model, data_ids=2))
    with pytest.raises(
            ConfigError, match='ann.json holds 3 identities .* num_ids=2'):
        MemoryBufferHook().before_train(fake_runner(model, data_ids=3))


def test_hook_updates_memory_and_warns_once(caplog):
    from hmot_mm.models.losses import iHOIMLoss
    model = torch.nn.Sequential(
        iHOIMLoss(num_ids=2, bg_queue_size=4, feat_dim=2))
    loss = model[0]
    runner = fake_runner(model)
    hook = MemoryBufferHook()
    hook.before_train(runner)
    model.train()
    x = torch.tensor([[1., 0.], [0., 1.]])
    loss(x, torch.tensor([1, -1]))
    hook.after_train_iter(runner, 0)
    assert loss.lookup_table[1].tolist() == [1., 0.]
    assert runner.message_hub.get_scalar('train/bg_queue_fill').current() \
        == 0.25
    hook.after_train_iter(runner, 1)  # nothing new seen: no second update
    assert (loss.bg_queue.norm(dim=1) > 0).sum() == 1

    def batch(ids):
        sample = DetDataSample()
        sample.gt_instances = InstanceData(instances_ids=torch.tensor(ids))
        return dict(data_samples=[sample])

    warnings = []
    runner.logger.warning = warnings.append
    hook.before_train_iter(runner, 2, batch([0, 1]))
    hook.before_train_iter(runner, 3, batch([0, 5]))
    hook.before_train_iter(runner, 4, batch([7]))
    assert len(warnings) == 1
    assert 'identity 5' in warnings[0] and 'num_ids=2' in warnings[0]


def test_hook_without_memory_loss_fails_clearly():
    with pytest.raises(RuntimeError, match='no iHOIMLoss/OIMLoss'):
        MemoryBufferHook().before_train(fake_runner(torch.nn.Linear(2, 2)))


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
