"""MemoryBufferHook: it checks N against the data before training, updates
the memory banks after each iteration and warns once on unknown ids."""
from types import SimpleNamespace

import pytest
import torch
from mmdet.structures import DetDataSample
from mmengine.logging import MessageHub, MMLogger
from mmengine.structures import InstanceData

from hmot_mm.engine.hooks import MemoryBufferHook


def fake_runner(model, data_ids=None):
    """A runner whose training data (inside a RepeatDataset-like wrapper)
    holds ``data_ids`` identities."""
    frames = SimpleNamespace(num_ids=data_ids, ann_file='ann.json')
    return SimpleNamespace(
        model=model,
        train_dataloader=SimpleNamespace(
            dataset=SimpleNamespace(dataset=frames)),
        logger=MMLogger.get_instance('hook_test'),
        message_hub=MessageHub.get_instance('hook_test'))


def test_hook_stops_before_training_when_n_is_too_small():
    from hmot_mm.models.losses import iHOIMLoss
    from hmot_mm.utils import ConfigError
    model = torch.nn.Sequential(
        iHOIMLoss(num_ids=2, bg_queue_size=4, feat_dim=2))
    MemoryBufferHook().before_train(fake_runner(model, data_ids=2))
    with pytest.raises(
            ConfigError, match='ann.json holds 3 identities .* num_ids=2'):
        MemoryBufferHook().before_train(fake_runner(model, data_ids=3))


def test_hook_updates_memory_and_warns_once(caplog):
    from hmot_mm.models.losses import iHOIMLoss
    model = torch.nn.Sequential(
        iHOIMLoss(num_ids=2, bg_queue_size=4, feat_dim=2))
    loss = model[0]
    runner = fake_runner(model)
    hook = MemoryBufferHook()
    hook.before_train(runner)
    model.train()
    x = torch.tensor([[1., 0.], [0., 1.]])
    loss(x, torch.tensor([1, -1]))
    hook.after_train_iter(runner, 0)
    assert loss.lookup_table[1].tolist() == [1., 0.]
    assert runner.message_hub.get_scalar('train/bg_queue_fill').current() \
        == 0.25
    hook.after_train_iter(runner, 1)  # nothing new seen: no second update
    assert (loss.bg_queue.norm(dim=1) > 0).sum() == 1

    def batch(ids):
        sample = DetDataSample()
        sample.gt_instances = InstanceData(instances_ids=torch.tensor(ids))
        return dict(data_samples=[sample])

    warnings = []
    runner.logger.warning = warnings.append
    hook.before_train_iter(runner, 2, batch([0, 1]))
    hook.before_train_iter(runner, 3, batch([0, 5]))
    hook.before_train_iter(runner, 4, batch([7]))
    assert len(warnings) == 1
    assert 'identity 5' in warnings[0] and 'num_ids=2' in warnings[0]


def test_hook_without_memory_loss_fails_clearly():
    with pytest.raises(RuntimeError, match='no iHOIMLoss/OIMLoss'):
        MemoryBufferHook().before_train(fake_runner(torch.nn.Linear(2, 2)))
