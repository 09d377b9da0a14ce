"""Track people in a video, an image folder or a MOTChallenge sequence and
write ``OUT_DIR/<name>.txt`` (MOTChallenge rows) and ``OUT_DIR/<name>.mp4``
(boxes, ids and trails in stable per-id colours).

    python tools/demo_track.py CONFIG CHECKPOINT --input VIDEO_OR_DIR \
        --out-dir DIR [--device cpu|cuda] [--score-thr 0.5]
"""
import argparse
import os
import os.path as osp
import sys
import time

import cv2
import numpy as np
from mmengine.utils import ProgressBar

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from hmot_mm import apis  # noqa: E402
from hmot_mm.datasets.motchallenge_io import FrameReader  # noqa: E402
from hmot_mm.evaluation.metrics.motmetrics_metric import (  # noqa: E402
    to_rows, write_results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument(
        '--input',
        required=True,
        help='video file, image folder or MOT sequence')
    parser.add_argument('--out-dir', required=True)
    parser.add_argument('--device', default='cpu', choices=['cpu', 'cuda'])
    parser.add_argument(
        '--score-thr',
        type=float,
        help="detections the tracker uses (default: the "
        "config's)")
    parser.add_argument(
        '--fps',
        type=float,
        default=10.0,
        help='frame rate of the written video')
    args = parser.parse_args()
    try:
        frames = FrameReader(args.input)
        if not osp.isfile(args.checkpoint):
            raise FileNotFoundError(f'{args.checkpoint}: no such checkpoint')
        model = apis.init_tracker_model(args.config, args.checkpoint,
                                        args.device)
    except (OSError, ValueError, RuntimeError) as e:
        sys.exit(f'demo_track: {e}')
    if args.score_thr is not None:
        model.tracker.score_thr = args.score_thr
    name = osp.splitext(osp.basename(osp.normpath(args.input)))[0]
    os.makedirs(args.out_dir, exist_ok=True)
    video_path = osp.join(args.out_dir, f'{name}.mp4')
    writer, rows, paint = None, [], apis.TrackPainter()
    progress = ProgressBar(len(frames))
    start = time.time()
    try:
        for number, image, tracks in apis.track_frames(model, iter(frames),
                                                       len(frames)):
            if writer is None:
                height, width = image.shape[:2]
                writer = cv2.VideoWriter(video_path,
                                         cv2.VideoWriter_fourcc(*'mp4v'),
                                         args.fps, (width, height))
            writer.write(paint(image, tracks))
            rows.append(
                to_rows(number, tracks['bboxes'], tracks['ids'],
                        tracks['scores'], -1, -1))
            progress.update()
    except (OSError, ValueError) as e:
        sys.exit(f'\ndemo_track: {e}')
    finally:
        if writer is not None:
            writer.release()
    elapsed = time.time() - start
    write_results(osp.join(args.out_dir, f'{name}.txt'), np.concatenate(rows))
    print(f'\ntracked {len(frames)} frames in {elapsed:.1f} s '
          f'({len(frames) / elapsed:.2f} fps); wrote {video_path} and '
          f'{osp.join(args.out_dir, name + ".txt")}')


if __name__ == '__main__':
    main()
