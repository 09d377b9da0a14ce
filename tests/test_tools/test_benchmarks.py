"""The benchmark scripts' --quick modes run and report consistent figures
(the timing claims themselves are measured in docs/, not asserted here)."""
import re

import numpy as np
import torch
from conftest import load_tool, run_tool


def test_peak_memory_follows_allocations_and_frees():
    """4 MB a, 4 MB b = a @ a, a freed, 8 MB c: the peak is 12 MB plus
    the three 4-byte scalars b.sum(), c.sum() and their sum, counted by
    hand (the profiler sees the whole process: a few bytes more may be
    another allocation in the suite)."""
    speed = load_tool('tools/benchmarks/speed.py')

    def allocate():
        a = torch.ones(1000, 1000)
        b = a @ a
        del a
        c = torch.ones(2000, 1000)
        return b.sum() + c.sum()

    assert 12e6 + 12 <= speed.peak_memory(allocate, 'cpu') <= 12e6 + 1024


def test_ratios_are_medians_of_per_frame_ratios(monkeypatch):
    """Scripted seconds instead of a clock. After a warm-up frame, b
    takes 1, 1, 3, 3, 3 and a 2, 2, 2, 6, 6: the machine slowed 3× one
    run earlier for b than for a. a / b per frame is 2, 2, 2/3, 2, 2
    (median 2, b / a median 0.5), while the medians alone (a 2, b 3)
    would say 2/3."""
    speed = load_tool('tools/benchmarks/speed.py')
    a_times, b_times = [9, 2, 2, 2, 6, 6], [9, 1, 1, 3, 3, 3]
    monkeypatch.setattr(speed, 'time_one', lambda fn, device: fn())
    monkeypatch.setattr(speed, 'peak_memory', lambda fn, device: 0)
    frames = [[('a', lambda i=i: a_times[i]), ('b', lambda i=i: b_times[i])]
              for i in range(len(a_times))]
    result = speed.in_turn(frames, 1, 'cpu', [('a', 'b'), ('b', 'a')])
    assert (result['a'], result['b']) == (2, 3)
    assert (result['a / b'], result['b / a']) == (2, 0.5)


def test_speed_quick_writes_table_and_plot(tmp_path):
    out = tmp_path / 'speed.md'
    result = run_tool('tools/benchmarks/speed.py', '--quick', '--threads', '1',
                      '--profile', '--out', out)
    assert result.returncode == 0, result.stderr[-2000:]
    # --profile: the operators of one HMOT frame at the largest crowd
    assert re.search(r'\d+ people, one HMOT frame .*wall [\d.]+ ms',
                     result.stdout)
    assert 'association' in result.stdout
    assert (tmp_path / 'speed.png').stat().st_size > 0
    rows = [
        line.split('|')[1:-1] for line in out.read_text().splitlines()
        if line.startswith('| MobileNetV2-FPN') and len(line.split('|')) == 16
    ]
    assert len(rows) == 2
    for cells in rows:
        (detector, hmot, association, in_cap, two_stage, ratio, ratio_in_cap,
         ratio2, *megabytes) = (
             float(c) for c in cells[2:])
        # ratios are recomputed from the printed (rounded) milliseconds:
        # --quick times one frame, whose ratio is the median of one
        assert abs(ratio - hmot / detector) < 0.01 + 1 / detector
        assert abs(ratio_in_cap - in_cap / detector) < 0.01 + 1 / detector
        assert association <= hmot  # a part of HMOT's time
        assert abs(ratio2 - two_stage / hmot) < 0.01 + 1 / hmot
        assert len(megabytes) == 4 and min(megabytes) > 0
    assert re.search(r'HMOT time grows [+-]\d+ %', out.read_text())
    # frames per second of the first and last crowd: 1000 / ms of the rows
    first, last = (
        float(v) for v in re.search(r'HMOT ([\d.]+) → ([\d.]+)',
                                    out.read_text()).groups())
    for fps, cells in ((first, rows[0]), (last, rows[-1])):
        hmot_ms = float(cells[3])  # printed rounded to 1 ms
        assert 1000 / (hmot_ms + 0.5) - 0.05 <= fps <= \
            1000 / (hmot_ms - 0.5) + 0.05
    (train, ) = [
        line.split('|')[2:-1] for line in out.read_text().splitlines()
        if line.startswith('| MobileNetV2-FPN') and len(line.split('|')) == 9
    ]
    plain, ihoim, ratio, *megabytes = (float(c) for c in train[1:])
    assert abs(ratio - ihoim / plain) < 0.01 + 1 / plain
    assert min(megabytes) > 0


