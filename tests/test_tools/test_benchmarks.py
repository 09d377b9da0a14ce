"""The benchmark scripts' --quick modes run and report consistent figures
(the timing claims themselves are measured in docs/, not asserted here)."""
import re

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
        if line.startswith('| MobileNetV2-FPN') and len(line.split('|')) == 13
    ]
    assert len(rows) == 2
    for cells in rows:
        detector, hmot, association, two_stage, ratio, ratio2, *megabytes = (
            float(c) for c in cells[2:])
        # ratios are recomputed from the printed (rounded) milliseconds
        assert abs(ratio - hmot / detector) < 0.01 + 1 / detector
        assert association <= hmot  # a part of HMOT's time
        assert abs(ratio2 - two_stage / hmot) < 0.01 + 1 / hmot
        assert len(megabytes) == 3 and min(megabytes) > 0
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
