"""false_positive_breakdown.py on hand-built rows: boxes that hit a person,
boxes beside one at a known IoU, and a static object held as a track."""
import re

from conftest import mot_row as row
from conftest import run_tool

TOOL = 'tools/analysis/false_positive_breakdown.py'


def breakdown(tmp_path, gt_rows, res_rows, *options):
    """The tool's output on these ground-truth and result rows."""
    gt, res = tmp_path / 'gt.txt', tmp_path / 'res.txt'
    gt.write_text(''.join(gt_rows))
    res.write_text(''.join(res_rows))
    out = run_tool(TOOL, gt, res, *options)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_bands_and_the_static_false_track(tmp_path):
    gt_rows, res_rows = [], []
    for f in range(1, 31):
        gt_rows.append(row(f, 1, 10 + 2 * f, 50, 40, 100))  # a walker
        res_rows.append(row(f, 1, 10 + 2 * f, 50, 40, 100))  # found
        # a box shifted by half the walker's width: IoU 20/60 = 1/3
        if f <= 6:
            res_rows.append(row(f, 2, 30 + 2 * f, 50, 40, 100))
        # a sign on nobody in frames 1-25, at x 300, 301 or 302
        if f <= 25:
            res_rows.append(row(f, 3, 300 + f % 3, 60, 30, 80, 0.2 + f / 100))
        # a short false track on nobody, under --min-frames
        if f <= 4:
            res_rows.append(row(f, 4, 200, 200, 30, 80))
    text = breakdown(tmp_path, gt_rows, res_rows, '--min-frames', 10)
    assert text.startswith('65 tracker boxes, 35 without a person at IoU '
                           '>= 0.5; median score of those with one 1.000')
    counts = dict(re.findall(r'best IoU +(.+?): +(\d+),', text))
    assert counts == {
        '0 (nobody)': '29',
        '(0, 0.1)': '0',
        '[0.1, 0.3)': '0',
        '[0.3, 0.5)': '6'
    }
    assert 'tracks with >= 10 boxes on nobody: 1' in text
    # x over frames 1-25: 8 at 300, 9 at 301, 8 at 302, so the median box
    # is at 301 and 16 of 25 centres are 1 px from the median centre
    assert ('id 3: 25 boxes, frames 1..25, median box x y w h 301 60 30 80, '
            'centre spread 1.0 px, median score 0.330') in text
    # nobody: the sign's 25 scores 0.21-0.45 and four of 1: median 0.35
    assert re.search(r'0 \(nobody\): +29, .*median score 0.350', text)


def test_missed_persons_and_the_offset_of_misplaced_boxes(tmp_path):
    gt_rows, res_rows = [], []
    for f in range(1, 26):
        gt_rows.append(row(f, 1, 100, 50, 40, 100))  # a standing person
        if f <= 10:  # found
            res_rows.append(row(f, 1, 100, 50, 40, 100))
        elif f <= 15:  # half a width right, 10 % taller: IoU 2000 / 6400
            res_rows.append(row(f, 1, 120, 45, 40, 110))
        if f <= 20:  # a sign on nobody keeps the results' frames at 1-20
            res_rows.append(row(f, 2, 400, 60, 30, 80))
        if f <= 3:  # hidden half behind the found one: IoU 2000 / 6000
            gt_rows.append(row(f, 3, 120, 50, 40, 100))
    gt_rows.append(row(5, 2, 600, 50, 40, 100))  # nobody boxes this one
    text = breakdown(tmp_path, gt_rows, res_rows)
    missed = text.split('scored persons')[1]
    # frames 21-25 lie after the last result row and are not counted:
    # 20 + 1 + 3 persons; frames 11-15 misplaced, 16-20 and the second
    # person without any box near them, the hidden one nearest to the box
    # of the one found in frames 1-3
    assert '24 scored persons in those frames, 14 without' in text
    counts = dict(re.findall(r'best IoU +(.+?): +(\d+)', missed))
    assert counts == {
        '0 (no box)': '6',
        '(0, 0.1)': '0',
        '[0.1, 0.3)': '0',
        '[0.3, 0.5)': '8'
    }
    assert ('of the 8 at IoU [0.1, 0.5): 3 next to a tracked person whose '
            'box it is, 5 misplaced') in missed
    # the misplaced: centres 20 px right (20 / 40) and 0 px down (45 + 55)
    assert ('misplaced box, median: |dx|/w 0.50, |dy|/h 0.00, width x1.00, '
            'height x1.10') in missed
