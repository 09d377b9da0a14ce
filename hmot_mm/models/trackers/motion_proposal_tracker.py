"""DeepSORT association (Wojke et al., 2017) whose Kalman predictions also
serve the detector as motion proposals (paper Sec. 3.1)."""
from typing import List, Optional, Tuple

import numpy as np
from mmdet.registry import MODELS
from scipy.optimize import linear_sum_assignment

from ...utils import box_iou
from ..task_modules import BatchKalmanFilter

GATED = 1e5  # a pair outside the Mahalanobis gate (Wojke's INFTY_COST)


def xyxy_to_xyah(boxes: np.ndarray) -> np.ndarray:
    """(x1, y1, x2, y2) → (centre x, centre y, aspect w/h, height)."""
    w, h = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    return np.stack(
        [boxes[:, 0] + w / 2, boxes[:, 1] + h / 2, w / np.maximum(h, 1e-6), h],
        axis=1)


def xyah_to_xyxy(xyah: np.ndarray) -> np.ndarray:
    w = xyah[:, 2] * xyah[:, 3]
    return np.stack([
        xyah[:, 0] - w / 2, xyah[:, 1] - xyah[:, 3] / 2, xyah[:, 0] + w / 2,
        xyah[:, 1] + xyah[:, 3] / 2
    ],
                    axis=1)


class Track:
    """One target: Kalman state, appearance gallery and life cycle.

    The gallery keeps the last ``nn_budget`` embeddings in a ring buffer:
    a new one overwrites the oldest in place, and only the set matters
    (the cascade takes the smallest distance over it). With
    ``embed_momentum`` α it is one smoothed embedding instead (StrongSORT,
    Du et al. 2023): e ← (α·e + (1 − α)·x) / ‖α·e + (1 − α)·x‖.
    """

    def __init__(self,
                 track_id: int,
                 mean: np.ndarray,
                 cov: np.ndarray,
                 embed: np.ndarray,
                 nn_budget: int,
                 embed_momentum: Optional[float] = None) -> None:
        self.id = track_id
        self.mean, self.cov = mean, cov
        self.embed_momentum = embed_momentum
        size = nn_budget if embed_momentum is None else 1
        self._ring = np.empty((size, len(embed)))
        self._stored = 0
        self.add_embedding(embed)
        self.hits = 1
        self.time_since_update = 0
        self.confirmed = False

    @property
    def gallery(self) -> np.ndarray:
        """(g, d) stored embeddings, g ≤ ``nn_budget``, in no order."""
        return self._ring[:min(self._stored, len(self._ring))]

    def add_embedding(self, embed: np.ndarray) -> None:
        """Store ``embed`` (d,), over the oldest once the budget is full,
        or blend it into the smoothed embedding."""
        if self.embed_momentum is not None and self._stored:
            blend = (
                self.embed_momentum * self._ring[0] +
                (1 - self.embed_momentum) * embed)
            self._ring[0] = blend / max(np.linalg.norm(blend), 1e-12)
        else:
            self._ring[self._stored % len(self._ring)] = embed
        self._stored += 1


