"""MOT metrics against the official values on motmetrics' shipped TUD data,
the test-loop metric, and the devkit's preprocessing."""
import json
import os.path as osp
import shutil

import motmetrics
import numpy as np
import pytest
import torch
from conftest import PETS, needs_pets, run_tool
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
    result = run_tool('tools/eval_mot.py', tud / 'gt', tud / 'res', '--out',
                      out)
    assert result.returncode == 0, result.stderr
    metrics = json.loads(out.read_text())
    assert list(metrics) == [*SEQS, 'COMBINED']
    check_official(metrics, metrics['TUD-Campus']['MOTA'])
    table = result.stdout.splitlines()
    assert table[0].split()[:3] == ['HOTA', 'MOTA', 'IDF1']
    assert table[-1].split()[:3] == ['COMBINED', '40.00', '55.51']


def track_instances(h):
    return InstanceData(
        bboxes=torch.tensor(np.c_[h['x'], h['y'], h['x'] + h['w'],
                                  h['y'] + h['h']]),
        instances_id=torch.tensor(h['id']),
        scores=torch.ones(len(h)))


def track_samples(gt, hyp, seq, length, tentative=None):
    """One TrackDataSample per frame, as the tracking test loop makes
    (with ``pred_tentative_instances`` from the ``tentative`` rows)."""
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
        image.pred_track_instances = track_instances(h)
        if tentative is not None:
            image.pred_tentative_instances = track_instances(
                tentative[tentative['frame'] == frame])
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


def test_metric_interpolates_before_scoring(tmp_path):
    """One person in frames 1-8, reported in all but 1, 2 (tentative there:
    the tracker's ``pred_tentative_instances``), 6 and 7: 4 misses of 8
    (MOTA 0.5) online; with the gap filled, 2 (MOTA 0.75); with the
    tentative frames filled too, none (MOTA 1). The written file holds
    the filled rows."""
    gt = rows(*[(f, 1, 20, 1, 1) for f in range(1, 9)])
    hyp = gt[~np.isin(gt['frame'], [1, 2, 6, 7])]
    tentative = gt[np.isin(gt['frame'], [1, 2])]
    fill = dict(type='TrackletInterpolation', max_gap=2, min_streak=3)
    for interpolation, mota in ((None, 0.5), (fill, 0.75),
                                (dict(fill, fill_tentative=True), 1.0)):
        metric = MotMetricsMetric(
            results_dir=str(tmp_path / str(mota)), interpolation=interpolation)
        for sample in track_samples(gt, hyp, 'SEQ', 8, tentative):
            metric.process({}, [sample.to_dict()])
        assert metric.evaluate(size=0)['motmetrics/MOTA'] == mota
        written = read_gt(str(tmp_path / str(mota) / 'SEQ.txt'))
        assert len(written) == 8 * mota


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
    result = run_tool('tools/eval_mot.py', tud / 'gt', tmp_path / 'res')
    assert result.returncode == 1
    assert 'TUD-Campus.txt:' in result.stderr and '4 columns' in result.stderr


def write_mot17_style(root, seq='MOT17-90', frames=40, seed=0):
    """Walking pedestrians (class 1, conf 1), static persons (7), a
    distractor (8), a car (3) and a reflection (12), all conf 0 as in
    MOT17; a tracker that finds most of them with jitter, switches one
    identity and adds boxes on nothing."""
    rng = np.random.default_rng(seed)
    objects = [(i, 1, 1) for i in range(1, 7)]
    objects += [(7, 7, 0), (8, 7, 0), (9, 8, 0), (10, 3, 0), (11, 12, 0)]
    start = {o[0]: rng.uniform([0, 0], [600, 400]) for o in objects}
    speed = {o[0]: rng.uniform(-6, 6, 2) * (o[1] == 1) for o in objects}
    gt, hyp = [], []
    for f in range(1, frames + 1):
        for oid, cls, conf in objects:
            x, y = start[oid] + speed[oid] * f
            if rng.random() < 0.05:
                continue
            gt.append(f'{f},{oid},{x:.1f},{y:.1f},30,80,{conf},{cls},1')
            if rng.random() < 0.85:
                tid = 99 if oid == 2 and f > 20 else oid
                jx, jy = rng.normal(0, 4, 2)
                hyp.append(f'{f},{tid},{x + jx:.1f},{y + jy:.1f},30,80,1,'
                           '-1,-1,-1')
        for k in range(rng.integers(0, 3)):
            x, y = rng.uniform(0, 700, 2)
            hyp.append(f'{f},{200 + k},{x:.1f},{y:.1f},30,80,1,-1,-1,-1')
    (root / 'gt' / seq / 'gt').mkdir(parents=True)
    (root / 'gt' / seq / 'gt' / 'gt.txt').write_text('\n'.join(gt) + '\n')
    (root / 'gt' / seq / 'seqinfo.ini').write_text(
        f'[Sequence]\nname={seq}\nimDir=img1\nframeRate=30\n'
        f'seqLength={frames}\nimWidth=1920\nimHeight=1080\nimExt=.jpg\n')
    for folder in (root / 'trackers' / 't' / 'data', root / 'res'):
        folder.mkdir(parents=True)
        (folder / f'{seq}.txt').write_text('\n'.join(hyp) + '\n')
    (root / 'seqmap.txt').write_text(f'name\n{seq}\n')


