"""Train a model from a config: ``python tools/train.py CONFIG [options]``.

As MMDetection's ``tools/train.py``: mmengine's Runner does the work; the
config loads hmot_mm through ``custom_imports``.
"""
import argparse
import os.path as osp
import sys

from mmengine.registry import RUNNERS
from mmengine.runner import Runner

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))  # run_config
import run_config  # noqa: E402

from hmot_mm.utils import ConfigError  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a detector/tracker')
    run_config.add_common_args(parser)
    parser.add_argument(
        '--amp', action='store_true', help='automatic mixed precision')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the learning rate by the real batch size')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from this checkpoint, or, without a value, from the '
        'latest checkpoint in the work dir')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    try:
        cfg = run_config.load_run_config(args)
    except (OSError, ValueError) as e:
        sys.exit(f'train: {e}')
    if args.amp:
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.loss_scale = 'dynamic'
    if args.auto_scale_lr:
        if 'auto_scale_lr' not in cfg:
            raise KeyError(f'{args.config} has no auto_scale_lr settings')
        cfg.auto_scale_lr.enable = True
    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif args.resume is not None:
        if not osp.isfile(args.resume):
            raise FileNotFoundError(f'checkpoint not found: {args.resume}')
        cfg.resume, cfg.load_from = True, args.resume

    with run_config.distributed_session(cfg):
        try:
            runner = (
                Runner.from_cfg(cfg)
                if 'runner_type' not in cfg else RUNNERS.build(cfg))
            runner.train()
        except ConfigError as e:
            sys.exit(f'train: {e}')


if __name__ == '__main__':
    main()
