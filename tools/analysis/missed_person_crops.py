"""Crops of missed persons: a picture of what the tracker did near them.

    python tools/analysis/missed_person_crops.py GT.txt RESULTS.txt SOURCE \
        --out missed.png

Draws, for persons without a tracker box at IoU >= 0.5 whose nearest box is
at IoU 0.1-0.5 (``hmot_mm.evaluation.missed_persons``), the ground-truth box
(green) and that tracker box (red) on a crop around the person, labelled
with the frame, the IoU and the kind: ``hidden`` (the box is another
person's) or ``misplaced``. ``--count`` of them (of ``--kind``), drawn
at random (``--seed``) from the results' frames, in frame order, six per
row.
SOURCE is what ``tools/demo_track.py`` reads: a video, an image folder or a
MOTChallenge sequence.
"""
import argparse
import os.path as osp
import sys

import cv2
import numpy as np

sys.path.insert(0,
                osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
from hmot_mm.datasets.motchallenge_io import FrameReader, read_gt  # noqa: E402
from hmot_mm.evaluation import missed_persons  # noqa: E402

CROP_W, CROP_H, PER_ROW = 120, 160, 6


def crop(image: np.ndarray, person, box, label: str,
         zoom: float) -> np.ndarray:
    """A CROP_W x CROP_H window centred on ``person`` (x, y, w, h) with both
    boxes drawn, padded black at the image border, scaled by ``zoom``, and
    ``label``'s lines written at its top left."""
    image = image.copy()
    for (x, y, w, h), colour in ((person, (0, 255, 0)), (box, (0, 0, 255))):
        cv2.rectangle(image, (int(x), int(y)), (int(x + w), int(y + h)),
                      colour, 1)
    x0 = int(person[0] + person[2] / 2) - CROP_W // 2
    y0 = int(person[1] + person[3] / 2) - CROP_H // 2
    pad = max(CROP_W, CROP_H)
    padded = cv2.copyMakeBorder(image, pad, pad, pad, pad, cv2.BORDER_CONSTANT)
    window = padded[y0 + pad:y0 + pad + CROP_H, x0 + pad:x0 + pad + CROP_W]
    window = cv2.resize(
        window, (round(CROP_W * zoom), round(CROP_H * zoom)),
        interpolation=cv2.INTER_NEAREST)
    for line, text in enumerate(label.split('\n')):
        cv2.putText(window, text, (3, 13 + 14 * line),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.42, (255, 255, 255), 1)
    return window


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('gt', help='MOTChallenge gt.txt')
    parser.add_argument('results', help='MOTChallenge result rows')
    parser.add_argument('source', help='the frames: video, folder, sequence')
    parser.add_argument('--out', required=True, help='PNG to write')
    parser.add_argument('--count', type=int, default=12)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--zoom', type=float, default=2.0, help='scale of each crop')
    parser.add_argument(
        '--kind',
        choices=('all', 'hidden', 'misplaced'),
        default='all',
        help='draw from these missed persons only')
    args = parser.parse_args()
    if args.count < 1 or not args.zoom > 0:
        sys.exit(f'missed_person_crops: --count {args.count} must be >= 1 '
                 f'and --zoom {args.zoom} > 0')
    try:
        gt, hyp = read_gt(args.gt), read_gt(args.results)
        frames = FrameReader(args.source)
    except (OSError, ValueError) as e:
        sys.exit(f'missed_person_crops: {e}')
    gt = missed_persons.scored_persons(gt, hyp)
    nearest = missed_persons.nearest_boxes(gt, hyp)
    kinds = {
        'all': nearest.near_miss,
        'hidden': nearest.hidden,
        'misplaced': nearest.misplaced
    }
    near = np.nonzero(kinds[args.kind])[0]
    if not len(near):
        sys.exit(f'missed_person_crops: no {args.kind} missed person with a '
                 'tracker box at IoU 0.1-0.5')
    rng = np.random.default_rng(args.seed)
    picked = np.sort(
        rng.choice(near, min(args.count, len(near)), replace=False))
    wanted = {}
    for i in picked:
        wanted.setdefault(int(gt['frame'][i]), []).append(i)
    tiles = []
    for number, image in frames:
        for i in wanted.pop(number, []):
            person = [gt[k][i] for k in ('x', 'y', 'w', 'h')]
            box = [hyp[k][nearest.index[i]] for k in ('x', 'y', 'w', 'h')]
            kind = 'hidden' if nearest.hidden[i] else 'misplaced'
            tiles.append(
                crop(image, person, box,
                     f'{number} IoU {nearest.iou[i]:.2f}\n{kind}', args.zoom))
        if not wanted:
            break
    if wanted:
        sys.exit(f'missed_person_crops: {args.source} ends before frame '
                 f'{min(wanted)}')
    blank = np.zeros_like(tiles[0])
    tiles += [blank] * (-len(tiles) % PER_ROW)
    rows = [
        np.hstack(tiles[r:r + PER_ROW]) for r in range(0, len(tiles), PER_ROW)
    ]
    cv2.imwrite(args.out, np.vstack(rows))
    print(f'{len(picked)} of {len(near)} missed persons ({args.kind}) with a '
          f'box at IoU 0.1-0.5 -> {args.out}')


if __name__ == '__main__':
    main()