def test_speed_refuses_bad_arguments(tmp_path):
    result = run_tool('tools/benchmarks/speed.py', '--people', '0', '--out',
                      tmp_path / 'speed.md')
    assert result.returncode != 0
    assert '--people, --train-people and --frames must be >= 1' in \
        result.stderr
    result = run_tool('tools/benchmarks/speed.py', '--out',
                      tmp_path / 'missing' / 'speed.md')
    assert result.returncode != 0 and 'does not exist' in result.stderr


def test_association_times_track_alone_after_the_warmup(monkeypatch):
    """A scripted clock: each frame's ``track`` takes 9, 9, 1, 2, 3, 100
    s. With two warm-up frames the median is that of 1, 2, 3, 100: 2.5.
    The prediction comes before ``track`` (outside the timing), and a
    person keeps one unit vector from frame to frame."""
    association = load_tool('tools/benchmarks/association.py')
    durations = iter([9, 9, 1, 2, 3, 100])
    clock = [0.0]
    calls = []

    class Tracker:
        tracks = [None] * 4

        def reset(self):
            calls.append('reset')

        def motion_proposals(self):
            calls.append('predict')

        def track(self, boxes, scores, embeds):
            calls.append('track')
            assert embeds.shape == (len(boxes), 8)
            assert abs(np.linalg.norm(embeds, axis=1) - 1).max() < 1e-9
            seen.append(embeds)
            clock[0] += next(durations)

    seen = []
    monkeypatch.setattr(association.time, 'perf_counter', lambda: clock[0])
    boxes = np.array([[0, 0, 10, 20], [30, 0, 40, 20.]])
    frames = [(None, boxes, np.array([3, 7]))] * 6
    result = association.time_tracker(Tracker(), frames, 2, dim=8)
    assert result == dict(seconds=2.5, tracks=4)
    assert calls == ['reset'] + ['predict', 'track'] * 6
    assert all((e == seen[0]).all() for e in seen)


def test_association_reports_one_row_per_crowd():
    result = run_tool('tools/benchmarks/association.py', '--people', '4', '9',
                      '--frames', '2', '--warmup', '3')
    assert result.returncode == 0, result.stderr[-2000:]
    rows = [
        line.split('|')[1:-1] for line in result.stdout.splitlines()
        if re.match(r'\| \d', line)
    ]
    assert len(rows) == 2
    assert all(float(ms) > 0 and int(tracks) >= 1 for _, ms, tracks in rows)
    result = run_tool('tools/benchmarks/association.py', '--frames', '0')
    assert result.returncode != 0 and 'must be >= 1' in result.stderr


def test_ablation_quick_rows_agree_with_the_ground_truth_count(tmp_path):
    """Every row of the quick Table 2 is tracked and scored; its MOTA is
    1 - (FP + FN + IDSw) / G with G counted from the held-out annotations
    here, and the resumed run reuses every step."""
    import json
    out = tmp_path / 'benchmarks.md'
    args = ('tools/benchmarks/ablation.py', '--quick', '--work-dir',
            tmp_path / 'work', '--out', out)
    result = run_tool(*args)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr
    assert (tmp_path / 'benchmarks.png').stat().st_size > 0
    with open(tmp_path / 'work/data/quick/annotations/'
              'half-val_cocoformat.json') as f:
        gt_boxes = len(json.load(f)['annotations'])
    rows = {
        line.split('|')[1].strip():
        [float(c.split('±')[0]) for c in line.split('|')[2:-1]]
        for line in out.read_text().splitlines()
        if line.startswith('| ') and '±' in line
    }
    assert list(rows) == [
        'OIM−MM', 'iHOIM−MM', 'iHOIM+MM', 'SORT-IoU', 'two-stage'
    ]
    for mota, _, _, idsw, fp, fn in rows.values():
        assert abs(mota - 100 * (1 - (fp + fn + idsw) / gt_boxes)) < 0.06
    again = run_tool(*args)
    assert again.returncode == 0 and '/8' not in again.stdout


