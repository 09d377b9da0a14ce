"""Test helper imported by a config (custom_imports): save every rank's
memory banks after a distributed run."""
import os.path as osp

import torch
from mmdet.registry import HOOKS
from mmengine.dist import get_rank
from mmengine.hooks import Hook

from hmot_mm.engine.hooks import MemoryBufferHook


@HOOKS.register_module()
class RankMemoryDumpHook(Hook):
    """Write ``memory_rank{R}.pth`` with each memory loss's buffers."""

    def after_run(self, runner) -> None:
        state = {}
        for i, loss in enumerate(MemoryBufferHook.memory_losses(runner)):
            for name, buf in loss.named_buffers():
                state[f'{i}.{name}'] = buf.detach().cpu().clone()
        torch.save(state,
                   osp.join(runner.work_dir, f'memory_rank{get_rank()}.pth'))
