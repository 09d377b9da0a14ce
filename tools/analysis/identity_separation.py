"""How well a model's embedding tells apart people whose boxes overlap.

    python tools/analysis/identity_separation.py CONFIG CHECKPOINT SOURCE \
        GT.txt [--frames FIRST-LAST] [--persons 15,16,19] [--min-iou 0] \
        [--cfg-options KEY=VALUE ...]

Embeds every scored ground-truth box (conf ≠ 0) of the frames with the
model's RoI head, then, for each pair of overlapping boxes, compares the
DeepSORT cosine cost of a box to its own person's gallery and to the other
person's (``hmot_mm.evaluation.identity_separation``; the gallery size is
the config tracker's ``nn_budget``). Prints, over all pairs and per pair of
persons: how many, how many with the other person's gallery nearer
(``swapped``, the cascade would prefer the wrong track), the median and
lowest margin, and how many of the boxes' own costs exceed the tracker's
appearance gate (``max_cosine_distance``: no match at all). ``--persons``
keeps the pairs whose box is one of those persons' (e.g. people held out
of training); all scored persons still fill the galleries.
SOURCE is what ``tools/demo_track.py`` reads: a video, an image folder or a
MOTChallenge sequence.
"""
import argparse
import os.path as osp
import re
import sys

import numpy as np
import torch

sys.path.insert(0,
                osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
from mmcv.transforms import Compose  # noqa: E402
from mmdet.structures.bbox import bbox2roi  # noqa: E402
from mmengine.config import DictAction  # noqa: E402

from hmot_mm import apis  # noqa: E402
from hmot_mm.datasets import motchallenge_io  # noqa: E402
from hmot_mm.evaluation.identity_separation import overlap_margins  # noqa
from hmot_mm.evaluation.mot_eval import boxes  # noqa: E402


def embed_boxes(model: torch.nn.Module, pipeline: Compose, image: np.ndarray,
                bboxes: np.ndarray) -> np.ndarray:
    """The RoI head's embeddings (n, d) of ``bboxes`` (x1y1x2y2, image
    coordinates) in one frame, at the config's test scale (``pipeline``:
    ``hmot_mm.apis.frame_pipeline`` of the model's config)."""
    data = model.data_preprocessor(apis.frame_inputs(pipeline, image), False)
    frame = data['data_samples'][0][0]
    w_scale, h_scale = frame.metainfo['scale_factor']
    rois = torch.as_tensor(
        bboxes, dtype=torch.float32) * torch.tensor(
            [w_scale, h_scale, w_scale, h_scale])
    detector = model.detector
    with torch.no_grad():
        x = detector.extract_feat(data['inputs'][:, 0].contiguous())
        embeds = detector.roi_head._bbox_forward(x, bbox2roi([rois]))['embeds']
    return embeds.cpu().numpy()


def summary_row(name: str, margin: np.ndarray, own: np.ndarray,
                gate: float) -> str:
    return (f'{name:<12} {len(margin):>6} {int((margin < 0).sum()):>8} '
            f'{np.median(margin):>8.3f} {margin.min():>8.3f} '
            f'{int((own > gate).sum()):>10}')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='tracking config (HMOT)')
    parser.add_argument('checkpoint')
    parser.add_argument('source', help='the frames: video, folder, sequence')
    parser.add_argument('gt', help='MOTChallenge gt.txt of the source')
    parser.add_argument(
        '--frames', help='frames FIRST-LAST only (1-based, inclusive)')
    parser.add_argument(
        '--persons', help='comma-separated ids whose boxes are scored')
    parser.add_argument(
        '--min-iou',
        type=float,
        default=0.0,
        help='boxes overlap where their IoU exceeds this')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, as tools/test.py does')
    args = parser.parse_args()
    first, last = 1, np.inf
    if args.frames is not None:
        try:
            first, last = motchallenge_io.parse_frame_range(args.frames)
        except ValueError as e:
            parser.error(str(e))
    persons = None
    if args.persons is not None:
        if not re.fullmatch(r'\d+(,\d+)*', args.persons):
            parser.error(f'--persons {args.persons}: comma-separated ids')
        persons = [int(p) for p in args.persons.split(',')]
    if not 0 <= args.min_iou < 1:
        parser.error(f'--min-iou {args.min_iou}: must lie in [0, 1)')
    try:
        gt = motchallenge_io.read_gt(args.gt)
        frames = motchallenge_io.FrameReader(args.source)
    except (OSError, ValueError) as e:
        sys.exit(f'identity_separation: {e}')
    gt = gt[(gt['conf'] != 0) & (gt['frame'] >= first) & (gt['frame'] <= last)]
    if not len(gt):
        sys.exit(f'identity_separation: {args.gt} has no scored person in '
                 f'frames {first}-{last}')
    unknown = sorted(set(persons or []) - set(gt['id'].tolist()))
    if unknown:
        sys.exit(f'identity_separation: --persons {unknown} not scored in '
                 f'{args.gt} frames {first}-{last}')
    if gt['frame'].max() > len(frames):
        sys.exit(f'identity_separation: {args.gt} has frame '
                 f'{gt["frame"].max()}; {args.source} has {len(frames)}')

    try:
        model = apis.init_track_model(
            args.config, args.checkpoint, cfg_options=args.cfg_options)
    except (OSError, ValueError) as e:
        sys.exit(f'identity_separation: {e}')
    budget = model.tracker.nn_budget
    gate = model.tracker.max_cosine_distance
    pipeline = apis.frame_pipeline(model.cfg)
    bboxes = boxes(gt)
    embeds = np.zeros((len(gt), 0))
    for number, image in frames:
        if number > gt['frame'].max():
            break
        at = np.nonzero(gt['frame'] == number)[0]
        if len(at):
            found = embed_boxes(model, pipeline, image, bboxes[at])
            if not embeds.shape[1]:
                embeds = np.zeros((len(gt), found.shape[1]))
            embeds[at] = found
    pairs = overlap_margins(gt['frame'], gt['id'], bboxes, embeds, budget,
                            args.min_iou)
    keep = np.ones(len(pairs.frame), dtype=bool)
    if persons is not None:
        keep = np.isin(pairs.person, persons)
    if not keep.any():
        sys.exit('identity_separation: no overlapping pair with galleries '
                 'in these frames')
    margin, own = pairs.margin[keep], pairs.own_cost[keep]
    print(f'{len(gt)} boxes, frames {gt["frame"].min()}-{gt["frame"].max()}, '
          f'gallery {budget}, gate {gate}, overlap IoU > {args.min_iou}')
    print(f'{"pair":<12} {"boxes":>6} {"swapped":>8} {"median":>8} '
          f'{"lowest":>8} {"over gate":>10}')
    print(summary_row('all', margin, own, gate))
    person, other = pairs.person[keep], pairs.other[keep]
    for p, q in sorted(set(zip(person.tolist(), other.tolist()))):
        at = (person == p) & (other == q)
        print(summary_row(f'{p} vs {q}', margin[at], own[at], gate))


if __name__ == '__main__':
    main()
