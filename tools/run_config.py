"""What ``tools/train.py`` and ``tools/test.py`` share: the common command
line options and building the runner's config from them."""
import argparse
import os
import os.path as osp
from contextlib import contextmanager
from typing import Iterator

import torch
import torch.distributed as torch_dist
from mmengine.config import Config, DictAction

from hmot_mm.utils import ConfigError


def add_common_args(parser: argparse.ArgumentParser) -> None:
    """Add ``config``, ``--work-dir``, ``--cfg-options``, ``--launcher`` and
    ``--local-rank`` to a tool's parser."""
    parser.add_argument('config', help='config file path')
    parser.add_argument('--work-dir', help='where to save logs and outputs')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, key=value (e.g. '
        'train_cfg.max_epochs=2)')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local-rank', '--local_rank', type=int, default=0)


def load_run_config(args: argparse.Namespace) -> Config:
    """Read ``args.config`` and apply the common options.

    Returns:
        Config: with ``launcher``, overrides and ``work_dir`` (default
        ``./work_dirs/<config name>``) set.

    Raises:
        FileNotFoundError: no such config file.
        ConfigError: a ``--cfg-options`` key below a setting the config
            lacks.
    """
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    if not osp.isfile(args.config):
        raise FileNotFoundError(f'config file not found: {args.config}')
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        for key in args.cfg_options:
            check_override_path(cfg, key)
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    return cfg


def check_override_path(cfg: Config, key: str) -> None:
    """Every level above the last of a ``--cfg-options`` key must exist in
    ``cfg`` (the last may be new: a constructor argument the config leaves
    at its default), so a typo such as ``model.detectr.x=1`` is named
    instead of silently adding a setting nothing reads.

    Raises:
        ConfigError: naming the first missing level.
    """
    node, parts = cfg, key.split('.')
    for depth, part in enumerate(parts[:-1], start=1):
        if isinstance(node, (list, tuple)) and part.isdigit():
            found = int(part) < len(node)
            node = node[int(part)] if found else None
        else:
            found = hasattr(node, 'keys') and part in node
            node = node[part] if found else None
        if not found:
            raise ConfigError(f'--cfg-options {key}: the config has no '
                              f'{".".join(parts[:depth])}')


@contextmanager
def distributed_session(cfg: Config) -> Iterator[None]:
    """Run a tool's body under ``cfg.launcher``'s process group, and destroy
    the group when the body ends (so no rank exits while gloo's or NCCL's
    threads still run), after a barrier when the body ended normally.

    Under ``--launcher pytorch`` on a machine without CUDA the group is
    started here, on gloo, before the Runner is built: mmengine 0.10.7's
    launcher calls ``torch.cuda.set_device`` and defaults to NCCL, so a CPU
    run would stop there; the Runner finds the group and skips its own.
    DDP then wraps the CPU model with ``device_ids=None``. Everything else
    (GPUs, other launchers, one process) is mmengine's as before.
    """
    if cfg.launcher == 'pytorch' and not torch.cuda.is_available():
        backend = cfg.get('env_cfg', {}).get('dist_cfg', {}).get('backend')
        torch_dist.init_process_group(
            backend='gloo' if backend in (None, 'nccl') else backend)
        wrapper = cfg.get('model_wrapper_cfg') or dict(
            type='MMDistributedDataParallel',
            broadcast_buffers=False,
            find_unused_parameters=cfg.get('find_unused_parameters', False))
        wrapper.setdefault('device_ids', None)
        cfg.model_wrapper_cfg = wrapper
    try:
        yield
        if torch_dist.is_available() and torch_dist.is_initialized():
            # every rank ends its work before any tears the group down
            torch_dist.barrier()
    finally:
        if torch_dist.is_available() and torch_dist.is_initialized():
            torch_dist.destroy_process_group()
