"""Where a tracker's false positives are: by their best IoU with any
ground-truth person in the frame, and their size relative to that person.

    python tools/analysis/false_positive_breakdown.py GT.txt RESULTS.txt

A tracker box is a false positive here if no scored person (conf ≠ 0)
overlaps it at IoU ≥ 0.5 (a simpler rule than the CLEAR matching, which
also counts a second box on a matched person as FP; the totals are close).
"""
import argparse
import os.path as osp
import sys

import numpy as np

sys.path.insert(0,
                osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
from hmot_mm.datasets.motchallenge_io import read_gt  # noqa: E402
from hmot_mm.evaluation.mot_eval import boxes  # noqa: E402
from hmot_mm.utils import box_iou  # noqa: E402

BANDS = (('0 (nobody)', 0.0, 1e-9), ('(0, 0.1)', 1e-9, 0.1),
         ('[0.1, 0.3)', 0.1, 0.3), ('[0.3, 0.5)', 0.3, 0.5))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('gt', help='MOTChallenge gt.txt')
    parser.add_argument('results', help='MOTChallenge result rows')
    args = parser.parse_args()
    try:
        gt, hyp = read_gt(args.gt), read_gt(args.results)
    except (OSError, ValueError) as e:
        sys.exit(f'false_positive_breakdown: {e}')
    gt = gt[gt['conf'] != 0]
    best, size, frames = [], [], []
    for frame in np.unique(hyp['frame']):
        g, h = gt[gt['frame'] == frame], hyp[hyp['frame'] == frame]
        iou = box_iou(boxes(g), boxes(h)) if len(g) else np.zeros((1, len(h)))
        match = iou.argmax(0)
        best += list(iou.max(0))
        frames += [frame] * len(h)
        if len(g):
            size += list(np.sqrt(h['w'] * h['h'] / (g['w'] * g['h'])[match]))
        else:
            size += [np.nan] * len(h)
    best, size, frames = np.array(best), np.array(size), np.array(frames)
    fp = best < 0.5
    print(f'{len(best)} tracker boxes, {fp.sum()} without a person at '
          'IoU >= 0.5')
    for name, lo, hi in BANDS:
        band = fp & (best >= lo) & (best < hi)
        median = np.nanmedian(size[band]) if band.any() and lo else np.nan
        print(f'  best IoU {name:>10}: {band.sum():5d}, median size vs '
              f'that person {median:.2f}')
    edges = np.linspace(frames.min(), frames.max() + 1, 11).astype(int)
    counts, _ = np.histogram(frames[fp], bins=edges)
    print('  per tenth of the frames: ' + ' '.join(map(str, counts)) +
          f' (frames {edges[0]}..{edges[-1] - 1})')


if __name__ == '__main__':
    main()