@MODELS.register_module()
class MotionProposalTracker:
    """DeepSORT with a look-ahead for motion proposals.

    Per frame (Wojke et al. 2017, Sec. 2):

    1. Kalman prediction of every track (constant velocity in x, y, a, h;
       :class:`BatchKalmanFilter` filters all tracks at once);
       :meth:`motion_proposals` does it ahead of the detector, on copies
       that :meth:`track` then uses, so the filter advances once a frame.
    2. Matching cascade over confirmed tracks, most recently seen first:
       d_cos = smallest cosine distance between a detection's embedding
       and the track's gallery (last ``nn_budget`` embeddings), d_maha =
       squared Mahalanobis distance of the detection to the prediction;
       cost = λ·d_maha + (1 − λ)·d_cos (Wojke's Eq. 5, λ =
       ``motion_weight``; 0 in the paper's and the reference's setting,
       appearance alone); infeasible where d_cos > ``max_cosine_distance``
       or d_maha exceeds the chi-square 95 % quantile (4 d.o.f., 9.4877).
       Hungarian assignment per level.
    3. IoU matching (cost 1 − IoU ≤ ``max_iou_distance``) of the tentative
       tracks and of the confirmed ones missed only in this frame.
       With ``appearance=False`` the cascade is skipped and every track
       goes to this IoU matching: SORT (Bewley et al. 2016) with DeepSORT's
       track life cycle, the ablation's IoU-only association.
    4. Optional, beyond the paper: BYTE-style IoU matching of the tracks
       still unmatched to detections scoring in
       [``low_score_thr``, ``score_thr``), except those regressed from a
       motion proposal: such a box is the track's own prediction, and
       taking it back at a low score would let a track that lost its
       person feed itself.
    5. Matched tracks are updated; a tentative track is confirmed after
       ``n_init`` consecutive hits and deleted at its first miss; a confirmed
       track is deleted after ``max_age`` frames without a match. Each
       unmatched detection above ``score_thr`` starts a tentative track.

    Args:
        score_thr (float): detections used for association and new tracks.
        low_score_thr (float, optional): enables step 4. Defaults to None.
        max_cosine_distance (float): appearance gate. Defaults to 0.2.
        nn_budget (int): gallery size per track. Defaults to 100.
        max_iou_distance (float): IoU gate of step 3. Defaults to 0.7.
        max_age (int): frames a confirmed track survives unmatched.
        n_init (int): hits that confirm a track. Defaults to 3.
        output_box (str): the box reported for a matched confirmed track:
            ``'kalman'``, the filter's state corrected by this frame's
            detection (Wojke's reference), or ``'detection'``, the matched
            detection's box. Defaults to ``'kalman'``.
        appearance (bool): match by embeddings (DeepSORT's cascade);
            ``False`` associates by IoU alone. Defaults to True.
        embed_momentum (float, optional): beyond the paper: each track
            keeps one exponentially smoothed embedding (StrongSORT's EMA,
            momentum in [0, 1)) instead of a gallery of ``nn_budget``, so
            one crop of another person moves it by 1 − momentum instead
            of matching at once. Defaults to None (the gallery).
        motion_weight (float): λ of Wojke's Eq. 5 in [0, 1], the share of
            the squared Mahalanobis distance in the cascade's cost (it
            lies in [0, 9.4877] inside the gate, the cosine distance in
            [0, ``max_cosine_distance``]). Defaults to 0 (appearance
            alone, as Wojke's experiments and reference code).
    """

    def __init__(self,
                 score_thr: float = 0.5,
                 low_score_thr: Optional[float] = None,
                 max_cosine_distance: float = 0.2,
                 nn_budget: int = 100,
                 max_iou_distance: float = 0.7,
                 max_age: int = 30,
                 n_init: int = 3,
                 output_box: str = 'kalman',
                 appearance: bool = True,
                 embed_momentum: Optional[float] = None,
                 motion_weight: float = 0.0) -> None:
        if output_box not in ('kalman', 'detection'):
            raise ValueError(f"output_box={output_box!r}: 'kalman' or "
                             "'detection'")
        if low_score_thr is not None and not low_score_thr < score_thr:
            raise ValueError(f'low_score_thr={low_score_thr} must be below '
                             f'score_thr={score_thr}')
        if embed_momentum is not None and not 0 <= embed_momentum < 1:
            raise ValueError(f'embed_momentum={embed_momentum} must be in '
                             '[0, 1)')
        if not 0 <= motion_weight <= 1:
            raise ValueError(f'motion_weight={motion_weight} must be in '
                             '[0, 1]')
        for name, value in (('max_age', max_age), ('n_init', n_init),
                            ('nn_budget', nn_budget)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f'{name} must be a positive int, got '
                                 f'{value!r}')
        self.score_thr = score_thr
        self.low_score_thr = low_score_thr
        self.max_cosine_distance = max_cosine_distance
        self.nn_budget = nn_budget
        self.max_iou_distance = max_iou_distance
        self.max_age = max_age
        self.n_init = n_init
        self.output_box = output_box
        self.appearance = appearance
        self.embed_momentum = embed_momentum
        self.motion_weight = motion_weight
        self.kf = BatchKalmanFilter()
        self.reset()

    def reset(self) -> None:
        """Forget all tracks (a new video)."""
        self.tracks: List[Track] = []
        self.tentative = (np.zeros(
            (0, 4)), np.zeros(0, dtype=np.int64), np.zeros(0))
        self.next_id = 0
        self._predicted = None

    @staticmethod
    def _states(tracks: List[Track]) -> Tuple[np.ndarray, np.ndarray]:
        """Stacked Kalman means (n, 8) and covariances (n, 8, 8)."""
        if not tracks:
            return np.zeros((0, 8)), np.zeros((0, 8, 8))
        return (np.stack([t.mean
                          for t in tracks]), np.stack([t.cov for t in tracks]))

    @staticmethod
    def _boxes(tracks: List[Track]) -> np.ndarray:
        """(n, 4) x1y1x2y2 boxes of the tracks' Kalman states."""
        return xyah_to_xyxy(
            np.array([t.mean[:4] for t in tracks]).reshape(-1, 4))

    def _predict(self) -> Tuple[np.ndarray, np.ndarray]:
        if self._predicted is None:
            self._predicted = self.kf.predict(*self._states(self.tracks))
        return self._predicted

    def motion_proposals(self) -> np.ndarray:
        """Kalman-predicted boxes (x1, y1, x2, y2) of every live track for
        the coming frame; :meth:`track` reuses this prediction."""
        return xyah_to_xyxy(self._predict()[0][:, :4])

    def track(
        self,
        bboxes,
        scores,
        embeds,
        from_motion=None,
    ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Associate one frame's detections.

        Args:
            bboxes: (n, 4) x1y1x2y2 boxes in image coordinates.
            scores: (n,) detection scores.
            embeds: (n, d) appearance embeddings.
            from_motion: (n,) bool, boxes regressed from a motion proposal
                (kept out of step 4). Defaults to none of them.

        Returns:
            tuple: ``bboxes`` (m, 4), ``ids`` (m,) and ``scores`` (m,) of the
            confirmed tracks matched in this frame (boxes per
            ``output_box``, scores of the matched detections). The same
            of the tracks not reported yet (tentative ones matched, and
            those started, in this frame) are left in :attr:`tentative`.
        """
        bboxes = np.asarray(bboxes, dtype=np.float64).reshape(-1, 4)
        scores = np.asarray(scores, dtype=np.float64).reshape(-1)
        embeds = np.asarray(embeds, dtype=np.float64)
        if embeds.ndim != 2 or len(embeds) != len(bboxes):
            raise ValueError(f'embeds of shape {embeds.shape} do not fit '
                             f'{len(bboxes)} boxes: expected (n, d)')
        from_motion = np.zeros(len(bboxes), dtype=bool) if \
            from_motion is None else np.asarray(from_motion, dtype=bool)
        if from_motion.shape != (len(bboxes), ):
            raise ValueError(f'from_motion of shape {from_motion.shape} does '
                             f'not fit {len(bboxes)} boxes: expected (n,)')
        norms = np.linalg.norm(embeds, axis=1, keepdims=True)
        embeds = embeds / np.maximum(norms, 1e-12)
        for t, mean, cov in zip(self.tracks, *self._predict()):
            t.mean, t.cov = mean, cov
            t.time_since_update += 1
        self._predicted = None

        high = np.nonzero(scores >= self.score_thr)[0]
        if self.appearance:
            confirmed = [i for i, t in enumerate(self.tracks) if t.confirmed]
            matches, unmatched_tracks, unmatched_dets = self._cascade(
                confirmed, high, bboxes, embeds)
            iou_tracks = [
                i for i, t in enumerate(self.tracks) if not t.confirmed
            ] + [
                i for i in unmatched_tracks
                if self.tracks[i].time_since_update == 1
            ]
        else:
            matches, unmatched_dets = [], list(high)
            unmatched_tracks = iou_tracks = list(range(len(self.tracks)))
        unmatched_tracks = [i for i in unmatched_tracks if i not in iou_tracks]
        iou_matches, left_tracks, unmatched_dets = self._match_iou(
            iou_tracks, unmatched_dets, bboxes, self.max_iou_distance)
        matches += iou_matches
        unmatched_tracks += left_tracks
        if self.low_score_thr is not None:
            low = np.nonzero((scores >= self.low_score_thr)
                             & (scores < self.score_thr) & ~from_motion)[0]
            low_matches, unmatched_tracks, _ = self._match_iou(
                unmatched_tracks, low, bboxes, 0.5)
            matches += low_matches

        matched = [(self.tracks[ti], di) for ti, di in matches]
        self._update(matched, bboxes, embeds)
        self.tracks = [
            t for t in self.tracks if t.time_since_update == 0 or (
                t.confirmed and t.time_since_update <= self.max_age)
        ]
        started = []
        for di, mean, cov in zip(
                unmatched_dets,
                *self.kf.initiate(xyxy_to_xyah(bboxes[unmatched_dets]))):
            track = Track(self.next_id, mean, cov, embeds[di], self.nn_budget,
                          self.embed_momentum)
            track.confirmed = self.n_init == 1
            self.tracks.append(track)
            started.append((track, di))
            self.next_id += 1
        self.tentative = self._report(
            [(t, di) for t, di in matched if not t.confirmed] + started,
            bboxes, scores)
        return self._report([(t, di) for t, di in matched if t.confirmed],
                            bboxes, scores)

    def _report(self, shown: List[Tuple[Track, int]], bboxes: np.ndarray,
                scores: np.ndarray):
        """Boxes (per ``output_box``), ids and detection scores of the
        tracks ``shown`` with their detections."""
        ids = np.array([t.id for t, _ in shown], dtype=np.int64)
        dets = np.array([di for _, di in shown], dtype=np.int64)
        if self.output_box == 'kalman':
            boxes = self._boxes([t for t, _ in shown])
        else:
            boxes = bboxes[dets].reshape(-1, 4)
        return boxes, ids, scores[dets]

    def _update(self, matched: List[Tuple[Track, int]], bboxes: np.ndarray,
                embeds: np.ndarray) -> None:
        """Correct each matched track by its detection, all at once."""
        tracks = [t for t, _ in matched]
        dets = [di for _, di in matched]
        states = self.kf.update(*self._states(tracks),
                                xyxy_to_xyah(bboxes[dets].reshape(-1, 4)))
        for track, di, mean, cov in zip(tracks, dets, *states):
            track.mean, track.cov = mean, cov
            track.add_embedding(embeds[di])
            track.hits += 1
            track.time_since_update = 0
            if track.hits >= self.n_init:
                track.confirmed = True

    def _cascade(self, track_indices: List[int], det_indices: np.ndarray,
                 bboxes: np.ndarray, embeds: np.ndarray):
        """Matching cascade: appearance cost with Mahalanobis gating, one
        Hungarian assignment per time-since-update level, youngest first,
        over the detections no younger level took. A pair's cost does not
        depend on the level, so the gate and the cost matrix are computed
        once for all tracks; the gate comes first, so a track's gallery is
        compared only with the detections inside it. Each level's matrix is
        the reference's (gated pairs cost ``GATED`` either way)."""
        det_indices = np.asarray(det_indices, dtype=np.int64)
        if not track_indices or not len(det_indices):
            return [], list(track_indices), list(det_indices)
        tracks = [self.tracks[i] for i in track_indices]
        mahalanobis = self.kf.gating_distance(
            *self._states(tracks), xyxy_to_xyah(bboxes[det_indices]))
        inside = mahalanobis <= self.kf.gate
        det_embeds = embeds[det_indices]
        rows, cols = np.nonzero(inside)  # gated pairs, grouped by track
        bounds = np.searchsorted(rows, np.arange(len(tracks) + 1))
        nearest = [(det_embeds[cols[a:b]] @ track.gallery.T).max(1)
                   for track, a, b in zip(tracks, bounds[:-1], bounds[1:])
                   if b > a]
        cost = np.full(inside.shape, GATED)
        cost[rows, cols] = 1 - np.concatenate(nearest or [np.zeros(0)])
        max_cost = self.max_cosine_distance
        if self.motion_weight:
            weight = self.motion_weight
            cost = np.where(cost <= max_cost,
                            (1 - weight) * cost + weight * mahalanobis, GATED)
            max_cost = (1 - weight) * max_cost + weight * self.kf.gate
        ages = np.array([t.time_since_update for t in tracks])
        free = np.ones(len(det_indices), dtype=bool)
        matches = []
        # levels 1..max_age, ascending (a track unmatched for max_age
        # frames is still alive this frame but past the cascade's depth)
        for level in np.unique(ages[ages <= self.max_age]):
            cols = np.nonzero(free)[0]
            if not len(cols):
                break
            rows = np.nonzero(ages == level)[0]
            for r, c in self._assign(cost[np.ix_(rows, cols)], max_cost):
                matches.append(
                    (track_indices[rows[r]], int(det_indices[cols[c]])))
                free[cols[c]] = False
        matched_tracks = {ti for ti, _ in matches}
        unmatched = [i for i in track_indices if i not in matched_tracks]
        return matches, unmatched, [int(d) for d in det_indices[free]]

    def _match_iou(self, track_indices: List[int], det_indices,
                   bboxes: np.ndarray, max_distance: float):
        """Hungarian matching on 1 − IoU with the tracks' predicted boxes."""
        det_indices = list(det_indices)
        if not track_indices or not det_indices:
            return [], list(track_indices), det_indices
        predicted = self._boxes([self.tracks[i] for i in track_indices])
        cost = 1 - box_iou(predicted, bboxes[det_indices])
        pairs = self._assign(cost, max_distance)
        matches = [(track_indices[r], det_indices[c]) for r, c in pairs]
        matched_t = {r for r, _ in pairs}
        matched_d = {c for _, c in pairs}
        return (matches,
                [t for k, t in enumerate(track_indices) if k not in matched_t],
                [d for k, d in enumerate(det_indices) if k not in matched_d])

    @staticmethod
    def _assign(cost: np.ndarray, max_cost: float) -> List[Tuple[int, int]]:
        """Hungarian assignment as Wojke's ``min_cost_matching``: every cost
        above ``max_cost`` (gated pairs included) is clamped to
        ``max_cost + 1e-5`` before solving, and pairs at that cost are
        dropped afterwards. The clamp matters: a huge cost would make the
        solver maximise the number of feasible pairs, while the reference
        minimises the total cost, where one infeasible pair may beat two
        costly feasible ones."""
        cost = np.minimum(cost, max_cost + 1e-5)
        rows, cols = linear_sum_assignment(cost)
        return [(r, c) for r, c in zip(rows, cols) if cost[r, c] <= max_cost]
