"""Linear interpolation of a track's short gaps, streamed with a fixed
lag."""
from collections import deque
from typing import Dict, Iterable, List

import numpy as np
from mmdet.registry import TASK_UTILS


@TASK_UTILS.register_module()
class TrackletInterpolation:
    r"""Fill the frames a track was missed in, when it is found again soon
    (ByteTrack's linear interpolation, Zhang et al. 2022; mmdet's
    ``InterpolateTracklets`` without its GSI and its scikit-learn
    dependency, and streamed).

    A track with box :math:`b_a` in frame :math:`a`, no box in frames
    :math:`a+1 .. b-1` and box :math:`b_b` in frame :math:`b`, with
    :math:`g = b - a - 1 \le` ``max_gap``, gets in frame :math:`a + k`
    (:math:`k = 1..g`)

    .. math::
        b_{a+k} = b_a + \frac{k}{g + 1} (b_b - b_a)

    and its score likewise, if it had a box in each of the ``min_streak``
    frames up to :math:`a`: a track that comes and goes (often a false
    positive detected now and then) is not bridged.

    With ``fill_tentative`` the frames before a track's first box are
    filled too, with the boxes the tracker gave it there while it was
    tentative (DeepSORT reports a track from its ``n_init``-th hit on; its
    first ``n_init - 1`` boxes are the tracker's, held back until it was
    sure). A frame's ``tentative`` holds them (``bboxes``, ``ids``,
    ``scores``; ``pred_tentative_instances`` of :class:`HMOT`); those of
    tracks that never get a box of their own are dropped, and so are any
    more than ``max_gap`` frames before the first box. Nothing else
    changes: no box is moved or dropped.

    The filler is streamed: :meth:`push` takes one frame's tracks and
    returns the frames that no later frame can fill any more, so a frame
    comes out ``max_gap`` frames after it went in (the latency of a video
    written with it). :meth:`__call__` runs a whole sequence.

    A frame is a dict with ``frame`` (its number; consecutive within a
    sequence), ``bboxes`` (n × 4; any coordinates that move linearly,
    x1y1x2y2 or xywh), ``ids`` (n), ``scores`` (n) and anything else, which
    is passed on unchanged.

    Args:
        max_gap (int): the longest run of missed frames filled.
        min_streak (int): the frames in a row a track must have had a box
            in, up to the gap, to be filled.
        fill_tentative (bool): also fill a track's frames before its first
            box with its tentative boxes. Defaults to False.
    """

    def __init__(self,
                 max_gap: int = 10,
                 min_streak: int = 5,
                 fill_tentative: bool = False) -> None:
        for name, value in (('max_gap', max_gap), ('min_streak', min_streak)):
            if isinstance(value, bool) or not isinstance(value, int) \
                    or value < 1:
                raise ValueError(f'{name}={value!r}: a whole number of '
                                 'frames >= 1')
        if not isinstance(fill_tentative, bool):
            raise ValueError(f'fill_tentative={fill_tentative!r}: True or '
                             'False')
        self.max_gap = max_gap
        self.min_streak = min_streak
        self.fill_tentative = fill_tentative
        self.reset()

    def reset(self) -> None:
        """Start a new sequence (frames still held are dropped)."""
        self._held: deque = deque()  # the last max_gap frames, oldest first
        self._last: Dict[int, tuple] = {}  # id -> (frame, box, score)
        self._streak: Dict[int, int] = {}  # id -> frames in a row with a box

    def push(self, frame: dict) -> List[dict]:
        """Add one frame's tracks; return the frames released (oldest
        first), with the boxes filled into them.

        Raises:
            ValueError: the frame does not follow the previous one.
        """
        number = int(frame['frame'])
        if self._held and number != self._held[-1]['frame'] + 1:
            raise ValueError(f'frame {number} after frame '
                             f'{self._held[-1]["frame"]}: frames must be '
                             'consecutive (reset() starts a sequence)')
        frame = dict(frame, frame=number, **self._arrays(frame))
        if self.fill_tentative and frame.get('tentative') is not None:
            frame['tentative'] = self._arrays(frame['tentative'])
        for box, track_id, score in zip(frame['bboxes'], frame['ids'],
                                        frame['scores']):
            track_id = int(track_id)
            if self.fill_tentative and track_id not in self._last:
                self._fill_tentative(track_id)
            last = self._last.get(track_id)
            gap = number - last[0] - 1 if last else 0
            if 1 <= gap <= self.max_gap \
                    and self._streak[track_id] >= self.min_streak:
                self._fill(track_id, last, (number, box, score))
            self._record(track_id, number, box, score)
        self._held.append(frame)
        released = []
        while len(self._held) > self.max_gap:
            released.append(self._held.popleft())
        return released

    def flush(self) -> List[dict]:
        """Release the frames still held (the end of a sequence)."""
        released = list(self._held)
        self.reset()
        return released

    def __call__(self, frames: Iterable[dict]) -> List[dict]:
        """Interpolate a whole sequence of consecutive frames."""
        self.reset()
        out = []
        for frame in frames:
            out += self.push(frame)
        return out + self.flush()

    def _fill_tentative(self, track_id: int) -> None:
        """Add the held tentative boxes of a track that has just got its
        first box, as if it had had them all along."""
        for held in self._held:
            tentative = held.get('tentative')
            if tentative is None:
                continue
            for k in np.nonzero(tentative['ids'] == track_id)[0]:
                box, score = tentative['bboxes'][k], tentative['scores'][k]
                self._add(held, box, track_id, score)
                self._record(track_id, held['frame'], box, score)

    def _record(self, track_id: int, number: int, box: np.ndarray,
                score: float) -> None:
        """Note the track's box in frame ``number`` (its last so far)."""
        last = self._last.get(track_id)
        self._streak[track_id] = self._streak[track_id] + 1 \
            if last and last[0] == number - 1 else 1
        self._last[track_id] = (number, box, score)

    @staticmethod
    def _arrays(tracks: dict) -> dict:
        """``bboxes`` (n, 4), ``ids`` (n,) and ``scores`` (n,) as arrays."""
        return dict(
            bboxes=np.asarray(tracks['bboxes'], np.float64).reshape(-1, 4),
            ids=np.asarray(tracks['ids'], np.int64).reshape(-1),
            scores=np.asarray(tracks['scores'], np.float64).reshape(-1))

    @staticmethod
    def _add(frame: dict, box: np.ndarray, track_id: int,
             score: float) -> None:
        frame['bboxes'] = np.vstack([frame['bboxes'], box])
        frame['ids'] = np.append(frame['ids'], track_id)
        frame['scores'] = np.append(frame['scores'], score)

    def _fill(self, track_id: int, start: tuple, end: tuple) -> None:
        """Add the interpolated boxes of frames start+1 .. end-1."""
        (a, box_a, score_a), (b, box_b, score_b) = start, end
        first_held = self._held[0]['frame']
        for number in range(a + 1, b):
            t = (number - a) / (b - a)
            self._add(self._held[number - first_held],
                      box_a + t * (box_b - box_a), track_id,
                      score_a + t * (score_b - score_a))
