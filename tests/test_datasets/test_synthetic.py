"""The synthetic MOTChallenge generator: determinism, box and visibility
truth, density, motion, identities, and the converter on its output."""
import os
import os.path as osp

import numpy as np
import pytest
from conftest import independent_counts, run_tool

from hmot_mm.datasets.motchallenge_coco import convert
from hmot_mm.datasets.motchallenge_io import read_gt, read_seqinfo
from hmot_mm.datasets.synthetic import (PALETTE, SyntheticSequence, Walker,
                                        random_outfit, write_sequence)

SIZE = (320, 240)


@pytest.fixture(scope='module')
def sparse_seq(tmp_path_factory):
    out = str(tmp_path_factory.mktemp('synth'))
    return write_sequence(out, 'S', frames=120, size=SIZE, persons=8, seed=3)


def gt_of(seq):
    return np.loadtxt(osp.join(seq, 'gt', 'gt.txt'), delimiter=',')


def test_same_seed_same_bytes(tmp_path, sparse_seq):
    again = write_sequence(
        str(tmp_path), 'S', frames=120, size=SIZE, persons=8, seed=3)
    gt = 'gt/gt.txt'
    assert open(osp.join(again, gt),
                'rb').read() == open(osp.join(sparse_seq, gt), 'rb').read()
    assert open(osp.join(again, 'img1/000050.jpg'), 'rb').read() == open(
        osp.join(sparse_seq, 'img1/000050.jpg'), 'rb').read()
    other = write_sequence(
        str(tmp_path), 'T', frames=5, size=SIZE, persons=8, seed=4)
    assert open(osp.join(other, gt)).read() != open(osp.join(
        sparse_seq, gt)).read()[:len(open(osp.join(other, gt)).read())]


def test_output_is_valid_motchallenge(sparse_seq):
    info = read_seqinfo(sparse_seq)
    assert (info.length, info.width, info.height) == (120, *SIZE)
    rows = read_gt(osp.join(sparse_seq, 'gt', 'gt.txt'), info.length)
    assert len(os.listdir(osp.join(sparse_seq, 'img1'))) == 120
    assert (rows['conf'] == 1).all() and (rows['class'] == 1).all()


def test_boxes_inside_frame_or_clipped_with_partial_visibility(sparse_seq):
    gt = gt_of(sparse_seq)
    x, y, w, h, vis = gt[:, 2], gt[:, 3], gt[:, 4], gt[:, 5], gt[:, 8]
    W, H = SIZE
    assert (x >= 0).all() and (y >= 0).all()
    assert (x + w <= W).all() and (y + h <= H).all()
    assert (w >= 1).all() and (h >= 1).all()
    assert ((vis >= 0) & (vis <= 1)).all()
    assert (vis < 0.9).sum() > 0.02 * len(vis), 'almost no occlusion'
    # the same simulation, checked against the whole-body extents
    sim = SyntheticSequence(size=SIZE, persons=8, seed=3)
    clipped = 0
    for _ in range(120):
        for p in sim.render()[1]:
            x1, y1, x2, y2 = p['extent']
            inside = (max(x1, 0), max(y1, 0), min(x2, W) - max(x1, 0),
                      min(y2, H) - max(y1, 0))
            assert p['box'] == inside
            if (x1, y1, x2,
                    y2) != (inside[0], inside[1], inside[0] + inside[2],
                            inside[1] + inside[3]):
                clipped += 1
                assert p['visibility'] < 1
        sim.step()
    assert clipped > 0, 'nobody entered or left through a border'


def person(pid, x, z, colour):
    outfit = random_outfit(np.random.default_rng(pid))
    outfit.shirt = outfit.shirt2 = outfit.trousers = outfit.hair = \
        outfit.skin = np.array(colour, float)
    return Walker(pid=pid, outfit=outfit, x=x, z=z, heading=0.0, speed=1.0)


