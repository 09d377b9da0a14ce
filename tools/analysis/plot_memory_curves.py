"""Plot training curves of memory-bank models from mmengine's logs.

    python tools/analysis/plot_memory_curves.py RUN_DIR[:LABEL] ... \\
        --out curves.png [--keys loss_det lut_bg_cos]

Each RUN_DIR is a ``--work-dir`` of ``tools/train.py`` (its newest
``<timestamp>/vis_data/scalars.json`` is read). One panel per key; the
default keys are the detection loss and the mean cosine between lookup
table and background queue rows that ``MemoryBufferHook`` logs, which
together show whether the memory collapsed (cosine → 1, loss_det stuck
at chance, ln 2 ≈ 0.69).
"""
import argparse
import glob
import json
import os.path as osp
import sys
from typing import Dict, List, Tuple

CHANCE = {'loss_det': 0.6931}


def read_scalars(run_dir: str) -> List[dict]:
    """The logged records of the newest run in ``run_dir``."""
    logs = sorted(
        glob.glob(osp.join(run_dir, '*', 'vis_data', 'scalars.json')))
    if not logs:
        raise FileNotFoundError(
            f'{run_dir}: no <timestamp>/vis_data/scalars.json (is it a '
            'tools/train.py --work-dir?)')
    records = []
    with open(logs[-1]) as f:
        for number, line in enumerate(f, 1):
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise ValueError(f'{logs[-1]}:{number}: not JSON ({e})')
    return records


def curves(records: List[dict],
           keys: List[str]) -> Dict[str, Tuple[list, list]]:
    """key → (iterations, values) of the training records holding it."""
    out = {k: ([], []) for k in keys}
    for r in records:
        for k in keys:
            if k in r and 'iter' in r and 'lr' in r:  # training records
                out[k][0].append(r['iter'])
                out[k][1].append(r[k])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('runs', nargs='+', help='RUN_DIR or RUN_DIR:LABEL')
    parser.add_argument('--out', required=True, help='PNG to write')
    parser.add_argument(
        '--keys', nargs='+', default=['loss_det', 'lut_bg_cos'])
    parser.add_argument('--title', default='')
    args = parser.parse_args()
    if not args.out.endswith('.png'):
        sys.exit(f'--out {args.out}: must be a .png file')
    if not osp.isdir(osp.dirname(osp.abspath(args.out))):
        sys.exit(f'--out {args.out}: its folder does not exist')
    runs = []
    for spec in args.runs:
        run_dir, _, label = spec.partition(':')
        try:
            runs.append((label or osp.basename(osp.normpath(run_dir)),
                         curves(read_scalars(run_dir), args.keys)))
        except (OSError, ValueError) as e:
            sys.exit(str(e))
    for label, data in runs:
        missing = [k for k in args.keys if not data[k][0]]
        if missing:
            sys.exit(f'{label}: no logged values of {", ".join(missing)}')

    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(
        1, len(args.keys), figsize=(5 * len(args.keys), 3.6), squeeze=False)
    for ax, key in zip(axes[0], args.keys):
        for label, data in runs:
            ax.plot(*data[key], label=label)
        if key in CHANCE:
            ax.axhline(
                CHANCE[key], color='grey', ls='--', lw=1, label='chance')
        ax.set_xlabel('iteration')
        ax.set_title(key)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    if args.title:
        fig.suptitle(args.title)
    fig.tight_layout()
    fig.savefig(args.out, dpi=110)
    print(f'wrote {args.out}')


if __name__ == '__main__':
    main()
