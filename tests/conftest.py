"""Shared fixtures: a few generated MOT frames with identities, and a
CPU-sized copy of a project config that trains on them."""
import json
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)

# the real video, read from ../shared beside the checkout when it is there
PETS = osp.normpath(osp.join(ROOT, '..', 'shared', 'data', 'PETS09-S2L1'))
needs_pets = pytest.mark.skipif(
    not osp.isdir(PETS),
    reason=f'PETS09-S2L1 not found at {PETS} (../shared beside the checkout)')

NUM_IDS = 3
IMG_SIZE = (160, 128)  # width, height


def people_frames(num_frames=6, seed=0):
    """Yield ``(t, BGR image, [(pid, x, y, w, h), ...])``: three coloured
    'people' (head + body) walking across a noisy background."""
    import cv2
    rng = np.random.default_rng(seed)
    w, h = IMG_SIZE
    colours = [(40, 40, 220), (40, 200, 40), (220, 120, 30)]
    for t in range(num_frames):
        img = rng.integers(90, 140, size=(h, w, 3), dtype=np.uint8)
        boxes = []
        for pid, colour in enumerate(colours):
            bw, bh = 18, 46
            x = int(10 + pid * 48 + 3 * t)
            y = int(30 + 20 * (pid % 2) + t)
            img[y + 10:y + bh, x:x + bw] = colour
            cv2.circle(img, (x + bw // 2, y + 5), 5, (200, 180, 160), -1)
            boxes.append((pid, x, y, bw, bh))
        yield t, img, boxes


def draw_frames(out_dir, num_frames=6, seed=0):
    """Write ``img/*.jpg`` and ``ann.json`` (COCO-VID style, dense
    ``instance_id`` 0..2) of :func:`people_frames`. Returns the dict."""
    import cv2
    w, h = IMG_SIZE
    images, anns = [], []
    os.makedirs(osp.join(out_dir, 'img'), exist_ok=True)
    for t, img, boxes in people_frames(num_frames, seed):
        for pid, x, y, bw, bh in boxes:
            anns.append(
                dict(
                    id=len(anns) + 1,
                    image_id=t + 1,
                    category_id=1,
                    bbox=[x, y, bw, bh],
                    area=bw * bh,
                    iscrowd=0,
                    instance_id=pid,
                    visibility=1.0))
        name = f'{t + 1:06d}.jpg'
        cv2.imwrite(osp.join(out_dir, 'img', name), img)
        images.append(
            dict(
                id=t + 1,
                file_name=name,
                height=h,
                width=w,
                frame_id=t,
                video_id=1))
    ann = dict(
        images=images,
        annotations=anns,
        categories=[dict(id=1, name='pedestrian')],
        videos=[dict(id=1, name='synthetic')],
        num_ids=NUM_IDS)
    with open(osp.join(out_dir, 'ann.json'), 'w') as f:
        json.dump(ann, f)
    return ann


def write_mot_sequence(root, name, num_frames=6, seed=0, id_offset=10):
    """A MOTChallenge folder ``root/name`` (seqinfo.ini, img1/, 9-column
    gt/gt.txt) of :func:`people_frames`; MOT ids start at ``id_offset``.
    Returns the folder."""
    import cv2

    from hmot_mm.datasets.motchallenge_io import write_seqinfo
    seq = osp.join(root, name)
    os.makedirs(osp.join(seq, 'img1'), exist_ok=True)
    os.makedirs(osp.join(seq, 'gt'), exist_ok=True)
    w, h = IMG_SIZE
    lines = []
    for t, img, boxes in people_frames(num_frames, seed):
        cv2.imwrite(osp.join(seq, 'img1', f'{t + 1:06d}.jpg'), img)
        for pid, x, y, bw, bh in boxes:
            lines.append(f'{t + 1},{pid + id_offset},{x},{y},{bw},{bh},1,1,1')
    with open(osp.join(seq, 'gt', 'gt.txt'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    write_seqinfo(seq, 10, num_frames, w, h)
    return seq


def independent_counts(gt_file, frames=None, scored_only=True):
    """(boxes, identities) of a 9- or 10-column gt.txt via np.loadtxt;
    ``scored_only``: rows with conf 1, the ones the benchmark scores."""
    gt = np.loadtxt(gt_file, delimiter=',', ndmin=2)
    if scored_only:
        gt = gt[gt[:, 6] == 1]
    if frames is not None:
        gt = gt[(gt[:, 0] >= frames[0]) & (gt[:, 0] <= frames[1])]
    return len(gt), len(np.unique(gt[:, 1]))


@pytest.fixture(scope='session')
def tiny_frames(tmp_path_factory):
    out = str(tmp_path_factory.mktemp('frames'))
    return out, draw_frames(out)


def tiny_config(config_file, data_dir, work_dir, max_iters=2):
    """A project config shrunk for CPU: ResNet-18 with narrow FPN/heads,
    160x128 frames, iteration-based loop, no test loop.

    Returns:
        mmengine.Config
    """
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(ROOT, config_file))
    model = cfg.model.detector
    model.backbone.update(
        depth=18,
        init_cfg=None,
        frozen_stages=-1,
        norm_cfg=dict(type='BN', requires_grad=True))
    model.neck.update(in_channels=[64, 128, 256, 512], out_channels=32)
    model.rpn_head.update(in_channels=32, feat_channels=32)
    model.roi_head.bbox_roi_extractor.out_channels = 32
    head = model.roi_head.bbox_head
    head.update(in_channels=32, fc_out_channels=64, embed_dim=16)
    head.loss_reid.update(num_ids=NUM_IDS, feat_dim=16)
    if 'bg_queue_size' in head.loss_reid:
        head.loss_reid.bg_queue_size = 32
    model.train_cfg.rcnn.sampler.num = 64
    # repeated: mmengine sleeps 2 s whenever an iteration loop restarts
    # its dataloader
    frames = dict(
        type='MOTFrameDataset',
        data_root=data_dir,
        ann_file='ann.json',
        data_prefix=dict(img='img/'),
        num_ids=NUM_IDS,
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='LoadTrackAnnotations', with_bbox=True),
            dict(type='Resize', scale=IMG_SIZE, keep_ratio=True),
            dict(type='RandomFlip', prob=0.5),
            dict(type='PackReIDDetInputs')
        ])
    cfg.train_dataloader = dict(
        batch_size=2,
        num_workers=0,
        sampler=dict(type='DefaultSampler', shuffle=True),
        dataset=dict(type='RepeatDataset', times=50, dataset=frames))
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters)
    cfg.param_scheduler = []
    cfg.optim_wrapper.optimizer.update(lr=0.01)
    cfg.optim_wrapper.clip_grad = dict(max_norm=10)
    cfg.test_dataloader = cfg.test_evaluator = cfg.test_cfg = None
    cfg.default_hooks.checkpoint = dict(
        type='CheckpointHook', interval=2, by_epoch=False)
    cfg.default_hooks.logger.interval = 1
    cfg.log_processor = dict(by_epoch=False)
    cfg.env_cfg.dist_cfg = dict(backend='gloo')
    cfg.randomness = dict(seed=0)
    cfg.work_dir = work_dir
    return cfg


