"""Where a tracker's false positives and missed persons are: by their best
IoU with any ground-truth person (any tracker box) in the frame, their
size (offset) relative to it, and their scores (the results' conf column).

    python tools/analysis/false_positive_breakdown.py GT.txt RESULTS.txt

A tracker box is a false positive here if no scored person (conf ≠ 0)
overlaps it at IoU ≥ 0.5 (a simpler rule than the CLEAR matching, which
also counts a second box on a matched person as FP; the totals are close).

It then lists the tracks that overlap nobody in at least ``--min-frames``
frames: a static person-like object held as a track (PETS09-S2L1's sign on
the lamp post) shows as one such track with a box that barely moves
(``centre spread``: median distance of its centre from its median centre,
in px).

Last, the scored persons of the results' frames (first to last row) that no
tracker box covers at IoU >= 0.5, by the best IoU of any tracker box. A box
at IoU 0.1-0.5 is either another person's (it covers them at IoU >= 0.5:
the miss is a person hidden next to a tracked one) or misplaced (one false
positive and one miss); for the misplaced ones, the median offset from the
person, as fractions of the person's width and height, shows whether the
misses are a localisation error and in which direction.
"""
import argparse
import os.path as osp
import sys

import numpy as np

sys.path.insert(0,
                osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
from hmot_mm.datasets.motchallenge_io import read_gt  # noqa: E402
from hmot_mm.evaluation import missed_persons  # noqa: E402
from hmot_mm.evaluation.mot_eval import boxes  # noqa: E402
from hmot_mm.utils import box_iou  # noqa: E402

BANDS = (('0 (nobody)', 0.0, 1e-9), ('(0, 0.1)', 1e-9, 0.1),
         ('[0.1, 0.3)', 0.1, 0.3), ('[0.3, 0.5)', 0.3, 0.5))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('gt', help='MOTChallenge gt.txt')
    parser.add_argument('results', help='MOTChallenge result rows')
    parser.add_argument(
        '--min-frames',
        type=int,
        default=20,
        help='list tracks with at least this many boxes on nobody')
    args = parser.parse_args()
    try:
        gt, hyp = read_gt(args.gt), read_gt(args.results)
    except (OSError, ValueError) as e:
        sys.exit(f'false_positive_breakdown: {e}')
    gt = gt[gt['conf'] != 0]
    # frame by frame, as the loop below visits them
    hyp = hyp[np.argsort(hyp['frame'], kind='stable')]
    frames = hyp['frame']
    best, size = [], []
    for frame in np.unique(frames):
        g, h = gt[gt['frame'] == frame], hyp[frames == frame]
        iou = box_iou(boxes(g), boxes(h)) if len(g) else np.zeros((1, len(h)))
        match = iou.argmax(0)
        best += list(iou.max(0))
        if len(g):
            size += list(np.sqrt(h['w'] * h['h'] / (g['w'] * g['h'])[match]))
        else:
            size += [np.nan] * len(h)
    best, size = np.array(best), np.array(size)
    fp = best < 0.5
    score = hyp['conf']
    print(f'{len(best)} tracker boxes, {fp.sum()} without a person at '
          f'IoU >= 0.5; median score of those with one '
          f'{np.median(score[~fp]) if (~fp).any() else np.nan:.3f}')
    for name, lo, hi in BANDS:
        band = fp & (best >= lo) & (best < hi)
        median = np.nanmedian(size[band]) if band.any() and lo else np.nan
        print(f'  best IoU {name:>10}: {band.sum():5d}, median size vs '
              f'that person {median:.2f}, median score '
              f'{np.median(score[band]) if band.any() else np.nan:.3f}')
    edges = np.linspace(frames.min(), frames.max() + 1, 11).astype(int)
    counts, _ = np.histogram(frames[fp], bins=edges)
    print('  per tenth of the frames: ' + ' '.join(map(str, counts)) +
          f' (frames {edges[0]}..{edges[-1] - 1})')
    print_tracks_on_nobody(hyp[best == 0], args.min_frames)
    print_missed_persons(missed_persons.scored_persons(gt, hyp), hyp)


def print_tracks_on_nobody(nobody: np.ndarray, min_frames: int) -> None:
    """One line per track with ``min_frames`` or more boxes that overlap no
    person: how many, over which frames, its median box and how far its
    centre moves."""
    ids, counts = np.unique(nobody['id'], return_counts=True)
    often = counts >= min_frames
    listed = ids[often][np.argsort(-counts[often])]
    print(f'  tracks with >= {min_frames} boxes on nobody: {len(listed)}')
    for track in listed:
        r = nobody[nobody['id'] == track]
        cx, cy = r['x'] + r['w'] / 2, r['y'] + r['h'] / 2
        spread = np.median(np.hypot(cx - np.median(cx), cy - np.median(cy)))
        box = ' '.join(f'{np.median(r[k]):.0f}' for k in ('x', 'y', 'w', 'h'))
        print(f'    id {track}: {len(r)} boxes, frames {r["frame"].min()}..'
              f'{r["frame"].max()}, median box x y w h {box}, centre '
              f'spread {spread:.1f} px, median score '
              f'{np.median(r["conf"]):.3f}')


def print_missed_persons(gt: np.ndarray, hyp: np.ndarray) -> None:
    """Scored persons without a tracker box at IoU >= 0.5, by the best IoU
    of a tracker box. A box at IoU 0.1-0.5 is either another person's (it
    covers someone else at IoU >= 0.5: the missed person is hidden next to
    a tracked one) or misplaced; for the misplaced ones, the median offset:
    |dx| / w, |dy| / h of the centres and the w, h ratios."""
    nearest = missed_persons.nearest_boxes(gt, hyp)
    best, hidden, misplaced = nearest.iou, nearest.hidden, nearest.misplaced
    missed = best < 0.5
    print(f'{len(gt)} scored persons in those frames, {missed.sum()} without '
          'a tracker box at IoU >= 0.5')
    for name, lo, hi in BANDS:
        band = missed & (best >= lo) & (best < hi)
        print(f'  best IoU {name.replace("nobody", "no box"):>10}: '
              f'{band.sum():5d}')
    print(f'  of the {nearest.near_miss.sum()} at IoU [0.1, 0.5): '
          f'{hidden.sum()} next to a tracked person whose box it is, '
          f'{misplaced.sum()} misplaced')
    if misplaced.any():
        g, b = gt[misplaced], hyp[nearest.index[misplaced]]
        dx, dy, w, h = np.median(
            np.stack([
                np.abs(b['x'] + b['w'] / 2 - g['x'] - g['w'] / 2) / g['w'],
                np.abs(b['y'] + b['h'] / 2 - g['y'] - g['h'] / 2) / g['h'],
                b['w'] / g['w'], b['h'] / g['h']
            ], 1), 0)
        print(f'  misplaced box, median: |dx|/w {dx:.2f}, |dy|/h {dy:.2f}, '
              f'width x{w:.2f}, height x{h:.2f}')


if __name__ == '__main__':
    main()
