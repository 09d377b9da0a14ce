"""PreciseMemoryHook: after the last iteration it runs the training forward
on more batches without changing weights, and leaves the averaged lookup
table and the earlier snapshots' queue rows as the inference bank."""
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from hmot_mm.engine.hooks import PreciseMemoryHook
from hmot_mm.models.losses import iHOIMLoss


class EmbeddingModel(torch.nn.Module):
    """A model whose 'loss' forward feeds the batch's embeddings (through a
    linear layer, so weights exist) to an iHOIM loss."""

    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(4, 4)
        self.loss_reid = iHOIMLoss(num_ids=3, bg_queue_size=2, feat_dim=4)
        self.data_preprocessor = lambda batch, training: batch

    def _run_forward(self, data, mode):
        assert mode == 'loss' and self.training
        x = torch.nn.functional.normalize(self.linear(data['x']), dim=1)
        return self.loss_reid(x, data['labels'])


def batches(seed, count):
    rng = np.random.default_rng(seed)
    return [
        dict(
            x=torch.from_numpy(rng.normal(size=(5, 4))).float(),
            labels=torch.tensor([0, 1, 2, -1, -1]) if k %
            2 else torch.tensor([-1, 2, -1, -1, 0])) for k in range(count)
    ]


def test_hook_averages_snapshots_into_the_memory():
    torch.manual_seed(0)
    model = EmbeddingModel()
    data = batches(1, 6)
    weights = model.linear.weight.clone()
    # a second implementation: the same updates, snapshots every 2 batches
    reference = iHOIMLoss(num_ids=3, bg_queue_size=2, feat_dim=4)
    luts, queues = [], []
    with torch.no_grad():
        for k, batch in enumerate(data, 1):
            x = torch.nn.functional.normalize(model.linear(batch['x']), dim=1)
            reference.update_memory(x, batch['labels'])
            if k % 2 == 0:
                luts.append(reference.lookup_table.clone())
                queues.append(reference.bg_queue.clone())
    mean = torch.stack(luts).mean(0)
    expected_lut = mean / mean.norm(dim=1, keepdim=True)
    last = {tuple(r.tolist()) for r in queues[-1]}
    expected_bank = []
    for row in torch.cat(queues[:-1]):
        key = tuple(row.tolist())
        if key not in last and key not in map(tuple, expected_bank):
            expected_bank.append(key)

    hook = PreciseMemoryHook(num_iters=6, interval=2)
    runner = SimpleNamespace(
        model=model,
        train_loop=SimpleNamespace(dataloader_iterator=iter(data)),
        train_dataloader=None,
        iter=8,
        max_iters=10,
        logger=SimpleNamespace(info=lambda message: None))
    hook.before_train(runner)
    hook.after_train_iter(runner, 8)  # not the last iteration: nothing
    assert not model.loss_reid.lookup_table.any()
    model.train()
    runner.iter = 9
    hook.after_train_iter(runner, 9)
    loss = model.loss_reid
    assert torch.equal(model.linear.weight, weights)
    torch.testing.assert_close(loss.lookup_table, expected_lut)
    assert torch.equal(loss.bg_queue, queues[-1])
    assert [tuple(r.tolist()) for r in loss.bg_bank] == expected_bank
    assert len(expected_bank) > 0


@pytest.mark.parametrize('kwargs, message', [
    (dict(num_iters=0), 'num_iters must be a positive int'),
    (dict(num_iters=10, interval=3), 'interval=3 must divide num_iters=10'),
])
def test_bad_values(kwargs, message):
    with pytest.raises(ValueError, match=message):
        PreciseMemoryHook(**kwargs)


def test_model_without_ihoim_loss_fails_before_training():
    runner = SimpleNamespace(model=torch.nn.Linear(2, 2))
    with pytest.raises(RuntimeError, match='no iHOIMLoss'):
        PreciseMemoryHook().before_train(runner)