def test_visibility_matches_rendered_occlusion():
    """Two people, the nearer half in front of the farther: the reported
    visibility equals the fraction of the farther one's own pixels that
    survive in the composite (measured by rendering it alone)."""
    sim = SyntheticSequence(size=SIZE, persons=1, seed=0, clutter=0)
    back = person(1, 0.0, 9.0, (220, 30, 30))
    front = person(2, 0.25, 7.0, (30, 30, 220))
    sim.walkers = [back]
    alone, _ = sim.render()
    silhouette = (alone != sim.background).any(axis=2)
    sim.walkers = [back, front]
    both, people = sim.render()
    survived = silhouette & (both == alone).all(axis=2)
    measured = survived.sum() / silhouette.sum()
    reported = {p['id']: p['visibility'] for p in people}
    assert 0.2 < measured < 0.9, 'the overlap is not partial'
    assert abs(reported[1] - measured) < 0.05
    assert reported[2] == pytest.approx(1.0)
    # half outside the image: the hidden half counts as invisible
    sim.walkers = [
        person(3, -sim.camera.half_width_at(9.0), 9.0, (30, 200, 30))
    ]
    (edge, ) = sim.render()[1]
    assert edge['box'][0] == 0 and 0.3 < edge['visibility'] < 0.7


def test_densities_sparse_and_crowd(tmp_path, sparse_seq):
    per_frame = np.bincount(gt_of(sparse_seq)[:, 0].astype(int))[1:]
    assert 4 <= per_frame.mean() <= 14
    crowd = write_sequence(
        str(tmp_path), 'C', frames=3, size=(1920, 1080), persons=160, seed=0)
    per_frame = np.bincount(gt_of(crowd)[:, 0].astype(int))[1:]
    assert per_frame.min() >= 150


def test_people_enter_leave_and_walk_smooth_curves(sparse_seq):
    gt = gt_of(sparse_seq)
    first = {i: gt[gt[:, 1] == i, 0].min() for i in np.unique(gt[:, 1])}
    last = {i: gt[gt[:, 1] == i, 0].max() for i in np.unique(gt[:, 1])}
    assert any(f > 1 for f in first.values()), 'nobody entered'
    assert any(t < 120 for t in last.values()), 'nobody left'
    curved = 0
    for i in first:
        track = gt[gt[:, 1] == i]
        full = track[track[:, 8] == 1]  # unclipped, unoccluded boxes
        if len(full) < 30 or np.any(np.diff(full[:, 0]) != 1):
            continue
        feet = np.c_[full[:, 2] + full[:, 4] / 2, full[:, 3] + full[:, 5]]
        jerk = np.abs(np.diff(feet, n=2, axis=0))
        assert (jerk.max(axis=0) < 0.25 * full[:, 5].mean()).all(), i
        t = np.arange(len(feet))
        line = np.polyval(np.polyfit(t, feet[:, 0], 1), t)
        curved += np.abs(feet[:, 0] - line).max() > 2.0
    assert curved >= 1, 'no long track departs from a straight line'


def test_near_twins_differ_in_one_attribute():
    sim = SyntheticSequence(size=SIZE, persons=40, seed=1, twin_prob=0.3)

    def attrs(o):
        return (tuple(o.shirt), tuple(o.shirt2), o.pattern,
                tuple(np.round(o.trousers)), tuple(o.hair))

    outfits = [attrs(o) for o in sim.outfits]
    twins = sum(
        sum(a != b for a, b in zip(outfits[i], outfits[j])) == 1
        for i in range(len(outfits)) for j in range(i))
    assert twins >= 3
    assert len({o[0] for o in outfits}) > len(PALETTE) // 2


def test_converter_on_generated_sequence(tmp_path, sparse_seq):
    out = convert(sparse_seq, str(tmp_path / 'ann'), split_train=True)
    full = out['train_cocoformat.json']
    boxes, ids = independent_counts(osp.join(sparse_seq, 'gt', 'gt.txt'))
    assert len(full['images']) == 120
    assert (len(full['annotations']), full['num_ids']) == (boxes, ids)
    assert sorted({a['instance_id']
                   for a in full['annotations']}) == list(range(ids))


def test_cli_errors_and_refusal(tmp_path):
    tool = ['tools/make_synthetic_mot.py', '--out', tmp_path]
    bad = run_tool(*tool, '--size', '640by480')
    assert bad.returncode == 2 and "expected WIDTHxHEIGHT" in bad.stderr
    ok = run_tool(*tool, '--frames', '2', '--size', '128x96')
    assert ok.returncode == 0, ok.stderr
    gt = tmp_path / 'SYNTH-01' / 'gt' / 'gt.txt'
    before = gt.read_bytes()
    again = run_tool(*tool, '--frames', '3', '--size', '128x96', '--seed', '9')
    assert again.returncode == 1 and '--overwrite' in again.stderr
    assert gt.read_bytes() == before
    with pytest.raises(ValueError, match='persons must be >= 1'):
        SyntheticSequence(persons=0)