def tracking_test_settings(cfg, seq_root, ann_file):
    """Give ``cfg`` the dataset bases' tracking test (whole sequences in
    order, MotMetricsMetric), pointed at converted sequences under
    ``seq_root``, at the tiny frame size, in this process."""
    from mmengine.config import Config
    test = Config.fromfile(
        osp.join(ROOT,
                 'configs/_base_/datasets/mot_frames.py')).test_dataloader
    cfg.test_evaluator = [dict(type='MotMetricsMetric')]
    cfg.test_cfg = dict(type='TestLoop')
    test.update(num_workers=0, persistent_workers=False)
    test.dataset.update(
        data_root=seq_root, ann_file=ann_file, data_prefix=dict(img_path=''))
    test.dataset.pipeline[0].transforms[1].scale = IMG_SIZE
    cfg.test_dataloader = test
    return cfg


def load_tool(path):
    """Import a tool script (``tools/...py``, relative to the checkout) as
    a module, to call its functions."""
    import importlib.util
    name = osp.splitext(osp.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, osp.join(ROOT, path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def mot_row(frame, track, x, y, w, h, conf=1):
    """One MOT15-style row (no class, no visibility), newline included."""
    return f'{frame},{track},{x},{y},{w},{h},{conf},-1,-1,-1\n'


def run_tool(*args, timeout=900):
    """Run a project tool (``tools/...py``) from the checkout root."""
    return subprocess.run([sys.executable, *map(str, args)],
                          cwd=ROOT,
                          capture_output=True,
                          text=True,
                          timeout=timeout)


def run_dist_tool(launcher, config, *args, port, pythonpath=None):
    """Run ``tools/dist_train.sh`` or ``tools/dist_test.sh`` with two CPU
    processes (one thread each) on ``port``; ``pythonpath`` is prepended
    for helper modules a config imports."""
    env = dict(
        os.environ, PYTHON=sys.executable, PORT=str(port), OMP_NUM_THREADS='1')
    if pythonpath:
        env['PYTHONPATH'] = os.pathsep.join(
            filter(None, [pythonpath, env.get('PYTHONPATH')]))
    return subprocess.run(['bash', launcher, config, '2', *map(str, args)],
                          cwd=ROOT,
                          env=env,
                          capture_output=True,
                          text=True,
                          timeout=600)


@pytest.fixture(scope='session')
def trained_tracker(tmp_path_factory):
    """A tiny HMOT trained 60 iterations by tools/train.py, and a converted
    12-frame test sequence its config tracks.

    Returns:
        tuple: (root folder, config path); the checkpoint is
        ``root/work/iter_60.pth``, the sequence ``root/seqs/TEST-01``.
    """
    from hmot_mm.datasets.motchallenge_coco import convert
    root = tmp_path_factory.mktemp('e2e')
    frames = str(root / 'frames')
    draw_frames(frames, num_frames=12)
    cfg = tiny_config(
        'configs/hmot/ihoim_faster-rcnn_r50_fpn_22e_mot16.py',
        frames,
        str(root / 'work'),
        max_iters=60)
    cfg.default_hooks.checkpoint.interval = 60
    seqs = root / 'seqs'
    write_mot_sequence(str(seqs), 'TEST-01', num_frames=12, seed=5)
    convert(str(seqs), str(root / 'ann'))
    ann = str(root / 'ann' / 'train_cocoformat.json')
    tracking_test_settings(cfg, str(seqs), ann)
    config = str(root / 'tiny_hmot.py')
    cfg.dump(config)
    result = run_tool('tools/train.py', config)
    assert result.returncode == 0, result.stderr[-3000:]
    return root, config


def train_tiny(config, frames, work_dir, iters):
    """Train a tiny copy of ``config`` for ``iters`` iterations in-process
    (no checkpoint) and return its runner."""
    from mmengine.runner import Runner
    cfg = tiny_config(config, frames, str(work_dir), max_iters=iters)
    cfg.default_hooks.checkpoint.interval = iters + 1  # no checkpoint
    runner = Runner.from_cfg(cfg)
    runner.train()
    return runner


@pytest.fixture(scope='session')
def ihoim_runner(tiny_frames, tmp_path_factory):
    """The R50-FPN iHOIM config trained 60 iterations on the tiny frames."""
    import torch
    torch.manual_seed(0)
    return train_tiny('configs/hmot/ihoim_faster-rcnn_r50_fpn_22e_mot16.py',
                      tiny_frames[0], tmp_path_factory.mktemp('ihoim'), 60)


def fill_memory(loss_reid, rng):
    """Write random unit rows into a memory loss's lookup table and, where
    it has one (iHOIM, not OIM), its background queue."""
    import torch
    for name in ('lookup_table', 'bg_queue'):
        if not hasattr(loss_reid, name):
            continue
        rows = rng.normal(size=getattr(loss_reid, name).shape)
        rows /= np.linalg.norm(rows, axis=1, keepdims=True)
        getattr(loss_reid, name).copy_(torch.from_numpy(rows))


def random_fpn_features(channels, img_hw, strides=(4, 8, 16, 32)):
    """One image's random FPN maps, (1, channels, H / s, W / s) per stride."""
    import torch
    return [
        torch.randn(1, channels, img_hw[0] // s, img_hw[1] // s)
        for s in strides
    ]
