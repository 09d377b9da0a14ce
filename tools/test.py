"""Test (and evaluate) a model: ``python tools/test.py CONFIG --checkpoint
CKPT`` for a whole model, or ``--detector CKPT`` to load only the detector
of a tracking model (as MMDetection's ``tools/test_tracking.py``).

Tracking results are written to ``<work_dir>/<timestamp>/track_results/
<SEQ>.txt`` (MOTChallenge rows) and the metric table is printed. Weights
load strictly: a checkpoint that does not fit the model is refused."""
import argparse
import os.path as osp
import sys

from mmengine.config import Config
from mmengine.model import is_model_wrapper
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))  # run_config
import run_config  # noqa: E402

from hmot_mm import apis  # noqa: E402
from hmot_mm.evaluation import MotMetricsMetric  # noqa: E402
from hmot_mm.utils import ConfigError  # noqa: E402
from hmot_mm.utils.checkpoint_compat import load_weights  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test a detector/tracker')
    run_config.add_common_args(parser)
    parser.add_argument('--checkpoint', help='checkpoint of the whole model')
    parser.add_argument(
        '--detector', help='checkpoint of the detector of a tracking model')
    args = parser.parse_args()
    if args.checkpoint and args.detector:
        parser.error('give --checkpoint or --detector, not both')
    if not (args.checkpoint or args.detector):
        parser.error('give --checkpoint (the whole model) or --detector (its '
                     'detector): without weights the test scores a randomly '
                     'initialised model')
    for path in (args.checkpoint, args.detector):
        if path and not osp.isfile(path):
            parser.error(f'checkpoint file not found: {path}')
    return args


def main() -> None:
    args = parse_args()
    try:
        cfg = run_config.load_run_config(args)
        apis.tracklet_interpolation(cfg)  # a bad setting, before the model
    except (OSError, ValueError) as e:
        sys.exit(f'test: {e}')
    cfg.load_from = None  # loaded strictly below, not by mmengine
    with run_config.distributed_session(cfg):
        run_test(args, cfg)


def run_test(args: argparse.Namespace, cfg: Config) -> None:
    """Build the runner, load the weights strictly, track and score."""
    try:
        runner = (
            Runner.from_cfg(cfg)
            if 'runner_type' not in cfg else RUNNERS.build(cfg))
    except ConfigError as e:
        sys.exit(f'test: {e}')
    model = runner.model.module if is_model_wrapper(
        runner.model) else runner.model
    if args.detector and not hasattr(model, 'detector'):
        sys.exit('test: --detector needs a tracking model with a detector; '
                 f'{args.config} builds {type(model).__name__}')
    try:
        if args.detector:
            load_weights(model.detector, args.detector)
        else:
            load_weights(model, args.checkpoint)
    except (OSError, ValueError) as e:
        sys.exit(f'test: {e}')
    for metric in runner.test_evaluator.metrics:
        if isinstance(metric, MotMetricsMetric) and not metric.results_dir:
            metric.results_dir = osp.join(runner.log_dir, 'track_results')
    try:
        runner.test()
    except ConfigError as e:
        sys.exit(f'test: {e}')


if __name__ == '__main__':
    main()
