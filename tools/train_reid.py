"""Train the separate ReID network of a two-stage config
(``TwoStageHMOT``, ``model.reid``) on crops of its training identities.

    python tools/train_reid.py CONFIG --work-dir DIR [--iters 300] \
        [--seed 0] [--max-crops 3000] [--detector CKPT]

Crops come from the config's training set (``train_dataloader.dataset``:
every annotated person, frames thinned evenly to at most ``--max-crops``
crops), normalised as the detector's input and resized to the network's
``crop_size``; batches hold P = 8 identities × K = 4 crops, flipped at
random; Adam (lr 3.5e-4, ×0.1 at 3/4 of the iterations). Writes
``DIR/reid.pth`` (the ReID weights, keys ``reid.*``) and, with
``--detector`` (a checkpoint of the HMOT model that shares this config's
detector), ``DIR/two_stage.pth``: detector + ReID, ready for
``tools/test.py CONFIG --checkpoint DIR/two_stage.pth``.
"""
import argparse
import os
import os.path as osp
import sys
import time

import cv2
import numpy as np
import torch
from mmdet.registry import DATASETS, MODELS
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from hmot_mm.datasets.transforms import LoadFrame  # noqa: E402
from hmot_mm.utils.checkpoint_compat import load_weights  # noqa: E402

IDS_PER_BATCH, CROPS_PER_ID = 8, 4


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='a TwoStageHMOT config')
    parser.add_argument('--work-dir', required=True)
    parser.add_argument('--iters', type=int, default=300)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--max-crops', type=int, default=3000)
    parser.add_argument('--detector', help='HMOT checkpoint to combine with')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args()
    if args.iters < 1 or args.max_crops < IDS_PER_BATCH * CROPS_PER_ID:
        parser.error('--iters must be >= 1 and --max-crops >= '
                     f'{IDS_PER_BATCH * CROPS_PER_ID}')
    if not osp.isfile(args.config):
        parser.error(f'config not found: {args.config}')
    if args.detector and not osp.isfile(args.detector):
        parser.error(f'checkpoint file not found: {args.detector}')
    return args


def collect_crops(cfg: Config, crop_size, max_crops: int):
    """uint8 BGR crops (n, h, w, 3) and dense identities (n,) of the
    training set's people, frames thinned evenly."""
    dataset_cfg = cfg.train_dataloader.dataset.copy()
    dataset_cfg.pipeline = []
    dataset = DATASETS.build(dataset_cfg)
    people = [
        sum(not p['ignore_flag']
            for p in dataset.get_data_info(i)['instances'])
        for i in range(len(dataset))
    ]
    stride = max(1, int(np.ceil(sum(people) / max_crops)))
    load = LoadFrame()
    height, width = crop_size
    crops, labels = [], []
    for index in range(0, len(dataset), stride):
        info = dataset.get_data_info(index)
        image = load(
            dict(
                img_path=info['img_path'],
                frame_index=info.get('frame_index')))['img']
        for person in info['instances']:
            if person['ignore_flag']:
                continue
            x1, y1, x2, y2 = (int(round(v)) for v in person['bbox'])
            x1, y1 = max(x1, 0), max(y1, 0)
            x2 = min(max(x2, x1 + 1), image.shape[1])
            y2 = min(max(y2, y1 + 1), image.shape[0])
            crops.append(cv2.resize(image[y1:y2, x1:x2], (width, height)))
            labels.append(person['instance_id'])
    return np.stack(crops), np.array(labels), dataset.num_ids


def batches(labels: np.ndarray, rng: np.random.Generator):
    """Endless P×K index batches (identities with fewer than K crops are
    sampled with replacement)."""
    by_id = {i: np.nonzero(labels == i)[0] for i in np.unique(labels)}
    ids = np.array(list(by_id))
    while True:
        chosen = rng.choice(ids, min(IDS_PER_BATCH, len(ids)), replace=False)
        yield np.concatenate([
            rng.choice(by_id[i], CROPS_PER_ID,
                       len(by_id[i]) < CROPS_PER_ID) for i in chosen
        ])


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    if 'reid' not in cfg.model:
        sys.exit(f'train_reid: {args.config} has no model.reid (a '
                 'TwoStageHMOT config)')
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    model = MODELS.build(cfg.model)
    reid = model.reid
    start = time.time()
    crops, labels, num_ids = collect_crops(cfg, reid.crop_size, args.max_crops)
    if len(np.unique(labels)) < 2:
        sys.exit(f'train_reid: the training set of {args.config} holds '
                 f'{len(np.unique(labels))} identity; ReID needs two or more')
    print(
        f'{len(crops)} crops of {len(np.unique(labels))} identities '
        f'(N = {num_ids}) in {time.time() - start:.0f} s',
        flush=True)
    pre = model.data_preprocessor
    mean, std = pre.mean.view(1, 3, 1, 1), pre.std.view(1, 3, 1, 1)
    to_rgb = getattr(pre, '_channel_conversion', False)
    optimizer = torch.optim.Adam(reid.parameters(), lr=3.5e-4)
    scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer,
                                                     [args.iters * 3 // 4],
                                                     0.1)
    reid.train()
    start = time.time()
    for it, index in zip(range(1, args.iters + 1), batches(labels, rng)):
        x = torch.from_numpy(crops[index]).permute(0, 3, 1, 2).float()
        if to_rgb:
            x = x[:, [2, 1, 0]]
        flip = torch.from_numpy(rng.random(len(x)) < 0.5)
        x[flip] = x[flip].flip(-1)
        losses = reid.loss((x - mean) / std, torch.from_numpy(labels[index]))
        optimizer.zero_grad()
        sum(losses.values()).backward()
        optimizer.step()
        scheduler.step()
        if it % 50 == 0 or it == args.iters:
            print(
                f'iter {it}/{args.iters} ' +
                ' '.join(f'{k} {v.item():.3f}' for k, v in losses.items()) +
                f' {(time.time() - start) / it:.2f} s/iter',
                flush=True)
    os.makedirs(args.work_dir, exist_ok=True)
    state = {f'reid.{k}': v for k, v in reid.state_dict().items()}
    torch.save({'state_dict': state}, osp.join(args.work_dir, 'reid.pth'))
    print(f'wrote {osp.join(args.work_dir, "reid.pth")}')
    if args.detector:
        combined = osp.join(args.work_dir, 'two_stage.pth')
        checkpoint = torch.load(
            args.detector, map_location='cpu', weights_only=True)
        state.update(checkpoint.get('state_dict', checkpoint))
        torch.save({'state_dict': state}, combined)
        try:  # every key of the two-stage model, and nothing else
            load_weights(model, combined)
        except ValueError as e:
            os.remove(combined)
            sys.exit(f'train_reid: --detector {args.detector} does not fit '
                     f'{args.config}: {e}')
        print(f'wrote {combined}')


if __name__ == '__main__':
    main()
