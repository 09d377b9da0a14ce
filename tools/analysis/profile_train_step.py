"""Where a training step's time goes: per part of a two-stage detector.

    python tools/analysis/profile_train_step.py CONFIG [--iters 20] \\
        [--warmup 5] [--threads 2] [--ops 15] [--cfg-options K=V ...]

Builds the config's runner, initialises the weights (so a frozen backbone
is loaded as in training), draws ``--warmup + --iters`` batches from the
training dataloader first (loading is not timed), then runs the optimiser
wrapper's training step on each and prints, per timed iteration, the
median wall time of:

- ``backbone``, ``neck``: their forward passes;
- ``rpn``: RPN forward, anchor assignment, loss and proposals
  (``loss_and_predict``);
- ``roi``: RoI sampling, RoI feature extraction, the R-CNN head and its
  losses (``roi_head.loss``), memory updates included;
- ``backward``, ``step``: the optimiser wrapper's backward (clipping is in
  ``step``) and update;
- ``other``: the rest of the step (data preprocessor, loss parsing).

``--ops N`` adds torch.profiler's N most expensive operators by self CPU
time over the timed iterations, split by input shape, which names
kernels that no part above shows on its own (RoIAlign's backward runs
inside ``backward``).
"""
import argparse
import os.path as osp
import sys
import tempfile
import time
from typing import Callable, Dict, List

import numpy as np
import torch

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..', '..'))

PARTS = ('backbone', 'neck', 'rpn', 'roi', 'backward', 'step')


def timed_parts(model, optim_wrapper) -> Dict[str, float]:
    """Wrap the parts of ``model`` (an HMOT wrapper or a two-stage mmdet
    detector) and of the optimiser wrapper so that each call adds its wall
    time to the returned totals; a part the model lacks (no neck) is
    skipped.

    Returns:
        dict: part name → seconds spent in it since the caller last reset
        the entry (the caller reads and zeroes it after each step).
    """
    detector = getattr(model, 'detector', model)
    targets = {
        'backbone': (getattr(detector, 'backbone', None), 'forward'),
        'neck': (getattr(detector, 'neck', None), 'forward'),
        'rpn': (getattr(detector, 'rpn_head', None), 'loss_and_predict'),
        'roi': (getattr(detector, 'roi_head', None), 'loss'),
        'backward': (optim_wrapper, 'backward'),
        'step': (optim_wrapper, 'step'),
    }
    totals: Dict[str, float] = {}
    for part, (module, method) in targets.items():
        if module is not None:
            totals[part] = 0.0
            setattr(module, method,
                    _timer(getattr(module, method), totals, part))
    return totals


def _timer(fn: Callable, totals: Dict[str, float], part: str) -> Callable:

    def timed(*args, **kwargs):
        start = time.perf_counter()
        out = fn(*args, **kwargs)
        totals[part] += time.perf_counter() - start
        return out

    return timed


def breakdown(per_iter: Dict[str, List[float]],
              steps: List[float]) -> List[tuple]:
    """Rows (part, median ms per iteration, share of the median step).

    Args:
        per_iter: part → seconds in that part, one entry per timed
            iteration.
        steps: seconds per timed iteration.

    Returns:
        list of (name, ms, fraction) rows: the parts in PARTS order, then
        ``other`` (the median step minus the parts' medians) and
        ``step total``.
    """
    step = float(np.median(steps))
    rows, total = [], 0.0
    for part in PARTS:
        if part not in per_iter:
            continue
        seconds = float(np.median(per_iter[part]))
        total += seconds
        rows.append((part, seconds * 1e3, seconds / step))
    rows.append(('other', (step - total) * 1e3, (step - total) / step))
    rows.append(('step total', step * 1e3, 1.0))
    return rows


def parse_args():
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('--iters', type=int, default=20)
    parser.add_argument('--warmup', type=int, default=5)
    parser.add_argument(
        '--threads',
        type=int,
        default=None,
        help='torch.set_num_threads (default: torch\'s)')
    parser.add_argument(
        '--ops',
        type=int,
        default=0,
        help='also print the N costliest operators (torch.profiler)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args()
    for name, least in (('iters', 1), ('warmup', 0)):
        if getattr(args, name) < least:
            parser.error(f'--{name} {getattr(args, name)}: too small')
    if not osp.isfile(args.config):
        parser.error(f'config file not found: {args.config}')
    return args


def main() -> None:
    args = parse_args()
    from mmengine.config import Config
    from mmengine.runner import Runner

    import hmot_mm  # noqa: F401  (registers the project's modules)
    if args.threads:
        torch.set_num_threads(args.threads)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    # batches are drawn before the timing: loader workers buy nothing
    cfg.train_dataloader.update(num_workers=0, persistent_workers=False)
    with tempfile.TemporaryDirectory(prefix='profile_train_step_') as work:
        cfg.work_dir = work  # the runner's logs, deleted afterwards
        rows, ops = profile(
            Runner.from_cfg(cfg), args.warmup, args.iters, args.ops)
    print(f'{args.config}: {args.iters} iterations timed after '
          f'{args.warmup}, {torch.get_num_threads()} threads' +
          (' (under torch.profiler)' if args.ops else ''))
    print(f'{"part":12s} {"ms/iter":>8s} {"share":>6s}')
    for name, ms, share in rows:
        print(f'{name:12s} {ms:8.1f} {share * 100:5.1f}%')
    if ops:
        print(f'\n{"operator":32s} {"ms/iter":>8s} {"calls/iter":>10s}  '
              'input shapes')
        for e in ops:
            print(f'{e.key[:32]:32s} '
                  f'{e.self_cpu_time_total / 1e3 / args.iters:8.1f} '
                  f'{e.count / args.iters:10.1f}  {str(e.input_shapes)[:80]}')


def profile(runner, warmup: int, iters: int, num_ops: int = 0):
    """Run ``warmup`` untimed and ``iters`` timed training steps.

    Returns:
        tuple: :func:`breakdown`'s rows, and the ``num_ops`` costliest
        torch.profiler events of the timed steps (empty when 0).
    """
    model = runner.model
    if hasattr(model, 'init_weights'):
        model.init_weights()
    optim_wrapper = runner.build_optim_wrapper(runner.optim_wrapper)
    loader = iter(runner.train_dataloader)
    batches = [next(loader) for _ in range(warmup + iters)]
    model.train()
    for data in batches[:warmup]:
        model.train_step(data, optim_wrapper)
    totals = timed_parts(model, optim_wrapper)
    per_iter: Dict[str, List[float]] = {part: [] for part in totals}
    steps = []
    profiler = torch.profiler.profile(
        activities=[torch.profiler.ProfilerActivity.CPU],
        record_shapes=True) if num_ops else None
    if profiler:
        profiler.start()
    for data in batches[warmup:]:
        start = time.perf_counter()
        model.train_step(data, optim_wrapper)
        steps.append(time.perf_counter() - start)
        for part in totals:
            per_iter[part].append(totals[part])
            totals[part] = 0.0
    ops = []
    if profiler:
        profiler.stop()
        ops = sorted(
            profiler.key_averages(group_by_input_shape=True),
            key=lambda e: -e.self_cpu_time_total)[:num_ops]
    return breakdown(per_iter, steps), ops


if __name__ == '__main__':
    main()
