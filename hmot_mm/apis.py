"""Track a video with a trained model, outside the test loop (drawing
the tracks is :mod:`hmot_mm.visualization`)."""
from typing import Iterator, Optional, Tuple

import numpy as np
import torch
from mmcv.transforms import Compose
from mmdet.registry import MODELS, TASK_UTILS
from mmengine.config import Config
from mmengine.dataset import default_collate
from mmengine.registry import init_default_scope

from .utils import load_weights


def init_track_model(config: str,
                     checkpoint: str,
                     device: str = 'cpu',
                     cfg_options: Optional[dict] = None) -> torch.nn.Module:
    """Build a tracking model from ``config`` (with ``cfg_options``
    merged, as ``--cfg-options`` gives them) and load ``checkpoint``.

    Raises:
        ValueError: the config's model has no tracker.
        ValueError: the checkpoint is not one, or does not fit the model
            (the missing and unexpected keys are named).
    """
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    if 'tracker' not in cfg.model:
        raise ValueError(f'{config}: model {cfg.model.get("type")} has no '
                         'tracker; use a tracking (HMOT) config')
    model = MODELS.build(cfg.model)
    load_weights(model, checkpoint)
    model.cfg = cfg
    return model.to(device).eval()


def tracklet_interpolation(cfg: Config) -> Optional[object]:
    """The post-process the config's ``MotMetricsMetric`` applies to the
    tracks before scoring them (its ``interpolation``, e.g.
    ``TrackletInterpolation``), built; None if it has none.

    Raises:
        ValueError: the setting does not build (an unknown type or a bad
            value, named).
    """
    evaluators = cfg.get('test_evaluator') or []
    if isinstance(evaluators, dict):
        evaluators = [evaluators]
    for evaluator in evaluators:
        setting = evaluator.get('interpolation')
        if evaluator.get('type') == 'MotMetricsMetric' and setting:
            try:
                return TASK_UTILS.build(setting)
            except (KeyError, TypeError, ValueError) as e:
                raise ValueError(f'test_evaluator interpolation '
                                 f'{dict(setting)}: {e}') from e
    return None


def frame_pipeline(cfg: Config) -> Compose:
    """The config's test pipeline for in-memory frames: its
    TransformBroadcaster keeping only the Resize (frames come decoded),
    then PackTrackInputs; each found by type.

    Raises:
        ValueError: the test pipeline lacks one of them.
    """
    steps = {t['type']: t for t in cfg.test_dataloader.dataset.pipeline}
    if not {'TransformBroadcaster', 'PackTrackInputs'} <= set(steps):
        raise ValueError('the config\'s test pipeline needs a '
                         'TransformBroadcaster and PackTrackInputs; it has '
                         f'{list(steps)}')
    broadcaster = steps['TransformBroadcaster'].copy()
    broadcaster['transforms'] = [
        t for t in broadcaster['transforms'] if t['type'] == 'Resize'
    ]
    return Compose([broadcaster, steps['PackTrackInputs'].copy()])


def frame_inputs(pipeline: Compose,
                 image: np.ndarray,
                 index: int = 0,
                 number: int = 0,
                 num_frames: int = 1) -> dict:
    """One decoded frame as a batch of one for the model's ``test_step``
    (or its ``data_preprocessor``).

    Args:
        pipeline (Compose): :func:`frame_pipeline` of the model's config.
        image (np.ndarray): the frame, uint8 BGR (as ``LoadFrame`` gives
            the test pipeline).
        index (int): its place in the sequence, 0 for the first (the
            tracker resets there).
        number (int): its frame number (``img_id``).
        num_frames (int): the sequence's length.

    Returns:
        dict: ``inputs`` and ``data_samples``, collated.
    """
    return default_collate([
        pipeline(
            dict(
                img=[image],
                frame_id=[index],
                ori_shape=[image.shape[:2]],
                img_id=[number],
                ori_video_length=[num_frames]))
    ])


def inference_mot(model: torch.nn.Module, frames: Iterator[Tuple[int,
                                                                 np.ndarray]],
                  num_frames: int) -> Iterator[Tuple[int, np.ndarray, dict]]:
    """Yield ``(frame number, image, tracks)`` with ``tracks`` holding
    ``bboxes`` (x1y1x2y2), ``ids`` and ``scores`` as numpy arrays, and
    the same of the tracks not reported yet as ``tentative`` (a dict).

    The first frame given starts a new sequence (the tracker is reset), so
    ``frames`` may begin anywhere in a video."""
    pipeline = frame_pipeline(model.cfg)
    for index, (number, image) in enumerate(frames):
        data = frame_inputs(pipeline, image, index, number, num_frames)
        with torch.no_grad():
            result = model.test_step(data)[0]
        yield number, image, dict(
            _track_arrays(result[0].pred_track_instances),
            tentative=_track_arrays(result[0].pred_tentative_instances))


def _track_arrays(instances) -> dict:
    """``bboxes``, ``ids`` and ``scores`` of track instances, in numpy."""
    return dict(
        bboxes=instances.bboxes.cpu().numpy(),
        ids=instances.instances_id.cpu().numpy(),
        scores=instances.scores.cpu().numpy())
