"""Under torch.distributed, every rank ends with the same memory banks,
equal to one process updating with all ranks' batches in rank order."""
import numpy as np
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from hmot_mm.models.losses import OIMLoss, iHOIMLoss

LOSSES = {
    'ihoim': lambda: iHOIMLoss(num_ids=6, bg_queue_size=5, feat_dim=8),
    'oim': lambda: OIMLoss(num_ids=6, feat_dim=8),
}


def rank_batches(rank, steps=3):
    """Different batch sizes and contents on each rank."""
    rng = np.random.default_rng(100 + rank)
    batches = []
    for _ in range(steps):
        m = int(rng.integers(2, 9)) + 3 * rank
        x = rng.normal(size=(m, 8))
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        labels = rng.integers(-1, 6, size=m)
        batches.append((torch.from_numpy(x).float(), torch.from_numpy(labels)))
    return batches


def worker(rank, world_size, init_file, out_dir):
    dist.init_process_group(
        'gloo',
        init_method=f'file://{init_file}',
        rank=rank,
        world_size=world_size)
    for name, build in LOSSES.items():
        loss = build()
        for x, labels in rank_batches(rank):
            loss.update_memory(x, labels)
        torch.save(loss.state_dict(), f'{out_dir}/{name}_rank{rank}.pth')
    dist.destroy_process_group()


def test_two_ranks_keep_identical_buffers(tmp_path):
    mp.spawn(
        worker,
        args=(2, str(tmp_path / 'init'), str(tmp_path)),
        nprocs=2,
        join=True)
    for name, build in LOSSES.items():
        states = [
            torch.load(tmp_path / f'{name}_rank{r}.pth', weights_only=True)
            for r in range(2)
        ]
        single = build()
        for (x0, l0), (x1, l1) in zip(rank_batches(0), rank_batches(1)):
            single.update_memory(torch.cat([x0, x1]), torch.cat([l0, l1]))
        for key, value in single.state_dict().items():
            assert torch.equal(states[0][key], states[1][key]), (name, key)
            assert torch.equal(states[0][key], value), (name, key)
        for memory in ('lookup_table', 'bg_queue'):
            if memory in states[0]:  # OIM keeps no queue
                assert states[0][memory].abs().sum() > 0, (name, memory)
