"""profile_train_step.py: medians and shares by hand, part timers against
known sleeps, and the tool on a tiny project config."""
import re
import time
from types import SimpleNamespace

import pytest
from conftest import load_tool, run_tool, tiny_config

TOOL = 'tools/analysis/profile_train_step.py'


@pytest.fixture(scope='module')
def tool():
    return load_tool(TOOL)


def test_breakdown_medians_and_shares(tool):
    rows = tool.breakdown(
        {
            'backbone': [0.1, 0.3, 0.2],
            'roi': [0.05, 0.06, 0.04]
        }, [0.4, 0.6, 0.5])
    # median step 0.5 s; backbone's median 0.2 s, roi's 0.05 s, the rest
    # 0.5 - 0.25 s
    expected = [('backbone', 200, 0.4), ('roi', 50, 0.1), ('other', 250, 0.5),
                ('step total', 500, 1.0)]
    assert [r[0] for r in rows] == [e[0] for e in expected]
    for (_, ms, share), (_, want_ms, want_share) in zip(rows, expected):
        assert ms == pytest.approx(want_ms)
        assert share == pytest.approx(want_share)


def sleeper(seconds):
    return lambda *args, **kwargs: time.sleep(seconds)


def test_part_timers_add_their_calls_and_skip_missing_parts(tool):
    # a detector without a neck whose RPN runs twice a step
    detector = SimpleNamespace(
        backbone=SimpleNamespace(forward=sleeper(0.03)),
        rpn_head=SimpleNamespace(loss_and_predict=sleeper(0.01)),
        roi_head=SimpleNamespace(loss=sleeper(0.02)))
    optim_wrapper = SimpleNamespace(backward=sleeper(0.005), step=sleeper(0))
    totals = tool.timed_parts(
        SimpleNamespace(detector=detector), optim_wrapper)
    assert 'neck' not in totals
    detector.backbone.forward()
    detector.rpn_head.loss_and_predict()
    detector.rpn_head.loss_and_predict()
    detector.roi_head.loss()
    optim_wrapper.backward()
    for part, slept in (('backbone', 0.03), ('rpn', 0.02), ('roi', 0.02),
                        ('backward', 0.005), ('step', 0)):
        assert slept <= totals[part] < slept + 0.01, part


def test_tool_on_a_tiny_config(tiny_frames, tmp_path):
    config = str(tmp_path / 'tiny.py')
    tiny_config('configs/hmot/ihoim_faster-rcnn_r50_fpn_22e_mot16.py',
                tiny_frames[0], str(tmp_path / 'work')).dump(config)
    out = run_tool(TOOL, config, '--iters', 2, '--warmup', 1, '--ops', 3,
                   '--threads', 1)
    assert out.returncode == 0, out.stderr[-3000:]
    rows = dict(
        re.findall(r'^(\w[\w ]*?) +([-\d.]+) +[-\d.]+%$', out.stdout, re.M))
    assert set(rows) == {
        'backbone', 'neck', 'rpn', 'roi', 'backward', 'step', 'other',
        'step total'
    }
    assert float(rows['backbone']) > 0 and float(rows['backward']) > 0
    ops = out.stdout.split('input shapes\n')[1].strip().splitlines()
    assert len(ops) == 3
    assert not (tmp_path / 'work').exists()  # logs went to a temp folder


def test_bad_arguments_are_refused_before_loading(tmp_path):
    out = run_tool(TOOL, tmp_path / 'missing.py')
    assert out.returncode != 0
    assert f'config file not found: {tmp_path / "missing.py"}' in out.stderr
    out = run_tool(TOOL, 'configs/hmot/ihoim_faster-rcnn_r50_fpn_22e_mot16.py',
                   '--iters', 0)
    assert out.returncode != 0 and '--iters 0: too small' in out.stderr
