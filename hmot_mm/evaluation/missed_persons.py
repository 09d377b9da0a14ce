"""The tracker box nearest to each ground-truth person, for error analysis.

A scored person without a tracker box at IoU ≥ 0.5 is a miss. Its nearest
box (highest IoU in the frame) tells which kind: none at all, another
person's box (the box covers someone else at IoU ≥ 0.5: the miss is a
person hidden next to a tracked one), or a misplaced box (one false
positive and one miss at once).
"""
from typing import NamedTuple

import numpy as np

from ..utils import box_iou
from .mot_eval import boxes


class NearestBoxes(NamedTuple):
    """Per ground-truth row: ``iou`` with its nearest tracker box (0 if the
    frame has none), ``index`` of that box in the tracker rows (-1 if
    none), ``other_person``: that box covers another person at IoU ≥ 0.5.

    A miss with its nearest box at IoU 0.1–0.5 is ``hidden`` (the box is
    another person's) or ``misplaced``."""
    iou: np.ndarray
    index: np.ndarray
    other_person: np.ndarray

    @property
    def near_miss(self) -> np.ndarray:
        """Missed, with a tracker box at IoU 0.1–0.5."""
        return (self.iou >= 0.1) & (self.iou < 0.5)

    @property
    def hidden(self) -> np.ndarray:
        return self.near_miss & self.other_person

    @property
    def misplaced(self) -> np.ndarray:
        return self.near_miss & ~self.other_person


def scored_persons(gt: np.ndarray, hyp: np.ndarray) -> np.ndarray:
    """The ground-truth rows to score against ``hyp``: persons with
    conf ≠ 0 in the results' frames (first to last row)."""
    frames = hyp['frame']
    return gt[(gt['conf'] != 0) & (gt['frame'] >= frames.min()) &
              (gt['frame'] <= frames.max())]


def nearest_boxes(gt: np.ndarray, hyp: np.ndarray) -> NearestBoxes:
    """Match every ground-truth row to its frame's nearest tracker box.

    Args:
        gt (np.ndarray): ground-truth rows (``read_gt``), already filtered
            to the persons to score (:func:`scored_persons`).
        hyp (np.ndarray): tracker rows (``read_gt`` of a results file).

    Returns:
        NearestBoxes: arrays of ``len(gt)``.
    """
    iou = np.zeros(len(gt))
    index = np.full(len(gt), -1)
    other = np.zeros(len(gt), dtype=bool)
    for frame in np.unique(gt['frame']):
        at = np.nonzero(gt['frame'] == frame)[0]
        in_frame = np.nonzero(hyp['frame'] == frame)[0]
        if not len(in_frame):
            continue
        pair = box_iou(boxes(gt[at]), boxes(hyp[in_frame]))
        nearest = pair.argmax(1)
        iou[at], index[at] = pair.max(1), in_frame[nearest]
        # covers[k, i]: person k lies on person i's nearest box
        covers = pair[:, nearest] >= 0.5
        np.fill_diagonal(covers, False)
        other[at] = covers.any(0)
    return NearestBoxes(iou, index, other)
