"""End to end: a briefly trained tiny HMOT tracks a generated sequence
through tools/test.py; the RoI head receives the motion proposals."""
import subprocess
import sys

import numpy as np
import pytest
import torch
from conftest import (ROOT, draw_frames, tiny_config, tracking_test_settings,
                      write_mot_sequence)

from hmot_mm.datasets.motchallenge_coco import convert

CONFIG = 'configs/hmot/ihoim_faster-rcnn_r50_fpn_22e_mot16.py'


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """A tiny HMOT trained 60 iterations, and a converted test sequence."""
    root = tmp_path_factory.mktemp('e2e')
    frames = str(root / 'frames')
    draw_frames(frames, num_frames=12)
    cfg = tiny_config(CONFIG, frames, str(root / 'work'), max_iters=60)
    cfg.default_hooks.checkpoint.interval = 60
    seqs = root / 'seqs'
    write_mot_sequence(str(seqs), 'TEST-01', num_frames=12, seed=5)
    convert(str(seqs), str(root / 'ann'))
    ann = str(root / 'ann' / 'train_cocoformat.json')
    tracking_test_settings(cfg, str(seqs), ann)
    config = str(root / 'tiny_hmot.py')
    cfg.dump(config)
    result = subprocess.run([sys.executable, 'tools/train.py', config],
                            cwd=ROOT,
                            capture_output=True,
                            text=True,
                            timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    return root, config


def test_test_tool_writes_tracks_and_metrics(trained):
    root, config = trained
    result = subprocess.run([
        sys.executable, 'tools/test.py', config, '--checkpoint',
        str(root / 'work' / 'iter_60.pth'), '--work-dir',
        str(root / 'test')
    ],
                            cwd=ROOT,
                            capture_output=True,
                            text=True,
                            timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    log = result.stdout + result.stderr
    tracks = list((root / 'test').glob('*/track_results/TEST-01.txt'))
    assert len(tracks) == 1
    rows = np.loadtxt(tracks[0], delimiter=',', ndmin=2)
    assert rows.shape[1] == 10 and len(rows) > 0
    assert set(rows[:, 0].astype(int)) <= set(range(1, 13))
    assert 'COMBINED' in log and 'motmetrics/MOTA' in log
    assert 'motmetrics/HOTA' in log


@pytest.mark.parametrize('motion_proposals', [True, False])
def test_roi_head_receives_motion_proposals(trained, motion_proposals):
    from mmengine.config import Config
    from mmengine.runner import Runner
    root, config = trained
    cfg = Config.fromfile(config)
    cfg.work_dir = str(root / f'probe{motion_proposals}')
    cfg.load_from = str(root / 'work' / 'iter_60.pth')
    cfg.model.motion_proposals = motion_proposals
    runner = Runner.from_cfg(cfg)
    runner.load_or_resume()
    model = runner.model.eval()
    seen = []
    predict_bbox = model.detector.roi_head.predict_bbox

    def recording(x, metas, proposals, *args, **kwargs):
        seen.append((len(proposals[0]), len(model.tracker.tracks)))
        return predict_bbox(x, metas, proposals, *args, **kwargs)

    model.detector.roi_head.predict_bbox = recording
    rpn_counts = []
    rpn_predict = model.detector.rpn_head.predict

    def rpn_recording(*args, **kwargs):
        out = rpn_predict(*args, **kwargs)
        rpn_counts.append(len(out[0]))
        return out

    model.detector.rpn_head.predict = rpn_recording
    with torch.no_grad():
        for batch in runner.test_dataloader:
            model.test_step(batch)
    assert len(seen) == 12
    received = [n for n, _ in seen]
    live = [k for _, k in seen]
    expected = [
        r + (k if motion_proposals else 0) for r, k in zip(rpn_counts, live)
    ]
    assert received == expected
    assert sum(live) > 0, 'no live track ever gave a proposal'
