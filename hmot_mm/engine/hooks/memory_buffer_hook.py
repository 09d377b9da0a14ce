"""Updates the memory banks of OIM-family losses after every iteration."""
import math
from typing import List, Optional

from mmdet.registry import HOOKS
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from ...models.losses import MemoryBankLoss
from ...utils import ConfigError

DATA_BATCH = Optional[dict]


@HOOKS.register_module()
class MemoryBufferHook(Hook):
    """Feed each memory-bank loss the batch it saw, after the optimiser step.

    Every :class:`MemoryBankLoss` in the model (``iHOIMLoss``, ``OIMLoss``)
    keeps the embeddings and labels of its last training forward; after
    each train iteration this hook calls ``update_memory`` on them (the
    lookup table's momentum update and the queue's refresh), which gathers
    the batch from all ranks so the banks stay identical across ranks. It
    logs what each loss's ``memory_stats()`` reports (``train/<name>``):
    fill levels, the mean cosine between lookup-table rows and, for iHOIM,
    between table and queue rows, the sign of a collapse.

    Before training it compares each loss's N with the identities the
    training dataset holds (``num_ids`` of a :class:`MOTFrameDataset`,
    inside any dataset wrappers) and stops if N is smaller. Before an
    iteration it looks at the ground-truth identities of the batch and
    warns once if any is ≥ N; the loss then raises an error that names N
    and the label.
    """

    priority = 'NORMAL'  # before LoggerHook, so this iteration's logs show

    def __init__(self) -> None:
        self._warned = False

    @staticmethod
    def memory_losses(runner) -> List[MemoryBankLoss]:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        return [m for m in model.modules() if isinstance(m, MemoryBankLoss)]

    def before_train(self, runner) -> None:
        if not self.memory_losses(runner):
            raise RuntimeError(
                'MemoryBufferHook found no iHOIMLoss/OIMLoss in the model: '
                'remove the hook or use an iHOIM/OIM box head')
        dataset = runner.train_dataloader.dataset
        while not hasattr(dataset, 'num_ids') and hasattr(dataset, 'dataset'):
            dataset = dataset.dataset  # RepeatDataset, ClassBalanced...
        data_ids = getattr(dataset, 'num_ids', None)
        for loss in self.memory_losses(runner):
            if data_ids is not None and loss.num_ids < data_ids:
                raise ConfigError(
                    f'{getattr(dataset, "ann_file", "the training data")} '
                    f'holds {data_ids} identities but {type(loss).__name__} '
                    f'has num_ids={loss.num_ids}: set the model\'s num_ids '
                    f'to {data_ids}')

    def before_train_iter(self,
                          runner,
                          batch_idx: int,
                          data_batch: DATA_BATCH = None) -> None:
        if self._warned or not data_batch:
            return
        ids = [
            sample.gt_instances.instances_ids
            for sample in data_batch.get('data_samples', [])
            if 'instances_ids' in sample.get('gt_instances', {})
        ]
        for loss in self.memory_losses(runner):
            too_large = [
                int(i.max()) for i in ids
                if i.numel() and int(i.max()) >= loss.num_ids
            ]
            if too_large:
                self._warned = True
                runner.logger.warning(
                    f'ground-truth identity {max(too_large)} does not fit '
                    f'the lookup table of {type(loss).__name__} (num_ids='
                    f'{loss.num_ids}); set num_ids to the N reported by the '
                    'dataset converter')

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: DATA_BATCH = None,
                         outputs: Optional[dict] = None) -> None:
        for loss in self.memory_losses(runner):
            if not loss.update_memory_from_last_forward():
                continue
            for name, value in loss.memory_stats().items():
                if math.isfinite(value):
                    runner.message_hub.update_scalar(f'train/{name}', value)
