"""How far an embedding keeps apart the people a tracker must tell apart.

DeepSORT gives a detection x (unit length) to a track by the cosine cost
to the track's gallery G, d(x, G) = 1 − max_{g ∈ G} x·g. Fed with ground
truth instead of with a tracker's matches, person p's gallery before
frame f, G_p(f), holds the embeddings of p's last ``budget`` annotated
boxes before f. For a box b of person p in frame f and a person q whose
box in frame f overlaps b (IoU > ``min_iou``: the two are where a
tracker has to choose between them):

.. math::
    \\mathrm{margin}(b, q) = d(x_b, G_q(f)) − d(x_b, G_p(f))

Where it is negative, the cascade would rather give b to q's track. A
pair counts once p and q both have a gallery. The measure isolates the
embedding: the boxes are the annotated ones, so the detector, the gates
and the tracker's own mistakes do not enter it.
"""
from typing import NamedTuple

import numpy as np

from ..utils import box_iou


class OverlapMargins(NamedTuple):
    """One row per (box b of person p, overlapping person q) pair."""
    frame: np.ndarray
    person: np.ndarray
    other: np.ndarray
    own_cost: np.ndarray
    other_cost: np.ndarray

    @property
    def margin(self) -> np.ndarray:
        """d(x_b, G_q) − d(x_b, G_p); negative: q's gallery is nearer."""
        return self.other_cost - self.own_cost


def overlap_margins(frames: np.ndarray,
                    ids: np.ndarray,
                    bboxes: np.ndarray,
                    embeds: np.ndarray,
                    budget: int = 100,
                    min_iou: float = 0.0) -> OverlapMargins:
    """The margins of every overlapping pair of annotated boxes.

    Args:
        frames (np.ndarray): (M,) frame number of each box.
        ids (np.ndarray): (M,) person id of each box; one box per person
            and frame.
        bboxes (np.ndarray): (M, 4) x1y1x2y2.
        embeds (np.ndarray): (M, d) unit-length embeddings.
        budget (int): gallery size, DeepSORT's ``nn_budget``.
        min_iou (float): pairs overlap where their IoU exceeds this.

    Returns:
        OverlapMargins: the pairs in frame order.

    Raises:
        ValueError: lengths differ, a value is not finite, a person has
            two boxes in one frame, or ``budget`` < 1.
    """
    frames, ids = np.asarray(frames), np.asarray(ids)
    bboxes = np.asarray(bboxes, dtype=float).reshape(-1, 4)
    embeds = np.asarray(embeds, dtype=float)
    if not len(frames) == len(ids) == len(bboxes) == len(embeds):
        raise ValueError(f'{len(frames)} frames, {len(ids)} ids, '
                         f'{len(bboxes)} boxes and {len(embeds)} embeddings '
                         'differ in number')
    if not (np.isfinite(bboxes).all() and np.isfinite(embeds).all()):
        raise ValueError('a box or an embedding is not finite')
    if budget < 1:
        raise ValueError(f'budget must be >= 1, got {budget}')
    keys = np.stack([frames, ids], axis=1)
    if len(np.unique(keys, axis=0)) != len(keys):
        raise ValueError('a person has two boxes in one frame')
    history = {}  # person -> (frames ascending, embeddings)
    for person in np.unique(ids):
        rows = np.nonzero(ids == person)[0]
        rows = rows[np.argsort(frames[rows])]
        history[person] = (frames[rows], embeds[rows])

    def cost(x: np.ndarray, person, frame) -> float:
        seen, gallery = history[person]
        end = np.searchsorted(seen, frame)  # boxes before this frame
        if end == 0:
            return np.nan
        return 1.0 - float(np.max(gallery[max(0, end - budget):end] @ x))

    out = {name: [] for name in OverlapMargins._fields}
    for frame in np.unique(frames):
        at = np.nonzero(frames == frame)[0]
        iou = box_iou(bboxes[at], bboxes[at])
        np.fill_diagonal(iou, -np.inf)
        for i, j in zip(*np.nonzero(iou > min_iou)):
            b, q = at[i], ids[at[j]]
            own, other = cost(embeds[b], ids[b],
                              frame), cost(embeds[b], q, frame)
            if np.isnan(own) or np.isnan(other):
                continue
            for name, value in zip(OverlapMargins._fields,
                                   (frame, ids[b], q, own, other)):
                out[name].append(value)
    kinds = (int, int, int, float, float)
    return OverlapMargins(
        *(np.asarray(out[name], dtype=kind)
          for name, kind in zip(OverlapMargins._fields, kinds)))