def flatten(value, prefix=''):
    """Nested dicts and lists → {'a.b.0.c': leaf}."""
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, (list, tuple)) and any(
            isinstance(v, (dict, list, tuple)) for v in value):
        items = enumerate(value)
    else:
        return {prefix: value}
    out = {}
    for key, v in items:
        out.update(flatten(v, f'{prefix}.{key}' if prefix else str(key)))
    return out


def test_crowd_configs_differ_from_pets_only_in_the_documented_keys(tmp_path):
    """The generated crowd departs from the PETS09 config only where the
    script says: mmdet's proposal counts and ``CROWD_SETTINGS``."""
    import json

    from mmengine.config import Config
    ablation = load_tool('tools/benchmarks/ablation.py')
    (tmp_path / 'ann').mkdir()
    (tmp_path / 'ann' / 'half-train_cocoformat.json').write_text(
        json.dumps(dict(num_ids=5)))
    configs = {}
    for crowd in (False, True):
        dataset = dict(
            ann=str(tmp_path / 'ann'), images=str(tmp_path), crowd=crowd)
        paths = ablation.row_configs(dataset, 10, 0,
                                     str(tmp_path / f'crowd{crowd}'))
        configs[crowd] = {
            name: flatten(Config.fromfile(path).to_dict())
            for name, path in paths.items()
        }
    settings = ablation.CROWD_SETTINGS
    expected = {
        'model.detector.train_cfg.rpn_proposal.nms_pre': 2000,
        'model.detector.train_cfg.rpn_proposal.max_per_img': 1000,
        'model.detector.test_cfg.rpn.nms_pre': 1000,
        'model.detector.test_cfg.rpn.max_per_img': 1000,
        'model.detector.train_cfg.rcnn.sampler.type': settings['sampler'],
        'model.tracker.score_thr': settings['tracker']['score_thr'],
        'model.tracker.low_score_thr': settings['tracker']['low_score_thr'],
    }
    for name in ('ihoim', 'oim', 'two_stage'):
        pets, crowd = configs[False][name], configs[True][name]
        # PETS09 fills short gaps, the crowd tracks online
        fill = 'test_evaluator.0.interpolation'
        assert pets.pop(fill + '.type') == 'TrackletInterpolation'
        pets.pop(fill + '.max_gap'), pets.pop(fill + '.min_streak')
        pets[fill] = None
        assert crowd[fill] is settings['interpolation'] is None
        assert set(pets) == set(crowd)
        changed = {k: crowd[k] for k in crowd if crowd[k] != pets[k]}
        (jitter, ) = [k for k in changed if k.endswith('ratio_range')]
        assert jitter.startswith('train_dataloader.dataset.pipeline.')
        assert tuple(changed.pop(jitter)) == settings['ratio_range']
        # exactly the keys whose PETS value is not already the crowd's
        # (the OIM row's score_thr is 0.6 on both)
        assert changed == {
            k: v
            for k, v in expected.items() if pets[k] != v
        }, name
        assert {k: crowd[k] for k in expected} == expected, name
    # on PETS09 the OIM row tracks at the thresholds chosen for its scores
    oim_config = Config.fromfile(
        f'{ablation.ROOT}/{ablation.OIM_PETS_CONFIG}').model.tracker
    for key in ('score_thr', 'low_score_thr'):
        assert configs[False]['oim'][f'model.tracker.{key}'] == oim_config[key]
