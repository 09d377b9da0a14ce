"""Track people in a video, an image folder or a MOTChallenge sequence and
write ``OUT_DIR/<name>.txt`` (MOTChallenge rows) and ``OUT_DIR/<name>.mp4``
(boxes, ids and trails in stable per-id colours).

    python tools/demo_track.py CONFIG CHECKPOINT --input VIDEO_OR_DIR \
        --out-dir DIR [--frames FIRST-LAST] [--device cpu|cuda] \
        [--score-thr 0.5] [--fps FPS] [--online]

If the config's ``MotMetricsMetric`` interpolates tracks (``interpolation``,
e.g. ``TrackletInterpolation``), so does this tool, with the same rows as
``tools/test.py``: each frame is written that many frames late, when no
later frame can fill it any more. ``--online`` writes every frame as it is
tracked, without it.

Frames are numbered from 1 as in MOTChallenge; ``--frames 398-795`` tracks
that part only (a new sequence starting at frame 398, as ``tools/test.py``
does on a half-val split). If a frame cannot be read or changes size, the
rows and the video of the frames tracked so far are kept and the run exits
with an error.
"""
import argparse
import os
import os.path as osp
import sys
import time

import cv2
import numpy as np
import torch
from mmengine.config import Config
from mmengine.utils import ProgressBar

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from hmot_mm import apis  # noqa: E402
from hmot_mm.datasets import motchallenge_io  # noqa: E402
from hmot_mm.visualization import TrackPainter  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument(
        '--input',
        required=True,
        help='video file, image folder or MOT sequence')
    parser.add_argument('--out-dir', required=True)
    parser.add_argument(
        '--frames',
        metavar='FIRST-LAST',
        help='track frames FIRST..LAST only (1-based, inclusive)')
    parser.add_argument('--device', default='cpu', choices=['cpu', 'cuda'])
    parser.add_argument(
        '--score-thr',
        type=float,
        help="detections the tracker uses, in [0, 1] (default: the "
        "config's)")
    parser.add_argument(
        '--fps',
        type=float,
        help='frame rate of the written video (default: the source\'s, '
        'else 10)')
    parser.add_argument(
        '--online',
        action='store_true',
        help="the tracker's output as it comes, without the config's "
        'interpolation (short gaps; tentative starts where it fills them)')
    args = parser.parse_args()
    if args.score_thr is not None and not 0 <= args.score_thr <= 1:
        parser.error(f'--score-thr {args.score_thr}: a score in [0, 1]')
    if args.fps is not None and not (np.isfinite(args.fps) and args.fps > 0):
        parser.error(f'--fps {args.fps}: a positive frame rate')
    if args.frames is not None:
        try:
            args.frames = motchallenge_io.parse_frame_range(args.frames)
        except ValueError as e:
            parser.error(str(e))
    if osp.exists(args.out_dir) and not osp.isdir(args.out_dir):
        parser.error(f'--out-dir {args.out_dir}: exists and is not a folder')
    if args.device == 'cuda' and not torch.cuda.is_available():
        parser.error('--device cuda: this torch build sees no CUDA GPU')
    return args


def main() -> None:
    args = parse_args()
    try:
        frames = motchallenge_io.FrameReader(args.input)
        first, last = args.frames or (1, len(frames))
        if last > len(frames):
            raise ValueError(f'--frames {first}-{last}: {args.input} has '
                             f'{len(frames)} frames')
        if not osp.isfile(args.checkpoint):
            raise FileNotFoundError(f'{args.checkpoint}: no such checkpoint')
        interpolation = None if args.online else apis.tracklet_interpolation(
            Config.fromfile(args.config))
        os.makedirs(args.out_dir, exist_ok=True)
        model = apis.init_track_model(args.config, args.checkpoint,
                                      args.device)
    except (OSError, ValueError, RuntimeError) as e:
        sys.exit(f'demo_track: {e}')
    if args.score_thr is not None:
        model.tracker.score_thr = args.score_thr
    fps = args.fps or frames.fps or 10.0
    name = osp.splitext(osp.basename(osp.normpath(args.input)))[0]
    video_path = osp.join(args.out_dir, f'{name}.mp4')
    txt_path = osp.join(args.out_dir, f'{name}.txt')
    count = last - first + 1
    selected = ((n, image) for n, image in frames if first <= n <= last)
    writer, rows, paint = None, [], TrackPainter()

    def write(frame: dict) -> None:
        nonlocal writer
        if writer is None:
            height, width = frame['image'].shape[:2]
            writer = cv2.VideoWriter(video_path,
                                     cv2.VideoWriter_fourcc(*'mp4v'), fps,
                                     (width, height))
        writer.write(paint(frame['image'], frame))
        rows.append(
            motchallenge_io.to_rows(frame['frame'], frame['bboxes'],
                                    frame['ids'], frame['scores'], -1, -1))

    progress = ProgressBar(count)
    start, error = time.time(), None
    try:
        for number, image, tracks in apis.inference_mot(
                model, selected, count):
            frame = dict(tracks, frame=number, image=image)
            for ready in (interpolation.push(frame)
                          if interpolation else [frame]):
                write(ready)
            progress.update()
            if number == last:
                break
    except (OSError, ValueError) as e:
        error = e
    finally:
        # the frames held for interpolation, filled as far as they can be
        for ready in (interpolation.flush() if interpolation else []):
            write(ready)
        if writer is not None:
            writer.release()
    elapsed = time.time() - start
    if rows:
        motchallenge_io.write_results(txt_path, np.concatenate(rows))
    if error is not None:
        kept = (f'kept the {len(rows)} frames tracked before it in '
                f'{txt_path} and {video_path}' if rows else 'nothing written')
        sys.exit(f'\ndemo_track: {error} ({kept})')
    print(f'\ntracked {len(rows)} frames in {elapsed:.1f} s '
          f'({len(rows) / elapsed:.2f} fps); wrote {video_path} '
          f'({fps:g} fps) and {txt_path}')


if __name__ == '__main__':
    main()
