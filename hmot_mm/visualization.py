"""Draw tracks on frames: one stable colour per identity, boxes, ids and
trails."""
import colorsys
from collections import defaultdict, deque
from typing import Dict, Tuple

import cv2
import numpy as np


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
