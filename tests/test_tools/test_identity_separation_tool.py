"""identity_separation.py with the tiny trained tracker: on a still scene
(one image three times) each box's embedding equals its gallery's, so
every own cost is 0 and every margin is the one cross cost; and the
refusals that come before any model is built."""
import cv2
import numpy as np
from conftest import IMG_SIZE
from conftest import mot_row as row
from conftest import run_tool

TOOL = 'tools/analysis/identity_separation.py'


def still_scene(tmp_path):
    """Three copies of one frame; persons 1 and 2 overlap at IoU 1000 /
    2000 = 0.5 in all of them, person 3 stands apart."""
    frames = tmp_path / 'frames'
    frames.mkdir()
    image = np.random.default_rng(0).integers(
        0, 255, size=(IMG_SIZE[1], IMG_SIZE[0], 3), dtype=np.uint8)
    for f in (1, 2, 3):
        cv2.imwrite(str(frames / f'{f:06d}.png'), image)
    gt = tmp_path / 'gt.txt'
    gt.write_text(''.join(
        row(f, 1, 20, 30, 30, 50) + row(f, 2, 30, 30, 30, 50) +
        row(f, 3, 110, 30, 30, 50) for f in (1, 2, 3)))
    return frames, gt


def all_row(stdout):
    (line, ) = [r for r in stdout.splitlines() if r.startswith('all ')]
    return line.split()[1:]


def test_still_scene(trained_tracker, tmp_path):
    root, config = trained_tracker
    ckpt = root / 'work' / 'iter_60.pth'
    frames, gt = still_scene(tmp_path)
    run = run_tool(TOOL, config, ckpt, frames, gt)
    assert run.returncode == 0, run.stderr[-3000:]
    # frames 2 and 3 (frame 1 has no gallery), each way: 4 pairs; own cost
    # 0, so no swap, and margin = 1 - x1·x2 the same in all four
    boxes, swapped, median, lowest, over_gate = all_row(run.stdout)
    assert (boxes, swapped, over_gate) == ('4', '0', '0')
    assert median == lowest and float(median) > 0
    assert '1 vs 2' in run.stdout and '2 vs 1' in run.stdout
    assert ' vs 3' not in run.stdout
    run = run_tool(TOOL, config, ckpt, frames, gt, '--persons', '2',
                   '--frames', '1-2', '--cfg-options',
                   'model.tracker.nn_budget=1')
    assert run.returncode == 0, run.stderr[-3000:]
    assert all_row(run.stdout)[:2] == ['1', '0']
    assert 'gallery 1,' in run.stdout
    # IoU exactly 0.5 is not above 0.5
    run = run_tool(TOOL, config, ckpt, frames, gt, '--min-iou', '0.5')
    assert run.returncode != 0
    assert 'no overlapping pair' in run.stderr


def test_refusals_before_the_model(tmp_path):
    frames, gt = still_scene(tmp_path)
    missing = tmp_path / 'no.pth'  # never opened: each case stops first
    cases = [
        ((frames, tmp_path / 'none.txt'), 'ground truth file missing'),
        ((tmp_path / 'nothing', gt), 'no such file or folder'),
        ((frames, gt, '--persons', '7'), '--persons [7] not scored'),
        ((frames, gt, '--frames', '5-9'), 'no scored person in frames 5-9'),
        ((frames, gt, '--frames', '3-1'), 'FIRST <= LAST'),
    ]
    for args, message in cases:
        run = run_tool(TOOL, 'cfg.py', missing, *args)
        assert run.returncode != 0
        assert message in run.stderr, (args, run.stderr[-500:])
