"""CLEAR/identity (motmetrics) and HOTA (TrackEval) in the test loop."""
import os
import os.path as osp
from collections import defaultdict
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmdet.evaluation.metrics.base_video_metric import BaseVideoMetric
from mmdet.registry import METRICS, TASK_UTILS
from mmengine.logging import MMLogger

from ...datasets.motchallenge_io import to_rows, write_results
from ..mot_eval import boxes, evaluate, format_table


def sequence_name(sample: dict) -> str:
    """``SEQ`` of ``.../SEQ/img1/000001.jpg`` or of ``.../SEQ/video.avi``
    (a frame of a video carries ``frame_index``)."""
    parts = sample['img_path'].split(os.sep)
    return parts[-2] if sample.get('frame_index') is not None else parts[-3]


@METRICS.register_module()
class MotMetricsMetric(BaseVideoMetric):
    """MOTA, IDF1, IDSw, FP, FN, MT, ML, Frag, Recall, Precision (motmetrics,
    IoU ≥ 0.5) and HOTA (TrackEval) of ``pred_track_instances`` against the
    dataset's instances, per sequence and COMBINED (the reported values).

    Args:
        results_dir (str, optional): also write each sequence's tracks to
            ``results_dir/<SEQ>.txt`` (MOTChallenge rows), numbered by the
            sequence's frames (``mot_frame_id``: frames 398-795 of a
            half-val split keep those numbers, as ``tools/demo_track.py
            --frames 398-795`` writes them).
        interpolation (dict, optional): a post-process of each sequence's
            tracks before they are written and scored, built from
            ``TASK_UTILS`` (``TrackletInterpolation``: fill short gaps, and
            tracks' tentative starts from ``pred_tentative_instances``);
            ``tools/demo_track.py`` applies the config's too.
        collect_device (str): see ``BaseMetric``.
        prefix (str, optional): metric name prefix; default ``motmetrics``.
    """

    default_prefix: Optional[str] = 'motmetrics'

    def __init__(self,
                 results_dir: Optional[str] = None,
                 interpolation: Optional[dict] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.results_dir = results_dir
        self.interpolation = TASK_UTILS.build(
            interpolation) if interpolation else None

    def process_image(self, data_samples: Sequence, video_len: int) -> None:
        self.results.append(self._frame(data_samples[0].to_dict(), video_len))

    def process_video(self, data_samples: Sequence) -> None:
        for sample in data_samples:
            self.results.append(
                self._frame(sample.to_dict(), len(data_samples)))

    @staticmethod
    def _frame(sample: dict, video_len: int) -> dict:
        frame = sample['frame_id'] + 1
        gt = sample.get('instances', [])
        pred = sample['pred_track_instances']
        tentative = sample.get('pred_tentative_instances')
        return dict(
            seq=sequence_name(sample),
            length=video_len,
            # the sequence's own frame number (a half-val split starts
            # later), for the written files
            offset=int(sample.get('mot_frame_id', frame)) - frame,
            gt=to_rows(frame, [g['bbox']
                               for g in gt], [g['instance_id'] for g in gt],
                       [g.get('mot_conf', 1.0)
                        for g in gt], [g.get('category_id', 1) for g in gt],
                       [g.get('visibility', 1.0) for g in gt]),
            pred=MotMetricsMetric._rows(frame, pred),
            tentative=MotMetricsMetric._rows(frame, tentative)
            if tentative is not None else None)

    @staticmethod
    def _rows(frame: int, instances: dict) -> np.ndarray:
        return to_rows(frame, instances['bboxes'].cpu().numpy(),
                       instances['instances_id'].cpu().numpy(),
                       instances['scores'].cpu().numpy(), -1, -1)

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        gt, pred = defaultdict(list), defaultdict(list)
        tentative = defaultdict(list)
        lengths, offsets = {}, {}
        for r in results:
            gt[r['seq']].append(r['gt'])
            pred[r['seq']].append(r['pred'])
            if r.get('tentative') is not None:
                tentative[r['seq']].append(r['tentative'])
            lengths[r['seq']] = r['length']
            offsets[r['seq']] = r.get('offset', 0)
        gt = {k: np.concatenate(v) for k, v in gt.items()}
        pred = {k: np.concatenate(v) for k, v in pred.items()}
        tentative = {k: np.concatenate(v) for k, v in tentative.items()}
        if self.interpolation is not None:
            pred = {
                k: self._interpolate(v, tentative.get(k), lengths[k])
                for k, v in pred.items()
            }
        if self.results_dir:
            os.makedirs(self.results_dir, exist_ok=True)
            for name, rows in pred.items():
                rows = rows.copy()
                rows['frame'] += offsets[name]
                write_results(osp.join(self.results_dir, f'{name}.txt'), rows)
        scores = evaluate(gt, pred, lengths)
        logger = MMLogger.get_current_instance()
        logger.info('\n' + format_table(scores))
        if self.results_dir:
            logger.info(f'tracks written to {self.results_dir}/<SEQ>.txt')
        # counts as floats too: mmengine's JSON log drops numpy integers
        return {k: float(v) for k, v in scores['COMBINED'].items()}

    def _interpolate(self, rows: np.ndarray, tentative: Optional[np.ndarray],
                     length: int) -> np.ndarray:
        """The sequence's rows after ``self.interpolation``, given the
        rows of its tentative tracks where the model reports them."""

        def frame_of(rows: np.ndarray, f: int) -> dict:
            in_frame = rows[rows['frame'] == f]
            return dict(
                bboxes=boxes(in_frame),
                ids=in_frame['id'],
                scores=in_frame['conf'])

        frames = []
        for f in range(1, length + 1):
            frames.append(dict(frame_of(rows, f), frame=f))
            if tentative is not None:
                frames[-1]['tentative'] = frame_of(tentative, f)
        return np.concatenate([
            to_rows(f['frame'], f['bboxes'], f['ids'], f['scores'], -1, -1)
            for f in self.interpolation(frames)
        ])
