"""The paper's Table 2 on this project's data: OIM−MM, iHOIM−MM and
iHOIM+MM, with two anchors a user would pick instead, several seeds.

    python tools/benchmarks/ablation.py [--datasets pets synth_crowd] \
        [--seeds 0 1 2] [--crowd-seeds 0 1 2] [--iters 500] \
        [--reid-iters 200] [--jobs 2] [--work-dir work_dirs/ablation] \
        [--out docs/benchmarks.md] [--quick]

Per dataset and seed it trains, with ``tools/train.py`` and the dataset's
config (the real-video one, ``configs/hmot/..._pets09-halfval_cpu.py``,
with ``--iters`` iterations in its schedule's proportions):

- **iHOIM**: the config as it is;
- **OIM**: the config's OIM−MM twin (``..._pets09-halfval_cpu.py`` with
  an ``oim_`` prefix): mmdet's classification branch beside the embedding,
  plain OIM over the lookup table (``OIMBBoxHead``), and the tracker
  thresholds chosen for its scores;
- **ReID** (``tools/train_reid.py``): a separate ResNet-18 on 256×128 crops
  of the same identities, cross-entropy + batch-hard triplet,
  ``--reid-iters`` iterations of 32 crops;

then tracks the held-out frames with ``tools/test.py`` as the five rows of
``ROW_TABLE`` below: the paper's three, IoU-only association (SORT) and a
two-stage tracker (``TwoStageHMOT``: DeepSORT on the ReID network's
embeddings of each detection's crop), both on iHOIM−MM's detections.

Datasets: ``pets`` is PETS09-S2L1 from ``../shared/data`` (frames 1–397
train, 398–795 scored); ``synth_crowd`` is a generated crowd (two
sequences of ``--crowd-frames`` frames, about 155 people in view, 768×432;
first halves train, second halves scored), trained and tracked with the
changes of ``CROWD_SETTINGS``. Every row's config is written
beside its outputs under ``--work-dir``. The table gives mean ± std over
seeds of MOTA, IDF1, HOTA, IDSw, FP and FN, and says whether each step of
the paper's ordering is larger than the seeds' spread; a bar chart is
written beside ``--out``. ``--quick`` runs a small generated dataset, one
seed and a few iterations (a smoke run, minutes).
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import time
from glob import glob
from typing import Dict, List

import numpy as np
from mmengine.config import Config

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
PETS_CONFIG = ('configs/hmot/'
               'ihoim_faster-rcnn_mobilenetv2_fpn_pets09-halfval_cpu.py')
OIM_PETS_CONFIG = PETS_CONFIG.replace('hmot/ihoim_', 'hmot/oim_')
PETS = osp.join(ROOT, '..', 'shared', 'data', 'PETS09-S2L1')
ROWS = ('OIM−MM', 'iHOIM−MM', 'iHOIM+MM', 'SORT-IoU', 'two-stage')
# Where the generated crowd departs from the PETS09 config, chosen on a
# validation crowd of another generator seed (docs/benchmarks.md): R-CNN
# RoIs drawn uniformly instead of mined by their detection loss, training
# scale jitter 0.9-1.1 instead of 0.8-1.5, the bases' tracker
# thresholds (new tracks from 0.6, second association from 0.1), and
# online tracks (the PETS09 config's gap filling was chosen on PETS09 only).
CROWD_SETTINGS = dict(
    sampler='RandomSampler',
    ratio_range=(0.9, 1.1),
    tracker=dict(score_thr=0.6, low_score_thr=0.1),
    interpolation=None)
ROW_TABLE = f'''| row | model | association |
|---|---|---|
| OIM−MM | classification branch + OIM | DeepSORT, no motion proposals, \
thresholds chosen for its scores (PETS09) |
| iHOIM−MM | single branch, iHOIM | DeepSORT, no motion proposals |
| iHOIM+MM | single branch, iHOIM | DeepSORT, motion proposals |
| SORT-IoU | iHOIM−MM's detections | IoU only (SORT) |
| two-stage | iHOIM−MM's detections | DeepSORT on a separate ResNet-18 \
ReID's embeddings of the crops |

Data: `pets` is PETS09-S2L1 (frames 1-397 train, 398-795 scored);
`synth_crowd` two generated sequences of about 155 people in view at
768×432 (first halves train, second halves scored), with the crowd's
settings (`CROWD_SETTINGS` in the script): RoIs sampled by \
`{CROWD_SETTINGS['sampler']}`, scale jitter \
{CROWD_SETTINGS['ratio_range'][0]}-{CROWD_SETTINGS['ratio_range'][1]}, \
tracker thresholds {CROWD_SETTINGS['tracker']['score_thr']} / \
{CROWD_SETTINGS['tracker']['low_score_thr']}, online tracks (PETS09's \
rows fill short gaps, as its config does).
'''
METRICS = ('MOTA', 'IDF1', 'HOTA', 'IDSw', 'FP', 'FN')
# row -> (trained model, test-time options)
ROW_RUNS = {
    'OIM−MM': ('oim', ['model.motion_proposals=False']),
    'iHOIM−MM': ('ihoim', ['model.motion_proposals=False']),
    'iHOIM+MM': ('ihoim', []),
    'SORT-IoU':
    ('ihoim',
     ['model.motion_proposals=False', 'model.tracker.appearance=False']),
    'two-stage': ('two_stage', ['model.motion_proposals=False']),
}
# the generated datasets: (sequences, frames, people in view, size)
GENERATED = {
    'synth_crowd': (2, None, 160, (768, 432)),
    'quick': (2, 24, 6, (320, 240)),
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--datasets',
        nargs='+',
        default=['pets', 'synth_crowd'],
        choices=['pets', 'synth_crowd'])
    parser.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2])
    parser.add_argument(
        '--crowd-seeds',
        nargs='+',
        type=int,
        help='seeds of synth_crowd, the costlier dataset; default --seeds')
    parser.add_argument('--iters', type=int, default=500)
    parser.add_argument('--reid-iters', type=int, default=200)
    parser.add_argument('--crowd-frames', type=int, default=60)
    parser.add_argument(
        '--jobs',
        type=int,
        default=2,
        help='steps run at once, one thread each')
    parser.add_argument('--work-dir', default='work_dirs/ablation')
    parser.add_argument('--out', default='docs/benchmarks.md')
    parser.add_argument('--quick', action='store_true')
    args = parser.parse_args()
    if args.quick:
        args.datasets, args.seeds = ['quick'], [0]
        args.iters, args.reid_iters = 12, 4
    args.crowd_seeds = args.crowd_seeds or args.seeds
    if min(args.iters, args.reid_iters, args.jobs, args.crowd_frames) < 1:
        parser.error('--iters, --reid-iters, --jobs and --crowd-frames must '
                     'be >= 1')
    if 'pets' in args.datasets and not osp.isdir(PETS):
        parser.error(f'PETS09-S2L1 not found at {osp.normpath(PETS)}')
    parent = osp.dirname(osp.abspath(args.out))
    if not osp.isdir(parent):
        parser.error(f'--out {args.out}: folder {parent} does not exist')
    return args


def run(cmd: List[str], log: str, threads: int = 0) -> subprocess.Popen:
    """Start a tool in the repository root, output to ``log``."""
    env = dict(os.environ)
    if threads:
        env['OMP_NUM_THREADS'] = env['MKL_NUM_THREADS'] = str(threads)
    os.makedirs(osp.dirname(log), exist_ok=True)
    with open(log, 'w') as f:
        return subprocess.Popen(
            [sys.executable] + cmd,
            cwd=ROOT,
            stdout=f,
            stderr=subprocess.STDOUT,
            env=env)


def checked(cmd: List[str], log: str) -> None:
    if run(cmd, log).wait() != 0:
        sys.exit(f'ablation: {" ".join(cmd)} failed; see {log}')


def prepare_data(name: str, work: str, args) -> Dict[str, str]:
    """Annotations (and generated frames) of a dataset; returns the
    dataset fields of its configs."""
    ann = osp.join(work, 'data', name, 'annotations')
    fields = dict(ann=ann)
    if name == 'pets':
        fields['images'] = osp.dirname(osp.normpath(PETS)) + '/'
    else:
        fields['images'] = osp.join(work, 'data', name, 'train') + '/'
        fields['size'] = GENERATED[name][3]
        fields['crowd'] = GENERATED[name][2] > 100
    weights = osp.join(ROOT, 'checkpoints',
                       'mobilenetv2_coco-person_mmdet.pth')
    if name != 'quick' and not osp.isfile(weights):  # the configs' backbone
        checked(['tools/model_converters/ssdlite_person_to_mmdet.py', weights],
                osp.join(work, 'logs', 'weights.log'))
    if osp.isfile(osp.join(ann, 'half-val_cocoformat.json')):
        return fields  # made by an earlier run
    if name == 'pets':
        checked([
            'tools/dataset_converters/mot2coco.py', '-i', PETS, '-o', ann,
            '--split-train', '--overwrite'
        ], osp.join(work, 'logs', 'pets_data.log'))
        return fields
    seqs, frames, persons, (width, height) = GENERATED[name]
    frames = frames or args.crowd_frames
    images = fields['images']
    checked([
        'tools/make_synthetic_mot.py', '--out', images, '--seqs',
        str(seqs), '--frames',
        str(frames), '--persons',
        str(persons), '--size', f'{width}x{height}', '--overwrite'
    ], osp.join(work, 'logs', f'{name}_data.log'))
    checked([
        'tools/dataset_converters/mot2coco.py', '-i', images, '-o', ann,
        '--split-train', '--overwrite'
    ], osp.join(work, 'logs', f'{name}_convert.log'))
    return fields


def row_configs(dataset: Dict[str, str], iters: int, seed: int,
                out_dir: str) -> Dict[str, str]:
    """Write the iHOIM, OIM and two-stage configs of one dataset and
    seed; returns name -> config path. iHOIM is the PETS09 config, OIM
    its OIM−MM twin, two-stage iHOIM's with a ReID network; each gets the
    dataset, ``iters`` iterations and the seed."""
    with open(osp.join(dataset['ann'], 'half-train_cocoformat.json')) as f:
        num_ids = json.load(f)['num_ids']
    configs = {}
    for name, path in (('ihoim', PETS_CONFIG), ('oim', OIM_PETS_CONFIG)):
        configs[name] = Config.fromfile(osp.join(ROOT, path))
        adapt(configs[name], dataset, num_ids, iters, seed)
    two_stage = Config(configs['ihoim'].to_dict())
    two_stage.model.type = 'TwoStageHMOT'
    two_stage.model.reid = dict(type='CropReID', num_ids=num_ids, depth=18)
    configs['two_stage'] = two_stage
    paths = {}
    os.makedirs(out_dir, exist_ok=True)
    for name, config in configs.items():
        paths[name] = osp.join(out_dir, f'{name}.py')
        config.dump(paths[name])
    return paths


def adapt(cfg: Config, dataset: Dict[str, str], num_ids: int, iters: int,
          seed: int) -> None:
    """Point a PETS09 config at ``dataset`` (N = ``num_ids``), with
    ``iters`` iterations in its schedule's proportions and ``seed``."""
    train = cfg.train_dataloader.dataset
    train.ann_file = osp.join(dataset['ann'], 'half-train_cocoformat.json')
    train.data_prefix = dict(img=dataset['images'])
    train.num_ids = num_ids
    test = cfg.test_dataloader.dataset
    test.ann_file = osp.join(dataset['ann'], 'half-val_cocoformat.json')
    test.data_prefix = dict(img_path=dataset['images'])
    if 'size' in dataset:  # generated frames: train and track at full size
        for t in train.pipeline + test.pipeline[0].transforms:
            if t.type in ('RandomResize', 'Resize'):
                t.scale = dataset['size']
    if dataset.get('crowd'):
        # mmdet's proposal counts: the CPU config's 100 at test would cap a
        # crowd
        detector = cfg.model.detector
        detector.train_cfg.rpn_proposal.update(nms_pre=2000, max_per_img=1000)
        detector.test_cfg.rpn.update(nms_pre=1000, max_per_img=1000)
        detector.train_cfg.rcnn.sampler.type = CROWD_SETTINGS['sampler']
        for t in train.pipeline:
            if t.type == 'RandomResize':
                t.ratio_range = CROWD_SETTINGS['ratio_range']
        cfg.model.tracker.update(CROWD_SETTINGS['tracker'])
        for metric in cfg.test_evaluator:
            metric.interpolation = CROWD_SETTINGS['interpolation']
    if 'size' in dataset and dataset['size'] == GENERATED['quick'][3]:
        cfg.model.detector.backbone.init_cfg = None  # a smoke run: no weights
    loss = cfg.model.detector.roi_head.bbox_head.loss_reid
    loss.num_ids = num_ids
    if 'bg_queue_size' in loss:  # iHOIM's B = N
        loss.bg_queue_size = num_ids
    cfg.train_cfg.max_iters = iters
    warmup, steps = cfg.param_scheduler
    warmup.end = min(warmup.end, max(iters // 10, 1))
    steps.end, steps.milestones = iters, [iters * 6 // 7]
    cfg.default_hooks.checkpoint.interval = iters
    cfg.randomness.seed = seed
    # every row without PreciseMemoryHook, as the rows were measured: it
    # applies to iHOIM's memory only, so it would set the rows apart
    cfg.custom_hooks = [
        hook for hook in cfg.custom_hooks if hook.type != 'PreciseMemoryHook'
    ]


class Steps:
    """Run tool invocations with dependencies, ``jobs`` at once (one
    thread each when more than one), printing progress and an ETA."""

    def __init__(self, jobs: int) -> None:
        self.jobs, self.todo, self.done = jobs, [], set()

    def add(self, name: str, cmd: List[str], log: str, output: str,
            after=()) -> None:
        """A step; it is skipped when ``output`` exists (a rerun resumes
        where an interrupted one stopped)."""
        if glob(output):
            self.done.add(name)
        else:
            self.todo.append((name, cmd, log, set(after)))

    def run_all(self) -> None:
        total, running, start = len(self.todo), {}, time.time()
        skipped = len(self.done)
        while self.todo or running:
            for step in list(self.todo):
                if len(running) < self.jobs and step[3] <= self.done:
                    self.todo.remove(step)
                    threads = 1 if self.jobs > 1 else 0
                    running[step[0]] = (run(step[1], step[2], threads), step)
            time.sleep(1)
            for name, (proc, step) in list(running.items()):
                if proc.poll() is None:
                    continue
                del running[name]
                if proc.returncode != 0:
                    for other, _ in running.values():
                        other.kill()
                    sys.exit(f'ablation: step {name} failed '
                             f'(exit {proc.returncode}); see {step[2]}')
                self.done.add(name)
                finished = len(self.done) - skipped
                elapsed = time.time() - start
                bar = '#' * (20 * finished // total)
                eta = elapsed / finished * (total - finished)
                print(
                    f'[{bar:<20}] {finished}/{total} {name} '
                    f'({elapsed / 60:.1f} min, ETA {eta / 60:.1f} min)',
                    flush=True)


def test_metrics(test_dir: str) -> Dict[str, float]:
    """The metrics ``tools/test.py`` logged as JSON in ``test_dir``."""
    (path, ) = glob(osp.join(test_dir, '*', '*.json'))
    with open(path) as f:
        logged = json.load(f)
    return {m: logged[f'motmetrics/{m}'] for m in METRICS}


def summarise(results: Dict[str, Dict[str, List[dict]]]) -> str:
    """Markdown tables (mean ± std over seeds) and the ordering verdict."""
    lines = []
    for dataset, rows in results.items():
        count = len(next(iter(rows.values())))
        lines += [
            f'### {dataset} ({count} seed{"s" * (count > 1)})', '',
            '| row | ' + ' | '.join(METRICS) + ' |',
            '|---' * (len(METRICS) + 1) + '|'
        ]
        for row in ROWS:
            cells = []
            for m in METRICS:
                values = np.array([r[m] for r in rows[row]], dtype=float)
                scale = 100 if m in ('MOTA', 'IDF1', 'HOTA') else 1
                fmt = '.1f' if scale == 100 else '.0f'
                cells.append(f'{values.mean() * scale:{fmt}} ± '
                             f'{values.std() * scale:{fmt}}')
            lines.append(f'| {row} | ' + ' | '.join(cells) + ' |')
        lines.append('')
        for metric in ('MOTA', 'IDF1'):
            lines.append(f'- {metric}: ' + '; '.join(
                verdict(rows[a], rows[b], metric)
                for a, b in zip(ROWS[:2], ROWS[1:3])) + '.')
        seeds = [r['seed'] for r in rows[ROWS[0]]]
        lines += [
            '', 'MOTA / IDF1 per seed:', '', '| row | ' +
            ' | '.join(f'seed {s}'
                       for s in seeds) + ' |', '|---' * (len(seeds) + 1) + '|'
        ] + [
            f'| {row} | ' + ' | '.join(f'{r["MOTA"] * 100:.1f} / '
                                       f'{r["IDF1"] * 100:.1f}'
                                       for r in rows[row]) + ' |'
            for row in ROWS
        ]
        lines.append('')
    return '\n'.join(lines)


def verdict(lower: List[dict], higher: List[dict], metric: str) -> str:
    """Whether ``higher`` (the paper's better row) beats ``lower`` by more
    than the seeds' spread (the larger of the two standard deviations)."""
    a = np.array([r[metric] for r in lower])
    b = np.array([r[metric] for r in higher])
    gap, spread = b.mean() - a.mean(), max(a.std(), b.std())
    names = f'{higher[0]["row"]} − {lower[0]["row"]} = {gap * 100:+.1f}'
    if len(a) == 1:
        return f'{names} (one seed: no spread measured)'
    if abs(gap) <= spread:
        return f'{names}, within the spread ({spread * 100:.1f}): a tie'
    holds = 'as the paper' if gap > 0 else 'against the paper'
    return f'{names}, beyond the spread ({spread * 100:.1f}): {holds}'


def plot(results, path: str) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(
        1, len(results), figsize=(6 * len(results), 4), squeeze=False)
    for ax, (dataset, rows) in zip(axes[0], results.items()):
        x = np.arange(len(ROWS))
        for k, metric in enumerate(('MOTA', 'IDF1', 'HOTA')):
            values = [[r[metric] * 100 for r in rows[row]] for row in ROWS]
            ax.bar(
                x + (k - 1) * 0.27, [np.mean(v) for v in values],
                0.27,
                yerr=[np.std(v) for v in values],
                capsize=3,
                label=metric)
        ax.set_xticks(x, ROWS, rotation=20)
        ax.set_title(dataset)
        ax.set_ylabel('%')
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main() -> None:
    args = parse_args()
    work = osp.abspath(args.work_dir)
    steps = Steps(args.jobs)
    tests = {}
    for name in args.datasets:
        print(f'data: {name}', flush=True)
        dataset = prepare_data(name, work, args)
        for seed in (args.crowd_seeds
                     if name == 'synth_crowd' else args.seeds):
            run_dir = osp.join(work, name, f'seed{seed}')
            configs = row_configs(dataset, args.iters, seed,
                                  osp.join(run_dir, 'configs'))
            ckpt = {
                m: osp.join(run_dir, m, f'iter_{args.iters}.pth')
                for m in ('ihoim', 'oim')
            }
            ckpt['two_stage'] = osp.join(run_dir, 'reid', 'two_stage.pth')
            key = f'{name}/seed{seed}'
            for model in ('ihoim', 'oim'):
                steps.add(f'{key}/train-{model}', [
                    'tools/train.py', configs[model], '--work-dir',
                    osp.join(run_dir, model)
                ], osp.join(run_dir, 'logs', f'train_{model}.log'),
                          ckpt[model])
            steps.add(
                f'{key}/train-reid', [
                    'tools/train_reid.py', configs['two_stage'], '--work-dir',
                    osp.join(run_dir, 'reid'), '--iters',
                    str(args.reid_iters), '--seed',
                    str(seed), '--detector', ckpt['ihoim']
                ],
                osp.join(run_dir, 'logs', 'train_reid.log'),
                ckpt['two_stage'],
                after=[f'{key}/train-ihoim'])
            for row, (model, options) in ROW_RUNS.items():
                test_dir = osp.join(run_dir, 'test', row)
                trained = 'reid' if model == 'two_stage' else model
                steps.add(
                    f'{key}/test {row}',
                    [
                        'tools/test.py', configs[model], '--checkpoint',
                        ckpt[model], '--work-dir', test_dir
                    ] + (['--cfg-options'] + options if options else []),
                    osp.join(run_dir, 'logs', f'test_{row}.log'),
                    osp.join(test_dir, '*', '*.json'),
                    after=[f'{key}/train-{trained}'])
                tests[(name, seed, row)] = test_dir
    steps.run_all()
    results = {}
    for (name, seed, row), test_dir in tests.items():
        metrics = dict(test_metrics(test_dir), row=row, seed=seed)
        results.setdefault(name, {}).setdefault(row, []).append(metrics)
    with open(osp.join(work, 'results.json'), 'w') as f:
        json.dump(results, f, indent=1)
    table = summarise(results)
    print(table)
    command = 'python tools/benchmarks/ablation.py ' + ' '.join(sys.argv[1:])
    png = osp.splitext(args.out)[0] + '.png'
    with open(args.out, 'w') as f:
        f.write('# Table 2 on this project\'s data\n\n```bash\n'
                f'{command}\n```\n\n' + ROW_TABLE + '\n' +
                f'Every row: the CPU network of `{PETS_CONFIG}` trained '
                f'{args.iters} iterations of batch 2 (its schedule\'s '
                f'proportions), the ReID network {args.reid_iters} '
                'iterations of 32 crops. MOTA, IDF1, HOTA in %, '
                'mean ± std over seeds; written by the command above '
                '(per-seed figures in `results.json` under its work dir). '
                'Speed: [speed.md](speed.md).\n\n' + table +
                f'\n![rows]({osp.basename(png)})\n')
    plot(results, png)
    print(f'wrote {args.out} and {png}')


if __name__ == '__main__':
    main()
