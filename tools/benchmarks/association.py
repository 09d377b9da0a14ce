"""DeepSORT's time per frame alone, as the crowd grows: the association
that HMOT and the two-stage tracker share (``speed.py``'s "of which
association"), without a detector.

    python tools/benchmarks/association.py [--people 10 50 100 200] \
        [--frames 50] [--warmup 20] [--dim 128]

The tracker is the MobileNetV2-FPN config's ``MotionProposalTracker``. It
is fed what ``speed.py`` feeds it: the generated crowd's true boxes at
1088×608 (every person in view found, score 1) and one fixed unit vector
of ``--dim`` values per identity. Each frame first takes the motion
proposals (the Kalman prediction), as HMOT does, then is timed from the
call of ``track`` to its return. Prints the median over ``--frames``
frames after ``--warmup`` untimed ones (which confirm the tracks) and the
live tracks at the end. numpy's threads are whatever the environment
sets (``OMP_NUM_THREADS``).
"""
import argparse
import os.path as osp
import sys
import time
from typing import Dict, List

import numpy as np
from mmdet.registry import MODELS
from mmengine.config import Config

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from speed import IdentityEmbeddings  # noqa: E402
from speed import CONFIGS, frames_with_people  # noqa: E402


def time_tracker(tracker,
                 frames,
                 warmup: int,
                 dim: int,
                 seed: int = 0) -> Dict[str, float]:
    """Median seconds of ``tracker.track`` over the frames after
    ``warmup``, and the live tracks after the last frame."""
    identity_embeddings = IdentityEmbeddings(dim, seed)
    tracker.reset()
    seconds: List[float] = []
    for index, (_, boxes, ids) in enumerate(frames):
        embeds = identity_embeddings(ids)
        tracker.motion_proposals()
        start = time.perf_counter()
        tracker.track(boxes, np.ones(len(boxes)), embeds)
        if index >= warmup:
            seconds.append(time.perf_counter() - start)
    return dict(seconds=float(np.median(seconds)), tracks=len(tracker.tracks))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--people', type=int, nargs='+', default=[10, 50, 100, 200])
    parser.add_argument('--frames', type=int, default=50)
    parser.add_argument('--warmup', type=int, default=20)
    parser.add_argument('--dim', type=int, default=128)
    args = parser.parse_args()
    if min(args.people + [args.frames, args.dim]) < 1 or args.warmup < 0:
        parser.error('--people, --frames and --dim must be >= 1, '
                     '--warmup >= 0')
    import hmot_mm  # noqa: F401  (registers the tracker)
    cfg = Config.fromfile(CONFIGS['MobileNetV2-FPN'])
    tracker = MODELS.build(cfg.model.tracker)
    print('| people (mean) | DeepSORT ms per frame (median) | live tracks |')
    print('| --- | --- | --- |')
    for people in args.people:
        frames = frames_with_people(
            people, (1088, 608), args.warmup + args.frames, seed=people)
        result = time_tracker(tracker, frames, args.warmup, args.dim)
        shown = np.mean([len(b) for _, b, _ in frames[args.warmup:]])
        print(
            f'| {shown:.0f} | {1000 * result["seconds"]:.2f} | '
            f'{result["tracks"]} |',
            flush=True)


if __name__ == '__main__':
    main()
