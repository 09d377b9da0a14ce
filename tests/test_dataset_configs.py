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
