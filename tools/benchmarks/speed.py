"""One-stage HMOT against the detector alone and a two-stage tracker:
per-frame wall time, side by side in one run, as people per frame grow.

    python tools/benchmarks/speed.py [--people 10 50 100 200] \
        [--size 1088x608] [--frames 5] [--threads 2] [--device cpu] \
        [--out docs/speed.md] [--quick]

For each backbone config and crowd size it renders generated frames
(``hmot_mm.datasets.synthetic``) and times, per frame:

- **detector**: backbone + RPN + R-CNN head with its embedding branch;
- **HMOT**: the same detector with the tracks' Kalman-predicted boxes
  joined to the RPN proposals, then DeepSORT association;
- **two-stage**: the same detector, then a separate ReID network (ResNet
  from mmdet's backbone, global pooling, 128-d) on every person's 256×128
  crop, then the same association.

Weights are random (time does not depend on them), so the tracker is fed
the frame's true boxes (every person in view) with one fixed unit vector
per identity: association and ReID cost grow with the crowd as they would
with a trained detector that finds everyone. Medians over ``--frames``
timed frames after ``--warmup`` untimed ones (which also confirm tracks),
the three run in turn on each frame, in an order that rotates per frame.
"""
import argparse
import os.path as osp
import sys
import time
from typing import Dict, List

import cv2
import numpy as np
import torch
from mmdet.registry import MODELS
from mmdet.structures import DetDataSample
from mmengine.config import Config

