"""Generate synthetic pedestrian sequences in MOTChallenge format.

    python tools/make_synthetic_mot.py --out data/synth/train --seqs 2 \
        --frames 200 --persons 12 --seed 0 --size 768x576

Writes DIR/SYNTH-01 .. SYNTH-K (seqinfo.ini, img1/, gt/gt.txt); sequence k
uses seed S + k - 1. ``--persons`` is the number of people in view at once
(about 10 is sparse, 150 or more a MOT20-like crowd).
"""
import argparse
import os.path as osp
import sys
import time

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from hmot_mm.datasets.synthetic import write_sequence  # noqa: E402


def parse_size(text: str) -> tuple:
    try:
        width, height = (int(v) for v in text.lower().split('x'))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f'--size {text!r}: expected WIDTHxHEIGHT, e.g. 768x576') from None
    return width, height


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--seqs', type=int, default=1)
    parser.add_argument('--frames', type=int, default=100)
    parser.add_argument(
        '--persons',
        type=int,
        default=12,
        help='people in view at once, on average')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--size', type=parse_size, default=(768, 576), help='WIDTHxHEIGHT')
    parser.add_argument('--fps', type=float, default=10.0)
    parser.add_argument('--overwrite', action='store_true')
    args = parser.parse_args()
    if args.seqs < 1:
        parser.error(f'--seqs must be >= 1, got {args.seqs}')
    for k in range(1, args.seqs + 1):
        start = time.time()
        try:
            seq = write_sequence(
                args.out,
                f'SYNTH-{k:02d}',
                args.frames,
                args.overwrite,
                size=args.size,
                persons=args.persons,
                seed=args.seed + k - 1,
                fps=args.fps)
        except (OSError, ValueError) as e:
            sys.exit(f'make_synthetic_mot: {e}')
        print(f'[{k}/{args.seqs}] {seq}: {args.frames} frames in '
              f'{time.time() - start:.1f} s')


if __name__ == '__main__':
    main()
