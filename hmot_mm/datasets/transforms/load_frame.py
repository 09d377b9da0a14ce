"""Load a frame from an image file or from a video."""
from collections import OrderedDict
from typing import Optional

import cv2
import numpy as np
from mmcv.transforms import LoadImageFromFile
from mmdet.registry import TRANSFORMS


@TRANSFORMS.register_module()
class LoadFrame(LoadImageFromFile):
    """:class:`LoadImageFromFile` that also reads frame ``frame_index``
    (0-based) of the video at ``img_path`` when the sample has one, so a
    sequence can be a folder of images or a single video file.

    Open videos are kept (``max_open_videos`` at most, per worker), and the
    next frame of a sequential read is decoded without seeking.

    Args:
        max_open_videos (int): videos kept open. Defaults to 4.
        **kwargs: as :class:`LoadImageFromFile`.
    """

    def __init__(self, max_open_videos: int = 4, **kwargs) -> None:
        super().__init__(**kwargs)
        self.max_open_videos = max_open_videos
        self._videos: 'OrderedDict[str, list]' = OrderedDict()

    def _read_video_frame(self, path: str, index: int) -> np.ndarray:
        if path not in self._videos:
            capture = cv2.VideoCapture(path)
            if not capture.isOpened():
                raise IOError(f'{path}: cannot be opened as a video')
            self._videos[path] = [capture, 0]  # capture, next frame index
            if len(self._videos) > self.max_open_videos:
                self._videos.popitem(last=False)[1][0].release()
        self._videos.move_to_end(path)
        capture, position = self._videos[path]
        if index != position:
            capture.set(cv2.CAP_PROP_POS_FRAMES, index)
        ok, frame = capture.read()
        self._videos[path][1] = index + 1
        if not ok:
            raise IOError(f'{path}: frame {index} cannot be decoded')
        return frame

    def transform(self, results: dict) -> Optional[dict]:
        if results.get('frame_index') is None:
            return super().transform(results)
        img = self._read_video_frame(results['img_path'],
                                     int(results['frame_index']))
        if self.color_type == 'grayscale':
            img = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
        if self.to_float32:
            img = img.astype(np.float32)
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        results['ori_shape'] = img.shape[:2]
        return results
