"""One-stage HMOT against the detector alone and a two-stage tracker:
per-frame wall time, side by side in one run, as people per frame grow.

    python tools/benchmarks/speed.py [--people 10 50 100 200] \
        [--size 1088x608] [--frames 5] [--threads 2] [--device cpu] \
        [--out docs/speed.md] [--profile] [--quick]

For each backbone config and crowd size it renders generated frames
(``hmot_mm.datasets.synthetic``) and times, per frame:

- **detector**: backbone + RPN + R-CNN head with its embedding branch;
- **HMOT**: the same detector with the tracks' Kalman-predicted boxes
  joined to the RPN proposals, then DeepSORT association;
- **HMOT, in RPN cap**: HMOT with ``motion_proposals_in_rpn_cap``: the
  predicted boxes take the places of the RPN's lowest-scoring proposals;
  its association runs on a tracker of its own fed HMOT's inputs, so both
  variants associate the same work;
- **two-stage**: the same detector, then a separate ReID network
  (``CropReID``: an mmdet ResNet, global pooling, 128-d) on every person's
  256×128 crop, then the same association.

Beside the times it reports each variant's peak tensor memory on one
frame (profiled apart from the timed runs: torch's allocator on CPU,
``max_memory_allocated`` on CUDA), and one training step (forward,
backward, SGD step on a frame of ``--train-people`` people) of the iHOIM
head against a plain Faster R-CNN head (``Shared2FCBBoxHead``, softmax
classification) on the same backbone, neck, RPN and RoI sampling.

Weights are random (time does not depend on them), so the tracker is fed
the frame's true boxes (every person in view) with one fixed unit vector
per identity: association and ReID cost grow with the crowd as they would
with a trained detector that finds everyone. Medians over ``--frames``
timed frames after ``--warmup`` untimed ones (which also confirm tracks),
the three run in turn on each frame, in an order that rotates per frame.
``--profile`` prints torch.profiler's operators of one HMOT frame at the
largest crowd (DeepSORT appears as ``association``). The report names
where mmcv's RoIAlign and NMS ran: ``--device cuda`` also runs on
``mmcv-lite`` with ``mmcv_ext_from_torchvision.py`` as ``mmcv._ext``.
"""
import argparse
import copy
import os.path as osp
import sys
import time
from collections import defaultdict
from functools import partial
from typing import Callable, Dict, Iterable, List, Tuple

import numpy as np
import torch
from mmdet.registry import MODELS
from mmdet.structures import DetDataSample
from mmengine.config import Config, ConfigDict
from mmengine.structures import InstanceData

