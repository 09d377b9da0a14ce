"""Evaluate MOTChallenge tracking results.

    python tools/eval_mot.py GT_ROOT RESULTS_DIR [--out FILE.json]

GT_ROOT holds sequence folders (``<SEQ>/gt/gt.txt``, ``seqinfo.ini``);
RESULTS_DIR holds ``<SEQ>.txt`` in MOTChallenge format. Prints HOTA
(TrackEval) and the CLEAR/identity metrics (motmetrics) per sequence and
COMBINED; ``--out`` writes them as JSON, keyed by sequence then metric,
ratios as fractions.
"""
import argparse
import json
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from hmot_mm.evaluation import evaluate_folders, format_table  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('gt_root', help='folder of sequence folders')
    parser.add_argument('results_dir', help='folder of <SEQ>.txt files')
    parser.add_argument('--out', help='write the metrics here as JSON')
    args = parser.parse_args()
    if args.out is not None:
        parent = osp.dirname(osp.abspath(args.out))
        if osp.isdir(args.out):
            parser.error(f'--out {args.out}: is a folder; give a file name')
        if not osp.isdir(parent):
            parser.error(f'--out {args.out}: folder {parent} does not exist')
    try:
        results = evaluate_folders(args.gt_root, args.results_dir)
    except (OSError, ValueError) as e:
        sys.exit(f'eval_mot: {e}')
    print(format_table(results))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(results, f, indent=2)


if __name__ == '__main__':
    main()
