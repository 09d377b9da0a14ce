"""Test helper imported by a config (custom_imports) to run mmengine's DDP
on CPU processes with gloo, and to save every rank's memory banks.

mmengine 0.10.7's ``pytorch`` launcher calls ``torch.cuda.set_device``
unconditionally; on a machine without CUDA this helper makes that call a
no-op (for the test process only), and the test config passes
``model_wrapper_cfg=dict(device_ids=None)`` as DDP wants for CPU modules.
"""
import os.path as osp

import torch
from mmdet.registry import HOOKS
from mmengine.dist import get_rank
from mmengine.hooks import Hook

from hmot_mm.engine.hooks import MemoryBufferHook

if not torch.cuda.is_available():
    torch.cuda.set_device = lambda device: None


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