sys.path.insert(0,
                osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
from hmot_mm.datasets.synthetic import SyntheticSequence  # noqa: E402
from hmot_mm.models.reid import CropReID  # noqa: E402

CONFIGS = {
    'R50-FPN':
    'configs/hmot/ihoim_faster-rcnn_r50_fpn_22e_mot16.py',
    'MobileNetV2-FPN':
    'configs/hmot/ihoim_faster-rcnn_mobilenetv2_fpn_22e_mot16.py',
}
VARIANTS = ('detector', 'HMOT', 'HMOT, in RPN cap', 'two-stage')
RATIOS = (('HMOT', 'detector'), ('HMOT, in RPN cap', 'detector'), ('two-stage',
                                                                   'HMOT'))


def build_hmot(config: str, device: str) -> torch.nn.Module:
    """The config's HMOT with random weights (no download)."""
    cfg = Config.fromfile(config)
    cfg.model.detector.backbone.init_cfg = None
    model = MODELS.build(cfg.model)
    return model.to(device).eval()


def training_detectors(config: str, num_ids: int, device: str) -> Dict:
    """The config's iHOIM detector (N = ``num_ids``) and the same detector
    with a plain Faster R-CNN head: ``Shared2FCBBoxHead`` (softmax person /
    background, class-agnostic boxes) in ``StandardRoIHead``, random
    weights, in training mode."""
    detector = Config.fromfile(config).model.detector
    detector.backbone.init_cfg = None
    detector.roi_head.bbox_head.loss_reid.num_ids = num_ids
    plain = ConfigDict(detector.to_dict())
    plain.roi_head.type = 'StandardRoIHead'
    head = plain.roi_head.bbox_head
    for key in ('embed_dim', 'embed_bn', 'reg_bn', 'loss_reid'):
        head.pop(key, None)
    head.type = 'Shared2FCBBoxHead'
    built = {}
    for name, cfg in (('Faster R-CNN', plain), ('iHOIM', detector)):
        built[name] = MODELS.build(cfg).to(device).train()
    return built


def peak_memory(fn, device: str) -> float:
    """Peak bytes of tensors allocated by ``fn()`` above those alive when
    it starts: CUDA's allocator statistics, or on CPU the running sum of
    the profiler's allocation (+) and free (−) events in time order."""
    if device == 'cuda':
        torch.cuda.synchronize()
        base = torch.cuda.memory_allocated()
        torch.cuda.reset_peak_memory_stats()
        fn()
        torch.cuda.synchronize()
        return float(torch.cuda.max_memory_allocated() - base)
    from torch.profiler import ProfilerActivity, profile
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as p:
        fn()
    events = sorted((e for e in p.profiler.kineto_results.events()
                     if e.name() == '[memory]'),
                    key=lambda e: e.start_ns())
    alive = np.cumsum([e.nbytes() for e in events])
    return float(alive.max(initial=0))


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


class IdentityEmbeddings:
    """One fixed random unit vector of ``dim`` values per identity, drawn
    when the identity is first seen: the embeddings of a perfect re-ID.

    Args:
        dim (int): values per vector. Defaults to 128.
        seed (int): seed of the draws. Defaults to 0.
    """

    def __init__(self, dim: int = 128, seed: int = 0) -> None:
        self.dim = dim
        self.rng = np.random.default_rng(seed)
        self.vectors: Dict[int, np.ndarray] = {}

    def __call__(self, ids: np.ndarray) -> np.ndarray:
        """(n, dim) vectors of the identities ``ids`` (n,)."""
        for i in ids:
            if i not in self.vectors:
                v = self.rng.normal(size=self.dim)
                self.vectors[i] = v / np.linalg.norm(v)
        return np.stack([self.vectors[i] for i in ids]) if len(ids) else \
            np.zeros((0, self.dim))


def frame_input(model, image: np.ndarray, index: int, device: str):
    """Normalised (1, 3, H, W) tensor and its DetDataSample (no resize or
    padding: the frame is fed at its own size, a multiple of 32)."""
    height, width = image.shape[:2]
    sample = DetDataSample(
        metainfo=dict(
            img_shape=(height, width),
            ori_shape=(height, width),
            pad_shape=(height, width),
            batch_input_shape=(height, width),
            scale_factor=(1.0, 1.0),
            frame_id=index))
    pre = model.data_preprocessor  # the config's mean/std and BGR→RGB
    x = torch.from_numpy(image).permute(2, 0, 1).float().to(device)
    if getattr(pre, '_channel_conversion', False):
        x = x[[2, 1, 0]]
    return ((x - pre.mean) / pre.std)[None], sample


def time_one(fn, device: str) -> float:
    if device == 'cuda':
        torch.cuda.synchronize()
    start = time.perf_counter()
    fn()
    if device == 'cuda':
        torch.cuda.synchronize()
    return time.perf_counter() - start


def profile_table(fn: Callable, device: str, rows: int = 15) -> str:
    """torch.profiler's operators of one call of ``fn``, by self CPU time,
    with the wall time and (on CUDA) the GPU's busy time beside it."""
    from torch.profiler import ProfilerActivity, profile
    activities = [ProfilerActivity.CPU]
    if device == 'cuda':
        activities.append(ProfilerActivity.CUDA)
    wall = time_one(fn, device)
    with profile(activities=activities) as p:
        fn()
        if device == 'cuda':
            torch.cuda.synchronize()
    events = p.key_averages()
    busy = sum(e.self_device_time_total for e in events) / 1e3
    return (f'wall {1000 * wall:.1f} ms unprofiled; GPU kernels '
            f'{busy:.1f} ms\n' +
            events.table(sort_by='self_cpu_time_total', row_limit=rows))


def in_turn(frame_runs: Iterable[List[Tuple[str, Callable]]],
            warmup: int,
            device: str,
            ratios: Iterable[Tuple[str, str]] = (),
            profile: str = '') -> Dict:
    """Time each frame's named runs one after another, the order rotating
    per frame (whichever runs first on a new frame pays for it: about
    0.5 s of R50-FPN's 3 s on CPU). Returns each name's median seconds
    after ``warmup`` frames; for each ``(a, b)`` of ``ratios``, as
    ``'a / b'``, the median over those frames of a's time over b's on the
    same frame (back to back, so a drift of the machine's speed between
    frames cancels); as ``'<name> MB'``, its peak tensor memory on the
    last frame, profiled apart from the timing; with ``profile`` naming a
    run, that run's :func:`profile_table` on the last frame as
    ``'profile'``."""
    times = defaultdict(list)
    for index, runs in enumerate(frame_runs):
        shift = index % len(runs)
        for name, fn in runs[shift:] + runs[:shift]:
            seconds = time_one(fn, device)
            if index >= warmup:
                times[name].append(seconds)
    result = {name: float(np.median(t)) for name, t in times.items()}
    for a, b in ratios:
        result[f'{a} / {b}'] = float(np.median(np.divide(times[a], times[b])))
    for name, fn in runs:
        result[f'{name} MB'] = peak_memory(fn, device) / 2**20
        if name == profile:
            result['profile'] = profile_table(fn, device)
    return result


def measure(model,
            reid,
            frames,
            warmup: int,
            device: str,
            profile: bool = False) -> Dict:
    """Median seconds per frame of each variant on the same frames, and
    of HMOT's association (DeepSORT) alone; with ``profile``, HMOT's
    operators on the last frame (:func:`profile_table`)."""
    detector, tracker = model.detector, model.tracker
    tracker.reset()
    # the same association, on trackers of their own
    two_stage_tracker, in_cap_tracker = (
        copy.deepcopy(tracker) for _ in range(2))
    identity_embeddings = IdentityEmbeddings()
    association = {}

    def frame_runs():
        for index, (image, boxes, ids) in enumerate(frames):
            embeds = identity_embeddings(ids)
            scores = np.ones(len(boxes))
            img, frame = frame_input(model, image, index, device)

            def detector_only():
                x = detector.extract_feat(img)
                proposals = detector.rpn_head.predict(
                    x, [frame], rescale=False)[0]
                detector.roi_head.predict(
                    x, [proposals], [frame], rescale=True)

            def hmot():
                model.motion_proposals_in_rpn_cap = False
                model.detect(img, frame)  # with the tracks' proposals
                start = time.perf_counter()
                with torch.profiler.record_function('association'):
                    tracker.track(boxes, scores, embeds)
                association.setdefault(index, time.perf_counter() - start)

            def hmot_in_cap():
                model.motion_proposals_in_rpn_cap = True
                model.detect(img, frame)
                in_cap_tracker.track(boxes, scores, embeds)

            def two_stage():
                detector_only()
                reid(reid.crop(img[0], torch.from_numpy(boxes).to(device)))
                two_stage_tracker.track(boxes, scores, embeds)

            yield list(
                zip(VARIANTS, (detector_only, hmot, hmot_in_cap, two_stage)))

    with torch.no_grad():
        result = in_turn(frame_runs(), warmup, device, RATIOS,
                         'HMOT' if profile else '')
    result['people'] = float(np.mean([len(b) for _, b, _ in frames[warmup:]]))
    result['association'] = float(
        np.median([t for i, t in association.items() if i >= warmup]))
    return result


def measure_training(config: str, frames, warmup: int, device: str) -> Dict:
    """Median seconds and peak tensor MB of one training step (forward,
    backward, SGD step) of each head on the same frames, run in turn."""
    ids = sorted({int(i) for _, _, frame_ids in frames for i in frame_ids})
    index_of = {i: n for n, i in enumerate(ids)}
    detectors = training_detectors(config, len(ids), device)
    optimizers = {
        name: torch.optim.SGD(model.parameters(), lr=1e-4)
        for name, model in detectors.items()
    }

    def step(name, img, samples):
        optimizers[name].zero_grad()
        model = detectors[name]
        loss, _ = model.parse_losses(model.loss(img, samples))
        loss.backward()
        optimizers[name].step()

    def frame_runs():
        for index, (image, boxes, frame_ids) in enumerate(frames):
            img, sample = frame_input(detectors['iHOIM'], image, index, device)
            sample.gt_instances = InstanceData(
                bboxes=torch.from_numpy(boxes).float().to(device),
                labels=torch.zeros(
                    len(boxes), dtype=torch.long, device=device),
                instances_ids=torch.tensor(
                    [index_of[int(i)] for i in frame_ids], device=device))
            yield [(name, partial(step, name, img, [sample]))
                   for name in detectors]

    result = in_turn(frame_runs(), warmup, device, [('iHOIM', 'Faster R-CNN')])
    result['people'] = float(np.mean([len(b) for _, b, _ in frames[warmup:]]))
    return result


def device_name(device: str) -> str:
    """``device``, with the GPU's name on CUDA."""
    if device == 'cuda':
        return f'cuda ({torch.cuda.get_device_name()})'
    return device


def mmcv_ops_source() -> str:
    """Where mmcv's RoIAlign and NMS run: its compiled extension, or
    torchvision's kernels through ``mmcv_ext_from_torchvision.py``."""
    import mmcv.ops  # noqa: F401  (loads mmcv._ext)
    if sys.modules['mmcv._ext'].__file__.endswith('.py'):
        return ('torchvision\'s kernels (mmcv-lite with '
                'tools/benchmarks/mmcv_ext_from_torchvision.py)')
    return 'mmcv\'s compiled extension'


def write_report(path: str, rows: List[Dict], train_rows: List[Dict], args,
                 command: str) -> None:
    lines = [
        '# Speed: one-stage HMOT vs the detector alone vs two-stage', '',
        '```bash', command, '```', '',
        f'Device {device_name(args.device)}, torch {torch.__version__}, '
        f'torch threads {torch.get_num_threads()}, RoIAlign and NMS from '
        f'{mmcv_ops_source()}, '
        f'frames {args.size}, median of {args.frames} frames after '
        f'{args.warmup} warm-up frames, random weights '
        '(see the script\'s docstring). A ratio is the median of its '
        'per-frame ratios (the variants run back to back on each frame), '
        'not the ratio of the medians.', '',
        '| backbone | people (mean) | detector ms | HMOT ms | of which '
        'association ms | HMOT, in RPN cap ms | two-stage ms '
        '| HMOT / detector | HMOT, in RPN cap / detector | two-stage / HMOT '
        '| detector MB | HMOT MB | HMOT, in RPN cap MB | two-stage MB |',
        '| --- ' * 14 + '|'
    ]
    for r in rows:
        cells = [r['backbone'], f'{r["people"]:.0f}']
        cells += [f'{1000 * r[v]:.0f}' for v in VARIANTS]
        cells.insert(4, f'{1000 * r["association"]:.0f}')
        cells += [f'{r[f"{a} / {b}"]:.2f}' for a, b in RATIOS]
        cells += [f'{r[v + " MB"]:.0f}' for v in VARIANTS]
        lines.append('| ' + ' | '.join(cells) + ' |')
    lines.append('')
    for backbone in dict.fromkeys(r['backbone'] for r in rows):
        mine = [r for r in rows if r['backbone'] == backbone]
        growth = {
            v: f'{100 * (mine[-1][v] / mine[0][v] - 1):+.0f} %'
            for v in VARIANTS
        }
        lines.append(
            f'- {backbone}: HMOT time grows {growth["HMOT"]} from '
            f'{mine[0]["people"]:.0f} to {mine[-1]["people"]:.0f} people '
            f'(the detector alone {growth["detector"]}, HMOT in the RPN\'s '
            f'cap {growth["HMOT, in RPN cap"]}); two-stage grows '
            f'{growth["two-stage"]}. Frames per second '
            f'at {mine[0]["people"]:.0f} → {mine[-1]["people"]:.0f} people: ' +
            ', '.join(f'{v} {1 / mine[0][v]:.1f} → {1 / mine[-1][v]:.1f}'
                      for v in VARIANTS) + '.')
    lines += [
        '', 'MB: peak tensor memory of one frame above the weights '
        '(see the docstring).', '', '## One training step: iHOIM head vs a '
        'plain Faster R-CNN head', '',
        f'Forward, backward and SGD step on one {args.size} frame, median of '
        f'{args.frames} steps after {args.warmup} warm-up steps (the '
        'ratio: median of per-step ratios).', '',
        '| backbone | people (mean) | Faster R-CNN ms | iHOIM ms '
        '| iHOIM / Faster R-CNN | Faster R-CNN MB | iHOIM MB |',
        '| --- ' * 7 + '|'
    ]
    for r in train_rows:
        lines.append(f'| {r["backbone"]} | {r["people"]:.0f} | '
                     f'{1000 * r["Faster R-CNN"]:.0f} | '
                     f'{1000 * r["iHOIM"]:.0f} | '
                     f'{r["iHOIM / Faster R-CNN"]:.2f} | '
                     f'{r["Faster R-CNN MB"]:.0f} | {r["iHOIM MB"]:.0f} |')
    png = osp.splitext(path)[0] + '.png'
    lines += ['', f'![per-frame time]({osp.basename(png)})', '']
    with open(path, 'w') as f:
        f.write('\n'.join(lines))
    plot(png, rows)


def plot(png: str, rows: List[Dict]) -> None:
    """Per-frame milliseconds of each variant (left) and HMOT's two
    ratios to the detector (right, the issue's 1.05 dashed) against the
    people per frame."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, (times, ratios) = plt.subplots(1, 2, figsize=(11, 4))
    for backbone in dict.fromkeys(r['backbone'] for r in rows):
        mine = [r for r in rows if r['backbone'] == backbone]
        people = [r['people'] for r in mine]
        for variant, style in zip(VARIANTS, ('-', '-o', ':^', '--s')):
            times.plot(
                people, [1000 * r[variant] for r in mine],
                style,
                label=f'{backbone}: {variant}')
        for (a, b), style in zip(RATIOS[:2], ('-o', ':^')):
            ratios.plot(
                people, [r[f'{a} / {b}'] for r in mine],
                style,
                label=f'{backbone}: {a} / {b}')
    ratios.axhline(1.05, color='grey', linestyle='--', linewidth=1)
    times.set_ylabel('ms per frame (median)')
    ratios.set_ylabel('time / detector\'s (median of per-frame ratios)')
    for ax in (times, ratios):
        ax.set_xlabel('people per frame')
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
    parser.add_argument(
        '--train-people',
        type=int,
        default=50,
        help='people per frame of the training-step comparison')
    parser.add_argument('--out', default='docs/speed.md')
    parser.add_argument(
        '--profile',
        action='store_true',
        help='print torch.profiler\'s operators of one HMOT frame at the '
        'largest crowd')
    parser.add_argument(
        '--quick',
        action='store_true',
        help='a seconds-long smoke run: small frames, MobileNetV2 only')
    args = parser.parse_args()
    if args.quick:
        args.people, args.size, args.frames, args.warmup = [3, 8], \
            '320x192', 1, 1
        args.train_people = 3
        args.backbones, args.reid_depth = ['MobileNetV2-FPN'], 18
    if min(args.people + [args.frames, args.train_people]) < 1 or \
            args.warmup < 0:
        parser.error('--people, --train-people and --frames must be >= 1, '
                     '--warmup >= 0')
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
    reid = CropReID(num_ids=2, depth=args.reid_depth).to(args.device).eval()
    rows, train_rows = [], []
    for backbone in args.backbones:
        model = build_hmot(CONFIGS[backbone], args.device)
        for people in args.people:
            frames = frames_with_people(
                people, (width, height),
                args.warmup + args.frames,
                seed=people)
            row = dict(
                backbone=backbone,
                **measure(model, reid, frames, args.warmup, args.device,
                          args.profile and people == args.people[-1]))
            if 'profile' in row:
                print(f'{backbone}, {row["people"]:.0f} people, one HMOT '
                      f'frame (DeepSORT in "association"): '
                      f'{row.pop("profile")}')
            rows.append(row)
            print(
                f'{backbone:16s} {row["people"]:6.0f} people: detector '
                f'{1000 * row["detector"]:7.0f} ms, HMOT '
                f'{1000 * row["HMOT"]:7.0f} ms, HMOT, in RPN cap '
                f'{1000 * row["HMOT, in RPN cap"]:7.0f} ms, two-stage '
                f'{1000 * row["two-stage"]:7.0f} ms',
                flush=True)
        frames = frames_with_people(
            args.train_people, (width, height),
            args.warmup + args.frames,
            seed=args.train_people)
        row = dict(
            backbone=backbone,
            **measure_training(CONFIGS[backbone], frames, args.warmup,
                               args.device))
        train_rows.append(row)
        print(
            f'{backbone:16s} training step, {row["people"]:.0f} people: '
            f'Faster R-CNN {1000 * row["Faster R-CNN"]:7.0f} ms, iHOIM '
            f'{1000 * row["iHOIM"]:7.0f} ms',
            flush=True)
    write_report(args.out, rows, train_rows, args, command)
    print(f'wrote {args.out} and {osp.splitext(args.out)[0]}.png')


if __name__ == '__main__':
    main()
