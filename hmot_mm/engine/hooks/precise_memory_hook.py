"""Rebuilds the iHOIM memory with the final weights, averaged over batches
(as PreciseBN does for BatchNorm statistics)."""
from typing import Iterator, List, Optional

import torch
import torch.nn.functional as F
from mmdet.registry import HOOKS
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner.loops import _InfiniteDataloaderIterator

from ...models.losses import iHOIMLoss
from .memory_buffer_hook import MemoryBufferHook

DATA_BATCH = Optional[dict]


@HOOKS.register_module()
class PreciseMemoryHook(Hook):
    r"""After the last training iteration, refresh the memory with the final
    network for ``num_iters`` more batches (forward only, no weight
    change) and keep an average of it, before the checkpoint is written.

    With B ≈ N small (PETS09: 10 identities, 10 queue slots) the memory at
    the last iteration is a snapshot: the queue holds the hardest
    backgrounds of the last few batches, and each lookup-table row, at
    η = 0.5, mostly its identity's last two crops. A background that
    recurs in every frame (a sign) scores as a person in one snapshot and
    as background in the next, with the weights unchanged.

    Every ``interval`` batches the hook takes a snapshot; at the end

    .. math::
        W_{id} ← \mathrm{normalise}\big(\tfrac{1}{S}\sum_s
            W_{id}^{(s)}\big), \qquad
        W_{bank} = \bigcup_{s<S} W_{bg}^{(s)} \setminus W_{bg}^{(S)}

    the lookup table becomes the renormalised mean of the S snapshots, the
    queue keeps the last snapshot, and the other snapshots' distinct rows
    become the loss's inference bank (``iHOIMLoss.bg_bank``), which joins
    the queue at inference only, queue and bank together weighing as the B
    rows of training. Training itself is unchanged.

    The batches come from the training dataloader, through the model's
    training forward (so RoI sampling and augmentation are as in training)
    under ``torch.no_grad``; the memory update gathers each batch from all
    ranks, so the banks stay identical across ranks. The embedding head's
    BatchNorm statistics follow these batches as in any training forward.

    Args:
        num_iters (int): batches in the pass. Defaults to 200.
        interval (int): batches between snapshots; must divide
            ``num_iters``. Defaults to 25.
    """

    # after MemoryBufferHook's last update (NORMAL), before CheckpointHook
    priority = 'LOW'

    def __init__(self, num_iters: int = 200, interval: int = 25) -> None:
        for name, value in (('num_iters', num_iters), ('interval', interval)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(
                    f'{name} must be a positive int, got {value!r}')
        if num_iters % interval:
            raise ValueError(f'interval={interval} must divide '
                             f'num_iters={num_iters}')
        self.num_iters = num_iters
        self.interval = interval

    @staticmethod
    def _losses(runner) -> List[iHOIMLoss]:
        return [
            loss for loss in MemoryBufferHook.memory_losses(runner)
            if isinstance(loss, iHOIMLoss)
        ]

    def before_train(self, runner) -> None:
        if not self._losses(runner):
            raise RuntimeError('PreciseMemoryHook found no iHOIMLoss in the '
                               'model: remove the hook or use an iHOIM head')

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: DATA_BATCH = None,
                         outputs: Optional[dict] = None) -> None:
        if not self.is_last_train_iter(runner):
            return
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        losses = self._losses(runner)
        # the iteration loop's own iterator, else one that restarts epochs
        batches = getattr(runner.train_loop, 'dataloader_iterator', None) \
            or _InfiniteDataloaderIterator(runner.train_dataloader)
        self.refresh(model, batches, losses)
        runner.logger.info(
            f'PreciseMemoryHook: {self.num_iters} batches, '
            f'{self.num_iters // self.interval} snapshots; inference bank ' +
            ', '.join(f'{len(loss.bg_bank)} rows' for loss in losses))

    def refresh(self, model: torch.nn.Module, batches: Iterator[dict],
                losses: List[iHOIMLoss]) -> None:
        """Run the pass on ``model`` (its training forward, mode 'loss')
        over ``num_iters`` batches of ``batches`` and write the averaged
        memory into ``losses``."""
        lut_sums = [torch.zeros_like(loss.lookup_table) for loss in losses]
        queues = [[] for _ in losses]
        was_training = model.training
        model.train()
        with torch.no_grad():
            for step in range(1, self.num_iters + 1):
                data = model.data_preprocessor(next(batches), True)
                model._run_forward(data, mode='loss')
                for loss in losses:
                    loss.update_memory_from_last_forward()
                if step % self.interval == 0:
                    for loss, lut_sum, queue in zip(losses, lut_sums, queues):
                        lut_sum += loss.lookup_table
                        queue.append(loss.bg_queue.clone())
        model.train(was_training)
        for loss, lut_sum, queue in zip(losses, lut_sums, queues):
            loss.lookup_table.copy_(F.normalize(lut_sum, dim=1))
            # the last snapshot's rows are the queue's, so they are excluded
            loss.set_bg_bank(distinct_rows_not_in(torch.cat(queue), queue[-1]))


def distinct_rows_not_in(rows: torch.Tensor,
                         exclude: torch.Tensor) -> torch.Tensor:
    """The distinct written (non-zero) rows of ``rows`` (K, d) that are not
    rows of ``exclude``, in order of first appearance."""
    if not len(rows):
        return rows
    both = torch.cat([exclude, rows])
    # one group per distinct row; a row is kept where its group first
    # appears, and that is not in ``exclude``
    _, group = torch.unique(both, dim=0, return_inverse=True)
    position = torch.arange(len(both), device=both.device)
    first = position.new_full((int(group.max()) + 1, ), len(both))
    first = first.scatter_reduce(0, group, position, reduce='amin')
    in_rows = position[len(exclude):]
    keep = (first[group[in_rows]] == in_rows) & (rows.norm(dim=1) > 0)
    return rows[keep]
