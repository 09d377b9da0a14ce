"""Test (and evaluate) a model: ``python tools/test.py CONFIG --checkpoint
CKPT`` for a whole model, or ``--detector CKPT`` to load only the detector
of a tracking model (as MMDetection's ``tools/test_tracking.py``).

Tracking results are written to ``<work_dir>/<timestamp>/track_results/
<SEQ>.txt`` (MOTChallenge rows) and the metric table is printed."""
import argparse
import os.path as osp
import sys

from mmengine.model import is_model_wrapper
from mmengine.registry import RUNNERS
from mmengine.runner import Runner
from mmengine.runner.checkpoint import load_checkpoint

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from hmot_mm.evaluation import MotMetricsMetric  # noqa: E402
from hmot_mm.utils import add_common_args, load_run_config  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test a detector/tracker')
    add_common_args(parser)
    parser.add_argument('--checkpoint', help='checkpoint of the whole model')
    parser.add_argument(
        '--detector', help='checkpoint of the detector of a tracking model')
    args = parser.parse_args()
    if args.checkpoint and args.detector:
        parser.error('give --checkpoint or --detector, not both')
    for path in (args.checkpoint, args.detector):
        if path and not osp.isfile(path):
            parser.error(f'checkpoint file not found: {path}')
    return args


def main() -> None:
    args = parse_args()
    cfg = load_run_config(args)
    cfg.load_from = args.checkpoint
    runner = (
        Runner.from_cfg(cfg)
        if 'runner_type' not in cfg else RUNNERS.build(cfg))
    if args.detector:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        if not hasattr(model, 'detector'):
            raise ValueError(f'--detector needs a tracking model with a '
                             f'detector; {args.config} builds '
                             f'{type(model).__name__}')
        load_checkpoint(model.detector, args.detector, map_location='cpu')
    for metric in runner.test_evaluator.metrics:
        if isinstance(metric, MotMetricsMetric) and not metric.results_dir:
            metric.results_dir = osp.join(runner.log_dir, 'track_results')
    runner.test()


if __name__ == '__main__':
    main()
