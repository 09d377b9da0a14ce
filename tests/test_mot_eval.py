"""MOT metrics against the official values on motmetrics' shipped TUD data,
the test-loop metric, and the devkit's preprocessing."""
import json
import os.path as osp
import shutil
import subprocess
import sys

import motmetrics
import numpy as np
import pytest
import torch
from conftest import ROOT
from mmdet.structures import DetDataSample, TrackDataSample
from mmengine.structures import InstanceData

from hmot_mm.datasets.motchallenge_io import GT_DTYPE, read_gt
from hmot_mm.evaluation import MotMetricsMetric, evaluate, evaluate_folders

TUD = osp.join(osp.dirname(motmetrics.__file__), 'data')
SEQS = ('TUD-Campus', 'TUD-Stadtmitte')
# MOTChallenge devkit values (motmetrics' own test) and TrackEval's HOTA
OFFICIAL = dict(MOTA=0.555116, IDF1=0.624296, IDSw=14, FP=58, FN=602)
OFFICIAL_HOTA = 0.39996
CAMPUS_MOTA = 0.526462


@pytest.fixture(scope='module')
def tud(tmp_path_factory):
    root = tmp_path_factory.mktemp('tud')
    for seq in SEQS:
        (root / 'gt' / seq / 'gt').mkdir(parents=True)
        shutil.copy(osp.join(TUD, seq, 'gt.txt'), root / 'gt' / seq / 'gt')
        (root / 'res').mkdir(exist_ok=True)
        shutil.copy(
            osp.join(TUD, seq, 'test.txt'), root / 'res' / f'{seq}.txt')
    return root


def check_official(metrics, campus_mota):
    combined = metrics['COMBINED'] if 'COMBINED' in metrics else metrics
    for key, value in OFFICIAL.items():
        assert combined[key] == pytest.approx(value, abs=5e-7), key
    assert combined['HOTA'] == pytest.approx(OFFICIAL_HOTA, abs=1e-4)
    if campus_mota is not None:
        assert campus_mota == pytest.approx(CAMPUS_MOTA, abs=5e-7)


def test_eval_tool_reproduces_official_values(tud):
    out = tud / 'metrics.json'
    result = subprocess.run([
        sys.executable, 'tools/eval_mot.py',
        str(tud / 'gt'),
        str(tud / 'res'), '--out',
        str(out)
    ],
                            cwd=ROOT,
                            capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr
    metrics = json.loads(out.read_text())
    assert list(metrics) == [*SEQS, 'COMBINED']
    check_official(metrics, metrics['TUD-Campus']['MOTA'])
    table = result.stdout.splitlines()
    assert table[0].split()[:3] == ['HOTA', 'MOTA', 'IDF1']
    assert table[-1].split()[:3] == ['COMBINED', '40.00', '55.51']


def track_samples(gt, hyp, seq, length):
    """One TrackDataSample per frame, as the tracking test loop makes."""
    for frame in range(1, length + 1):
        g, h = gt[gt['frame'] == frame], hyp[hyp['frame'] == frame]
        image = DetDataSample(
            metainfo=dict(
                img_path=f'/data/{seq}/img1/{frame:06d}.jpg',
                frame_id=frame - 1,
                ori_video_length=length,
                instances=[
                    dict(
                        bbox=[
                            r['x'], r['y'], r['x'] + r['w'], r['y'] + r['h']
                        ],
                        instance_id=int(r['id']),
                        mot_conf=r['conf'],
                        category_id=1,
                        visibility=1.0) for r in g
                ]))
        image.pred_track_instances = InstanceData(
            bboxes=torch.tensor(np.c_[h['x'], h['y'], h['x'] + h['w'],
                                      h['y'] + h['h']]),
            instances_id=torch.tensor(h['id']),
            scores=torch.ones(len(h)))
        sample = TrackDataSample()
        sample.video_data_samples = [image]
        yield sample


def test_metric_in_the_test_loop_matches(tud, tmp_path):
    metric = MotMetricsMetric(results_dir=str(tmp_path / 'tracks'))
    for seq in SEQS:
        gt = read_gt(osp.join(TUD, seq, 'gt.txt'))
        hyp = read_gt(osp.join(TUD, seq, 'test.txt'))
        length = int(max(gt['frame'].max(), hyp['frame'].max()))
        for sample in track_samples(gt, hyp, seq, length):
            metric.process({}, [sample.to_dict()])
    results = metric.evaluate(size=0)
    check_official({k.split('/')[1]: v for k, v in results.items()}, None)
    # the written tracks score the same from files
    again = evaluate_folders(str(tud / 'gt'), str(tmp_path / 'tracks'))
    check_official(again, again['TUD-Campus']['MOTA'])


def rows(*items):
    return np.array([(f, i, x, 0, 10, 10, c, k, 1) for f, i, x, c, k in items],
                    dtype=GT_DTYPE)


def test_devkit_preprocessing_by_hand():
    """A tracker box on a static person (class 7) is neither TP nor FP; a
    conf-0 gt box is not a miss; a box on nothing is an FP."""
    gt = rows((1, 1, 0, 1, 1), (1, 2, 50, 1, 7), (1, 3, 100, 0, 1))
    hyp = rows((1, 7, 0, 1, -1), (1, 8, 50, 1, -1), (1, 9, 200, 1, -1))
    m = evaluate({'S': gt}, {'S': hyp}, {'S': 1})['S']
    assert (m['FP'], m['FN'], m['IDSw']) == (1, 0, 0)
    assert m['MOTA'] == pytest.approx(1 - 1 / 1)
    assert m['Precision'] == pytest.approx(1 / 2)


def test_bad_results_file_is_named(tud, tmp_path):
    shutil.copytree(tud / 'res', tmp_path / 'res')
    with open(tmp_path / 'res' / 'TUD-Campus.txt', 'a') as f:
        f.write('5,1,1,1\n')
    result = subprocess.run([
        sys.executable, 'tools/eval_mot.py',
        str(tud / 'gt'),
        str(tmp_path / 'res')
    ],
                            cwd=ROOT,
                            capture_output=True,
                            text=True)
    assert result.returncode == 1
    assert 'TUD-Campus.txt:' in result.stderr and '4 columns' in result.stderr
