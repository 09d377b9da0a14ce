"""Track a video with a trained model, outside the test loop."""
import colorsys
from collections import defaultdict, deque
from typing import Dict, Iterator, Tuple

import cv2
import numpy as np
import torch
from mmcv.transforms import Compose
from mmdet.registry import MODELS
from mmengine.config import Config
from mmengine.dataset import default_collate
from mmengine.registry import init_default_scope

from .utils import load_weights


def init_tracker_model(config: str,
                       checkpoint: str,
                       device: str = 'cpu') -> torch.nn.Module:
    """Build a tracking model from ``config`` and load ``checkpoint``.

    Raises:
        ValueError: the config's model has no tracker.
        ValueError: the checkpoint is not one, or does not fit the model
            (the missing and unexpected keys are named).
    """
    cfg = Config.fromfile(config)
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    if 'tracker' not in cfg.model:
        raise ValueError(f'{config}: model {cfg.model.get("type")} has no '
                         'tracker; use a tracking (HMOT) config')
    model = MODELS.build(cfg.model)
    load_weights(model, checkpoint)
    model.cfg = cfg
    return model.to(device).eval()


def frame_pipeline(cfg: Config) -> Compose:
    """The config's test pipeline for in-memory frames: its Resize inside
    the TransformBroadcaster, then PackTrackInputs."""
    broadcaster, pack = (cfg.test_dataloader.dataset.pipeline[0].copy(),
                         cfg.test_dataloader.dataset.pipeline[-1].copy())
    broadcaster['transforms'] = [
        t for t in broadcaster['transforms'] if t['type'] == 'Resize'
    ]
    return Compose([broadcaster, pack])


def track_frames(model: torch.nn.Module, frames: Iterator[Tuple[int,
                                                                np.ndarray]],
                 num_frames: int) -> Iterator[Tuple[int, np.ndarray, dict]]:
    """Yield ``(frame number, image, tracks)`` with ``tracks`` holding
    ``bboxes`` (x1y1x2y2), ``ids`` and ``scores`` as numpy arrays.

    The first frame given starts a new sequence (the tracker is reset), so
    ``frames`` may begin anywhere in a video."""
    pipeline = frame_pipeline(model.cfg)
    for index, (number, image) in enumerate(frames):
        data = pipeline(
            dict(
                img=[image],  # uint8, as LoadFrame gives the test pipeline
                frame_id=[index],
                ori_shape=[image.shape[:2]],
                img_id=[number],
                ori_video_length=[num_frames]))
        with torch.no_grad():
            result = model.test_step(default_collate([data]))[0]
        pred = result[0].pred_track_instances
        yield number, image, dict(
            bboxes=pred.bboxes.cpu().numpy(),
            ids=pred.instances_id.cpu().numpy(),
            scores=pred.scores.cpu().numpy())


def id_colour(track_id: int) -> Tuple[int, int, int]:
    """A stable, well-spread BGR colour per identity (golden-ratio hues)."""
    r, g, b = colorsys.hsv_to_rgb((track_id * 0.618034) % 1.0, 0.85, 0.95)
    return int(b * 255), int(g * 255), int(r * 255)


class TrackPainter:
    """Draw boxes, ids and the last ``trail`` centres of every track."""

    def __init__(self, trail: int = 20) -> None:
        self.trails: Dict[int,
                          deque] = defaultdict(lambda: deque(maxlen=trail))

    def __call__(self, image: np.ndarray, tracks: dict) -> np.ndarray:
        canvas = image.copy()
        for box, track_id in zip(tracks['bboxes'], tracks['ids']):
            x1, y1, x2, y2 = (int(round(v)) for v in box)
            colour = id_colour(int(track_id))
            self.trails[int(track_id)].append(((x1 + x2) // 2, y2))
            points = np.array(self.trails[int(track_id)], np.int32)
            cv2.polylines(canvas, [points], False, colour, 2)
            cv2.rectangle(canvas, (x1, y1), (x2, y2), colour, 2)
            cv2.putText(canvas, str(int(track_id)), (x1, max(y1 - 4, 10)),
                        cv2.FONT_HERSHEY_SIMPLEX, 0.5, colour, 2)
        return canvas
