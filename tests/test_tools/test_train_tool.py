"""tools/train.py on a project config: train, checkpoint, resume; and a bad
config value fails with the registry's own message."""
import os.path as osp

import pytest
import torch
from conftest import ROOT, run_dist_tool, run_tool, tiny_config

IHOIM_CONFIG = 'configs/hmot/ihoim_faster-rcnn_r50_fpn_22e_mot16.py'
MEMORY = 'detector.roi_head.bbox_head.loss_reid.'


@pytest.fixture(scope='module')
def trained(tiny_frames, tmp_path_factory):
    """2 iterations, then --resume from iter_2.pth up to iteration 4."""
    work = tmp_path_factory.mktemp('train')
    config = str(work / 'tiny_ihoim.py')
    tiny_config(IHOIM_CONFIG, tiny_frames[0], str(work)).dump(config)
    first = run_tool('tools/train.py', config)
    assert first.returncode == 0, first.stderr[-3000:]
    resumed = run_tool('tools/train.py', config, '--resume',
                       str(work / 'iter_2.pth'), '--cfg-options',
                       'train_cfg.max_iters=4')
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    return work, config, resumed.stdout + resumed.stderr


def test_resume_continues_iteration_count(trained):
    work, _, log = trained
    assert 'resumed epoch: 0, iter: 2' in log
    assert 'Iter(train) [3/4]' in log and 'Iter(train) [1/4]' not in log
    ckpt2 = torch.load(work / 'iter_2.pth', map_location='cpu')
    ckpt4 = torch.load(work / 'iter_4.pth', map_location='cpu')
    assert (ckpt2['meta']['iter'], ckpt4['meta']['iter']) == (2, 4)
    # the memory kept changing after the resume
    assert not torch.equal(ckpt2['state_dict'][MEMORY + 'bg_queue'],
                           ckpt4['state_dict'][MEMORY + 'bg_queue'])


def test_resume_restores_memory_bank_bit_for_bit(trained):
    from mmengine.config import Config
    from mmengine.runner import Runner
    work, config, _ = trained
    cfg = Config.fromfile(config)
    cfg.work_dir = str(work / 'reload')
    cfg.resume, cfg.load_from = True, str(work / 'iter_2.pth')
    runner = Runner.from_cfg(cfg)
    runner.load_or_resume()
    saved = torch.load(work / 'iter_2.pth', map_location='cpu')['state_dict']
    loss = runner.model.detector.roi_head.bbox_head.loss_reid
    for name in ('lookup_table', 'bg_queue', 'bg_importance'):
        assert torch.equal(getattr(loss, name), saved[MEMORY + name]), name
    assert loss.memory_stats()['bg_queue_fill'] == 1  # the queue was filled
    assert runner.iter == 2


def test_unknown_component_type_names_it(tiny_frames, tmp_path):
    config = str(tmp_path / 'bad.py')
    cfg = tiny_config(IHOIM_CONFIG, tiny_frames[0], str(tmp_path))
    cfg.model.detector.roi_head.bbox_head.type = 'NoSuchBBoxHead'
    cfg.dump(config)
    result = run_tool('tools/train.py', config)
    assert result.returncode != 0
    assert result.stderr.count('Traceback') == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("KeyError: 'NoSuchBBoxHead is not in the "
                           'mmdet::model registry')


def test_missing_config_file_is_named(tmp_path):
    result = run_tool('tools/train.py', str(tmp_path / 'nope.py'))
    assert result.returncode != 0
    assert f'config file not found: {tmp_path / "nope.py"}' in result.stderr


def test_plain_torch_load_needs_the_fix(trained):
    """Without hmot_mm, torch.load's weights_only default rejects a runner
    checkpoint; importing hmot_mm allows exactly its types."""
    ckpt = str(trained[0] / 'iter_2.pth')
    code = ('import torch, sys; c = torch.load(sys.argv[1]); '
            'print(sorted(c["message_hub"]["log_scalars"]))')
    plain = run_tool('-c', code, ckpt)
    assert plain.returncode != 0
    assert 'HistoryBuffer' in plain.stderr
    fixed = run_tool('-c', 'import hmot_mm; ' + code, ckpt)
    assert fixed.returncode == 0, fixed.stderr[-2000:]
    assert "'train/loss_det'" in fixed.stdout


def test_ddp_training_keeps_memory_identical_across_ranks(
        tiny_frames, tmp_path):
    """tools/dist_train.sh with 2 CPU processes, the config's backend as
    mmdet's runtime states it (NCCL; the tool starts gloo without CUDA):
    after training, both ranks hold bit-identical lookup tables, queues and
    (after PreciseMemoryHook's pass) inference banks."""
    config = str(tmp_path / 'tiny_ddp.py')
    cfg = tiny_config(IHOIM_CONFIG, tiny_frames[0], str(tmp_path), max_iters=4)
    cfg.custom_imports.imports.append('ddp_cpu_helpers')
    cfg.custom_hooks += [
        dict(type='PreciseMemoryHook', num_iters=4, interval=1),
        dict(type='RankMemoryDumpHook')
    ]
    cfg.env_cfg.dist_cfg = dict(backend='nccl')
    cfg.dump(config)
    result = run_dist_tool(
        'tools/dist_train.sh',
        config,
        port=29517,
        pythonpath=osp.join(ROOT, 'tests'))
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    assert 'Distributed training: True' in output
    ranks = [torch.load(tmp_path / f'memory_rank{r}.pth') for r in (0, 1)]
    assert ranks[0].keys() == ranks[1].keys()
    for key in ranks[0]:
        assert torch.equal(ranks[0][key], ranks[1][key]), key
    assert ranks[0]['0.bg_queue'].norm(dim=1).min() > 0  # queue filled
    assert len(ranks[0]['0.bg_bank']) > 0  # PreciseMemoryHook's bank