def test_class_labelled_sequence_matches_trackeval(tmp_path):
    """TrackEval's own MotChallenge2DBox (MOT17 preprocessing) on a
    sequence with distractors: boxes on static persons, the distractor and
    the reflection are removed before counting, boxes on the car are FP."""
    import trackeval
    write_mot17_style(tmp_path)
    eval_config = trackeval.Evaluator.get_default_eval_config()
    eval_config.update(
        PRINT_RESULTS=False,
        PRINT_CONFIG=False,
        OUTPUT_SUMMARY=False,
        OUTPUT_DETAILED=False,
        PLOT_CURVES=False,
        USE_PARALLEL=False,
        TIME_PROGRESS=False,
        BREAK_ON_ERROR=True,
        LOG_ON_ERROR=None)
    data_config = trackeval.datasets.MotChallenge2DBox.\
        get_default_dataset_config()
    data_config.update(
        GT_FOLDER=str(tmp_path / 'gt'),
        TRACKERS_FOLDER=str(tmp_path / 'trackers'),
        OUTPUT_FOLDER=str(tmp_path / 'out'),
        TRACKERS_TO_EVAL=['t'],
        BENCHMARK='MOT17',
        SEQMAP_FILE=str(tmp_path / 'seqmap.txt'),
        SKIP_SPLIT_FOL=True,
        DO_PREPROC=True,
        PRINT_CONFIG=False)
    res, _ = trackeval.Evaluator(eval_config).evaluate(
        [trackeval.datasets.MotChallenge2DBox(data_config)], [
            trackeval.metrics.HOTA(),
            trackeval.metrics.CLEAR(),
            trackeval.metrics.Identity()
        ])
    ref = res['MotChallenge2DBox']['t']['MOT17-90']['pedestrian']
    ours = evaluate_folders(str(tmp_path / 'gt'),
                            str(tmp_path / 'res'))['MOT17-90']
    assert ours['FP'] == ref['CLEAR']['CLR_FP']
    assert ours['FN'] == ref['CLEAR']['CLR_FN']
    assert ours['IDSw'] == ref['CLEAR']['IDSW'] >= 1
    assert ours['MOTA'] == pytest.approx(ref['CLEAR']['MOTA'], abs=1e-9)
    assert ours['IDF1'] == pytest.approx(ref['Identity']['IDF1'], abs=1e-9)
    assert ours['HOTA'] == pytest.approx(
        np.mean(ref['HOTA']['HOTA']), abs=1e-6)


@needs_pets
def test_ground_truth_scores_perfectly_against_itself(tmp_path):
    """PETS09's 174 zero-marked rows are ignored in the results as in the
    ground truth: gt against itself is MOTA 1, FP 0."""
    (tmp_path / 'res').mkdir()
    shutil.copy(
        osp.join(PETS, 'gt', 'gt.txt'), tmp_path / 'res' / 'PETS09-S2L1.txt')
    m = evaluate_folders(osp.dirname(PETS), str(tmp_path / 'res'))
    assert (m['COMBINED']['MOTA'], m['COMBINED']['FP']) == (1.0, 0)