sys.path.insert(0,
                osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
from hmot_mm.datasets.synthetic import SyntheticSequence  # noqa: E402

CONFIGS = {
    'R50-FPN':
    'configs/hmot/ihoim_faster-rcnn_r50_fpn_22e_mot16.py',
    'MobileNetV2-FPN':
    'configs/hmot/ihoim_faster-rcnn_mobilenetv2_fpn_22e_mot16.py',
}
VARIANTS = ('detector', 'HMOT', 'two-stage')


def build_hmot(config: str, device: str) -> torch.nn.Module:
    """The config's HMOT with random weights (no download)."""
    cfg = Config.fromfile(config)
    cfg.model.detector.backbone.init_cfg = None
    model = MODELS.build(cfg.model)
    return model.to(device).eval()


class ReIDNet(torch.nn.Module):
    """The two-stage tracker's separate appearance network: an mmdet
    ResNet, global average pooling and a 128-d linear embedding."""

    def __init__(self, depth: int) -> None:
        super().__init__()
        self.backbone = MODELS.build(
            dict(type='ResNet', depth=depth, out_indices=(3, )))
        channels = 512 if depth < 50 else 2048
        self.fc = torch.nn.Linear(channels, 128)

    def forward(self, crops: torch.Tensor) -> torch.Tensor:
        x = self.backbone(crops)[0].mean((2, 3))
        return torch.nn.functional.normalize(self.fc(x), dim=1)


def frames_with_people(people: int, size, count: int, seed: int):
    """``count`` consecutive generated frames with about ``people`` in
    view: (BGR image, (n, 4) x1y1x2y2 boxes, (n,) ids)."""
    sim = SyntheticSequence(size=size, persons=people, seed=seed)
    for _ in range(5):  # let the crowd fill the view
        sim.step()
    out = []
    for _ in range(count):
        image, persons = sim.render()
        boxes = np.array([[
            p['box'][0], p['box'][1], p['box'][0] + p['box'][2],
            p['box'][1] + p['box'][3]
        ] for p in persons]).reshape(-1, 4)
        out.append(
            (sim.finish(image), boxes, np.array([p['id'] for p in persons])))
        sim.step()
    return out


def frame_input(model, image: np.ndarray, index: int, device: str):
    """Normalised (1, 3, H, W) tensor and its DetDataSample (no resize or
    padding: the frame is fed at its own size, a multiple of 32)."""
    height, width = image.shape[:2]
    sample = DetDataSample(
        metainfo=dict(
            img_shape=(height, width),
            ori_shape=(height, width),
            pad_shape=(height, width),
            scale_factor=(1.0, 1.0),
            frame_id=index))
    pre = model.data_preprocessor  # the config's mean/std and BGR→RGB
    x = torch.from_numpy(image).permute(2, 0, 1).float().to(device)
    if getattr(pre, '_channel_conversion', False):
        x = x[[2, 1, 0]]
    return ((x - pre.mean) / pre.std)[None], sample


def crops(image: np.ndarray, boxes: np.ndarray, device: str) -> torch.Tensor:
    """People's crops resized to 256×128, ImageNet-normalised."""
    height, width = image.shape[:2]
    out = []
    for x1, y1, x2, y2 in boxes.astype(int):
        x1, y1 = max(x1, 0), max(y1, 0)
        x2, y2 = min(max(x2, x1 + 1), width), min(max(y2, y1 + 1), height)
        out.append(cv2.resize(image[y1:y2, x1:x2], (128, 256)))
    batch = torch.from_numpy(np.stack(out)).permute(0, 3, 1, 2).float()
    mean = torch.tensor([103.53, 116.28, 123.675]).view(1, 3, 1, 1)
    return ((batch - mean) / 57.0).to(device)


def time_one(fn, device: str) -> float:
    if device == 'cuda':
        torch.cuda.synchronize()
    start = time.perf_counter()
    fn()
    if device == 'cuda':
        torch.cuda.synchronize()
    return time.perf_counter() - start


def measure(model, reid, frames, warmup: int, device: str) -> Dict:
    """Median seconds per frame of each variant on the same frames."""
    detector, tracker = model.detector, model.tracker
    two_stage_tracker = MODELS.build(dict(type='MotionProposalTracker'))
    rng = np.random.default_rng(0)
    identity = {}
    times = {v: [] for v in VARIANTS}
    tracker.reset()
    with torch.no_grad():
        for index, (image, boxes, ids) in enumerate(frames):
            for i in ids:
                if i not in identity:
                    v = rng.normal(size=128)
                    identity[i] = v / np.linalg.norm(v)
            embeds = np.stack([identity[i] for i in ids]) if len(ids) else \
                np.zeros((0, 128))
            scores = np.ones(len(boxes))
            img, frame = frame_input(model, image, index, device)

            def detector_only():
                x = detector.extract_feat(img)
                proposals = detector.rpn_head.predict(
                    x, [frame], rescale=False)[0]
                detector.roi_head.predict(
                    x, [proposals], [frame], rescale=True)

            def hmot():
                model.detect(img, frame)  # with the tracks' proposals
                tracker.track(boxes, scores, embeds)

            def two_stage():
                detector_only()
                if len(boxes):
                    reid(crops(image, boxes, device))
                two_stage_tracker.track(boxes, scores, embeds)

            # rotate the order each frame: whichever runs first on a new
            # frame pays for it (about 0.5 s of R50-FPN's 3 s on CPU)
            runs = list(zip(VARIANTS, (detector_only, hmot, two_stage)))
            shift = index % len(runs)
            for name, fn in runs[shift:] + runs[:shift]:
                seconds = time_one(fn, device)
                if index >= warmup:
                    times[name].append(seconds)
    result = {v: float(np.median(t)) for v, t in times.items()}
    result['people'] = float(np.mean([len(b) for _, b, _ in frames[warmup:]]))
    return result


def write_report(path: str, rows: List[Dict], args, command: str) -> None:
    lines = [
        '# Speed: one-stage HMOT vs the detector alone vs two-stage', '',
        '```bash', command, '```', '',
        f'Device {args.device}, torch threads {torch.get_num_threads()}, '
        f'frames {args.size}, median of {args.frames} frames after '
        f'{args.warmup} warm-up frames, random weights '
        '(see the script\'s docstring).', '',
        '| backbone | people (mean) | detector ms | HMOT ms | two-stage ms '
        '| HMOT / detector | two-stage / HMOT |',
        '| --- | --- | --- | --- | --- | --- | --- |'
    ]
    for r in rows:
        lines.append(f'| {r["backbone"]} | {r["people"]:.0f} | '
                     f'{1000 * r["detector"]:.0f} | {1000 * r["HMOT"]:.0f} | '
                     f'{1000 * r["two-stage"]:.0f} | '
                     f'{r["HMOT"] / r["detector"]:.2f} | '
                     f'{r["two-stage"] / r["HMOT"]:.2f} |')
    lines.append('')
    for backbone in dict.fromkeys(r['backbone'] for r in rows):
        mine = [r for r in rows if r['backbone'] == backbone]
        growth = mine[-1]['HMOT'] / mine[0]['HMOT'] - 1
        two_stage = mine[-1]['two-stage'] / mine[0]['two-stage'] - 1
        lines.append(
            f'- {backbone}: HMOT time grows {100 * growth:+.0f} % from '
            f'{mine[0]["people"]:.0f} to {mine[-1]["people"]:.0f} people; '
            f'two-stage grows {100 * two_stage:+.0f} %.')
    png = osp.splitext(path)[0] + '.png'
    lines += ['', f'![per-frame time]({osp.basename(png)})', '']
    with open(path, 'w') as f:
        f.write('\n'.join(lines))
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6, 4))
    for backbone in dict.fromkeys(r['backbone'] for r in rows):
        mine = [r for r in rows if r['backbone'] == backbone]
        for variant, style in zip(VARIANTS, ('-', '-o', '--s')):
            ax.plot([r['people'] for r in mine],
                    [1000 * r[variant] for r in mine],
                    style,
                    label=f'{backbone}: {variant}')
    ax.set_xlabel('people per frame')
    ax.set_ylabel('ms per frame (median)')
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(png, dpi=100)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--people', type=int, nargs='+', default=[10, 50, 100, 200])
    parser.add_argument('--size', default='1088x608', help='WIDTHxHEIGHT')
    parser.add_argument('--frames', type=int, default=5)
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--device', default='cpu', choices=['cpu', 'cuda'])
    parser.add_argument(
        '--backbones', nargs='+', default=list(CONFIGS), choices=CONFIGS)
    parser.add_argument('--reid-depth', type=int, default=50)
    parser.add_argument('--out', default='docs/speed.md')
    parser.add_argument(
        '--quick',
        action='store_true',
        help='a seconds-long smoke run: small frames, MobileNetV2 only')
    args = parser.parse_args()
    if args.quick:
        args.people, args.size, args.frames, args.warmup = [3, 8], \
            '320x192', 1, 1
        args.backbones, args.reid_depth = ['MobileNetV2-FPN'], 18
    if min(args.people) < 1 or args.frames < 1 or args.warmup < 0:
        parser.error('--people and --frames must be >= 1, --warmup >= 0')
    if args.device == 'cuda' and not torch.cuda.is_available():
        parser.error('--device cuda: this torch build sees no CUDA GPU')
    try:
        width, height = (int(v) for v in args.size.split('x'))
    except ValueError:
        parser.error(f'--size {args.size}: expected WIDTHxHEIGHT')
    out_dir = osp.dirname(osp.abspath(args.out))
    if not osp.isdir(out_dir):
        parser.error(f'--out {args.out}: folder {out_dir} does not exist')
    torch.set_num_threads(args.threads)
    from mmdet.utils import register_all_modules

    import hmot_mm  # noqa: F401  (registers the models)
    register_all_modules(init_default_scope=True)
    command = 'python tools/benchmarks/speed.py ' + ' '.join(sys.argv[1:])
    reid = ReIDNet(args.reid_depth).to(args.device).eval()
    rows = []
    for backbone in args.backbones:
        model = build_hmot(CONFIGS[backbone], args.device)
        for people in args.people:
            frames = frames_with_people(
                people, (width, height),
                args.warmup + args.frames,
                seed=people)
            row = dict(
                backbone=backbone,
                **measure(model, reid, frames, args.warmup, args.device))
            rows.append(row)
            print(
                f'{backbone:16s} {row["people"]:6.0f} people: detector '
                f'{1000 * row["detector"]:7.0f} ms, HMOT '
                f'{1000 * row["HMOT"]:7.0f} ms, two-stage '
                f'{1000 * row["two-stage"]:7.0f} ms',
                flush=True)
    write_report(args.out, rows, args, command)
    print(f'wrote {args.out} and {osp.splitext(args.out)[0]}.png')


if __name__ == '__main__':
    main()
