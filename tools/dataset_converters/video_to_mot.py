"""Turn a video into a MOTChallenge sequence folder (img1/, seqinfo.ini and,
when ground truth is given or found, gt/gt.txt).

    python tools/dataset_converters/video_to_mot.py \
        ../shared/data/PETS09-S2L1 --out-dir data/PETS09/train
    python tools/dataset_converters/video_to_mot.py clip.mp4 \
        --out-dir data/mine [--gt gt.txt]
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0,
                osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
from hmot_mm.datasets.motchallenge_io import video_to_sequence  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        'source', help='a video file, or a sequence folder with one')
    parser.add_argument('--out-dir', required=True)
    parser.add_argument('--name', help='sequence name')
    parser.add_argument('--gt', help='MOTChallenge gt file to copy')
    parser.add_argument('--fps', type=float, help='frame rate')
    parser.add_argument('--overwrite', action='store_true')
    args = parser.parse_args()
    try:
        seq = video_to_sequence(args.source, args.out_dir, args.name, args.gt,
                                args.fps, args.overwrite)
    except (OSError, ValueError) as e:
        sys.exit(f'video_to_mot: {e}')
    print(f'wrote {seq}')


if __name__ == '__main__':
    main()
