"""Every dataset base config loads, trains MOTFrameDataset with identities
read by LoadFrame, and states the N its data has."""
import glob
import os.path as osp

import pytest
from conftest import ROOT
from mmengine.config import Config

EXPECTED_N = {
    'mot16.py': 517,
    'mot17.py': 517,
    'mot20.py': 2332,
    'pets09_halfval.py': 10,
    'synth_crowd.py': 375,
}
CONFIGS = sorted(glob.glob(osp.join(ROOT, 'configs/_base_/datasets/*.py')))


def test_every_dataset_config_is_checked():
    names = {osp.basename(c) for c in CONFIGS} - {'mot_frames.py'}
    assert names == set(EXPECTED_N)


@pytest.mark.parametrize('name', sorted(EXPECTED_N))
def test_dataset_config(name):
    cfg = Config.fromfile(osp.join(ROOT, 'configs/_base_/datasets', name))
    train = cfg.train_dataloader.dataset
    assert train.type == 'MOTFrameDataset'
    assert train.num_ids == cfg.num_ids == EXPECTED_N[name]
    steps = [t.type for t in train.pipeline]
    assert steps[:2] == ['LoadFrame', 'LoadTrackAnnotations']
    assert steps[-1] == 'PackReIDDetInputs'
    assert cfg.test_dataloader.dataset.test_mode


# every config whose model reads N and B from a dataset base: base -> leaves
USERS = {
    'mot16.py': [
        'hmot/ihoim_faster-rcnn_r50_fpn_22e_mot16.py',
        'hmot/ihoim_faster-rcnn_r50-c4_22e_mot16.py',
        'hmot/ihoim_faster-rcnn_mobilenetv2_fpn_22e_mot16.py',
        'hmot/oim_faster-rcnn_r50_fpn_22e_mot16.py'
    ],
    'mot20.py': [
        'hmot/ihoim_faster-rcnn_r50_fpn_22e_mot20.py',
        'hmot/ihoim_faster-rcnn_r50_fpn_22e_mot20_no-mm.py',
        'hmot/ihoim_faster-rcnn_r50-c4_22e_mot20.py',
        'hmot/oim_faster-rcnn_r50_fpn_22e_mot20.py'
    ],
    'pets09_halfval.py': [
        'hmot/ihoim_faster-rcnn_mobilenetv2_fpn_pets09-halfval_cpu.py',
        'hmot/ihoim_faster-rcnn_mobilenetv2_fpn_pets09-halfval_cpu_paper'
        '-recipe.py',
        'hmot/oim_faster-rcnn_mobilenetv2_fpn_pets09-halfval_cpu.py'
    ],
}


@pytest.mark.parametrize('base', sorted(USERS))
def test_n_and_b_are_stated_once_in_the_dataset_base(base, tmp_path):
    """Changing only the dataset base's num_ids and bg_queue_size resizes
    the lookup table and queue of every model config that uses it."""
    import shutil

    from mmdet.registry import MODELS

    import hmot_mm  # noqa: F401  (registers the losses)
    configs = tmp_path / 'configs'
    shutil.copytree(osp.join(ROOT, 'configs'), configs)
    path = configs / '_base_' / 'datasets' / base
    text = path.read_text()
    assert text.count('\nnum_ids = ') == text.count('\nbg_queue_size = ') == 1
    lines = [
        'num_ids = 37' if line.startswith('num_ids = ') else
        'bg_queue_size = 23' if line.startswith('bg_queue_size = ') else line
        for line in text.splitlines()
    ]
    path.write_text('\n'.join(lines) + '\n')
    for leaf in USERS[base]:
        cfg = Config.fromfile(str(configs / leaf))
        loss = MODELS.build(
            dict(cfg.model.detector.roi_head.bbox_head.loss_reid, feat_dim=8))
        assert loss.lookup_table.shape == (37, 8), leaf
        if hasattr(loss, 'bg_queue'):  # OIM has no queue
            assert loss.bg_queue.shape == (23, 8), leaf
        assert cfg.train_dataloader.dataset.num_ids == 37
