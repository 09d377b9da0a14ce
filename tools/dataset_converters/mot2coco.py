"""Convert MOTChallenge ground truth (MOT15/16/17/20) to COCO-VID files with
dense identities for training hmot_mm models.

    python tools/dataset_converters/mot2coco.py -i data/MOT17/train \
        -o data/MOT17/annotations --split-train [--vis-thr 0.1]

Writes ``train_cocoformat.json`` (and with ``--split-train`` the first and
second half of every sequence as ``half-train_``/``half-val_cocoformat.json``;
with ``--frames NAME:FIRST-LAST`` frames FIRST..LAST as
``NAME_cocoformat.json``, e.g. ``--frames train-sub:1-300`` to choose
settings on part of the training half; ``NAME:FIRST-LAST:without=1,13``
or ``...:only=1,13`` label only some identities and make the others
ignore regions, to hold identities out of training and score only them).
Only pedestrians are kept (class 1, conf 1); MOT17 keeps one detector copy.
Each file records ``num_ids``: set the model's ``num_ids`` to the printed N.
"""
import argparse
import os.path as osp
import re
import sys

sys.path.insert(0,
                osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
from hmot_mm.datasets import motchallenge_coco  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '-i',
        '--input',
        required=True,
        help='a sequence folder or a folder of sequences (e.g. MOT17/train)')
    parser.add_argument('-o', '--out-dir', required=True)
    parser.add_argument(
        '--split-train',
        action='store_true',
        help='also write half-train/half-val by frames')
    parser.add_argument(
        '--vis-thr',
        type=float,
        default=0.0,
        help='drop boxes less visible than this')
    parser.add_argument(
        '--mot17-detector', default='FRCNN', choices=['DPM', 'FRCNN', 'SDP'])
    parser.add_argument(
        '--image-root',
        help='what file names are relative to (default: '
        'the folder of the sequences)')
    parser.add_argument(
        '--frames',
        action='append',
        default=[],
        metavar='NAME:FIRST-LAST[:only=IDS|:without=IDS]',
        help='also write MOT frames FIRST..LAST of every sequence as '
        'NAME_cocoformat.json, labelling only the MOT ids IDS (comma-'
        'separated) or all but them; the others become ignore regions '
        '(repeatable)')
    parser.add_argument(
        '--overwrite',
        action='store_true',
        help='replace files in a non-empty --out-dir')
    args = parser.parse_args()
    splits = {}
    for text in args.frames:
        match = re.fullmatch(
                r'([\w.-]+):(\d+)-(\d+)(?::(only|without)=(\d+(?:,\d+)*))?',
                text)
        if match is None:
            parser.error(f'--frames {text!r}: expected NAME:FIRST-LAST, '
                         'e.g. train-sub:1-300, optionally :only=IDS or '
                         ':without=IDS, e.g. val-new:301-397:only=1,13')
        ids = frozenset(int(i) for i in (match[5] or '').split(',') if i)
        splits[match[1]] = motchallenge_coco.SplitSpec(
            int(match[2]),
            int(match[3]),
            only=ids if match[4] == 'only' else None,
            without=ids if match[4] == 'without' else frozenset())
    try:
        outputs = motchallenge_coco.convert(args.input, args.out_dir,
                                            args.split_train, args.vis_thr,
                                            args.mot17_detector,
                                            args.overwrite, args.image_root,
                                            splits)
    except (OSError, ValueError) as e:
        sys.exit(f'mot2coco: {e}')
    for name, content in outputs.items():
        ignored = sum(a['iscrowd'] for a in content['annotations'])
        print(f'{osp.join(args.out_dir, name)}: {len(content["videos"])} '
              f'sequences, {len(content["images"])} images, '
              f'{len(content["annotations"]) - ignored} boxes + {ignored} '
              f'ignore regions, num_ids N={content["num_ids"]}')


if __name__ == '__main__':
    main()
