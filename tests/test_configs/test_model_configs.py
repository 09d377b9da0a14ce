"""Every project config builds with the paper's values, and each CPU
config departs from its paper-recipe twin only where docs/ measured it."""
import glob
import os.path as osp

import pytest
from conftest import ROOT
from mmdet.registry import MODELS
from mmengine.config import Config

from hmot_mm import apis

# the paper's configs (22 epochs on MOT16/20); the CPU configs below
HMOT_CONFIGS = sorted(glob.glob(osp.join(ROOT, 'configs/hmot/*_22e_*.py')))
PETS09 = 'configs/hmot/ihoim_faster-rcnn_mobilenetv2_fpn_pets09-halfval_cpu'
OIM_PETS09 = PETS09.replace('hmot/ihoim_', 'hmot/oim_') + '.py'
# its thresholds, chosen for it on the identity-held-out split
OIM_PETS09_TRACKER = dict(score_thr=0.6, low_score_thr=0.4)
# (config with the paper's recipe, the config that departs from it, how
# its tracker departs, the (max_gap, min_streak) of the gaps it fills)
CPU_CONFIGS = [('configs/demo/hmot_mobilenetv2_synth_cpu_paper-recipe.py',
                'configs/demo/hmot_mobilenetv2_synth_cpu.py',
                dict(output_box='detection'), None),
               (PETS09 + '_paper-recipe.py', PETS09 + '.py',
                dict(score_thr=0.95, low_score_thr=0.4), (10, 5))]


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


@pytest.mark.parametrize('paper_file,cpu_file,tracker,gaps', CPU_CONFIGS)
def test_cpu_paper_recipe_configs_keep_the_paper_values(
        paper_file, cpu_file, tracker, gaps):
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
    # the paper's tracker is online; tools/test.py and demo_track fill gaps
    assert apis.tracklet_interpolation(paper) is None
    filler = apis.tracklet_interpolation(cpu)
    assert (filler and (filler.max_gap, filler.min_streak)) == gaps


def test_pets09_oim_row_changes_only_the_loss_and_what_follows_from_it():
    """The OIM−MM row on PETS09 is the PETS config with a classification
    branch and plain OIM in place of iHOIM, motion proposals off, no
    memory-averaging pass and the tracker's thresholds chosen for it."""
    ihoim = Config.fromfile(osp.join(ROOT, PETS09 + '.py')).to_dict()
    oim = Config.fromfile(osp.join(ROOT, OIM_PETS09)).to_dict()
    oim_head = oim['model']['detector']['roi_head'].pop('bbox_head')
    ihoim_head = ihoim['model']['detector']['roi_head'].pop('bbox_head')
    assert MODELS.build(oim_head).with_cls
    assert oim_head.pop('loss_reid') == dict(
        type='OIMLoss',
        num_ids=10,
        temperature=pytest.approx(1 / 30),
        momentum=0.5)
    assert (oim_head.pop('type'), ihoim_head.pop('type')) == ('OIMBBoxHead',
                                                              'iHOIMBBoxHead')
    ihoim_head.pop('loss_reid')
    assert oim_head == ihoim_head
    assert (oim['model'].pop('motion_proposals'),
            ihoim['model'].pop('motion_proposals')) == (False, True)
    assert oim['model'].pop('tracker') == dict(ihoim['model'].pop('tracker'),
                                               **OIM_PETS09_TRACKER)
    assert [h['type'] for h in ihoim.pop('custom_hooks')
            ] == ['MemoryBufferHook', 'PreciseMemoryHook']
    assert [h['type'] for h in oim.pop('custom_hooks')] == ['MemoryBufferHook']
    # the shared OIM head, which the OIM config sizes to its N
    oim.pop('oim_bbox_head')
    ihoim.pop('oim_bbox_head')
    assert oim == ihoim
