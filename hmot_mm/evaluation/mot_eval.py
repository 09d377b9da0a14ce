"""MOTChallenge evaluation of tracks against ground truth: CLEAR and
identity metrics from motmetrics, HOTA from TrackEval.

Boxes match at IoU ≥ 0.5 (CLEAR/ID) as the MOTChallenge devkit does; HOTA
averages over IoU thresholds 0.05..0.95. IoU is ``hmot_mm.utils.box_iou``
(motmetrics' ``iou_matrix`` calls ``np.asfarray``, gone in numpy 2).

Preprocessing, as TrackEval's ``MotChallenge2DBox``: in every frame the
tracker boxes are matched (Hungarian, IoU ≥ 0.5) to *all* ground truth;
those matched to a distractor (classes 2, 7, 8, 12: person on vehicle,
static person, distractor, reflection; in ``MOT20-*`` sequences also 6,
non-motorised vehicle) or to a zero-marked pedestrian (class 1, conf 0)
are removed; then only pedestrians with conf ≠ 0 are scored. Ignoring
boxes on zero-marked pedestrians goes
beyond TrackEval (which counts them as FP, e.g. PETS09's 174 conf-0 rows)
and matches how the training data treats them (ignore regions): scoring a
ground truth against itself gives MOTA 1, FP 0.
"""
import os
import os.path as osp
from collections import OrderedDict
from typing import Dict, Mapping

import motmetrics as mm
import numpy as np
from scipy.optimize import linear_sum_assignment
from trackeval.metrics import HOTA

from ..datasets.motchallenge_io import (DISTRACTOR_CLASSES, PEDESTRIAN,
                                        read_gt, read_seqinfo)
from ..utils import box_iou

#: reported name → motmetrics metric
MOTMETRICS = OrderedDict(
    MOTA='mota',
    IDF1='idf1',
    IDSw='num_switches',
    FP='num_false_positives',
    FN='num_misses',
    MT='mostly_tracked',
    ML='mostly_lost',
    Frag='num_fragmentations',
    Recall='recall',
    Precision='precision')
RATIOS = ('MOTA', 'IDF1', 'HOTA', 'Recall', 'Precision')
NON_MOT_VEHICLE = 6  # a distractor in MOT20 only, as in TrackEval


def boxes(rows: np.ndarray) -> np.ndarray:
    """x1y1x2y2 boxes of MOTChallenge rows (x, y, w, h)."""
    return np.stack(
        [rows['x'], rows['y'], rows['x'] + rows['w'], rows['y'] + rows['h']],
        axis=1)


def preprocess(gt: np.ndarray, hyp: np.ndarray, mot20: bool = False):
    """Apply the devkit's filtering (see the module docstring).

    Args:
        gt (np.ndarray): ground-truth rows of one sequence.
        hyp (np.ndarray): tracker rows of that sequence.
        mot20 (bool): a MOT20 sequence (class 6 is a distractor too).

    Returns:
        tuple: scored gt rows and kept tracker rows.
    """
    distractors = DISTRACTOR_CLASSES + ((NON_MOT_VEHICLE, ) if mot20 else ())
    pedestrian = gt['class'] == PEDESTRIAN
    ignored = np.isin(gt['class'], distractors) | (
        pedestrian & (gt['conf'] == 0))
    keep = np.ones(len(hyp), bool)
    for frame in np.unique(gt['frame'][ignored]):
        in_frame = gt['frame'] == frame
        h_idx = np.nonzero(hyp['frame'] == frame)[0]
        if not len(h_idx):
            continue
        iou = box_iou(boxes(gt[in_frame]), boxes(hyp[h_idx]))
        rows, cols = linear_sum_assignment(-np.where(iou >= 0.5, iou, 0))
        g_ignored = ignored[in_frame]
        for r, c in zip(rows, cols):
            if iou[r, c] >= 0.5 and g_ignored[r]:
                keep[h_idx[c]] = False
    scored = pedestrian & (gt['conf'] != 0)
    return gt[scored], hyp[keep]


def accumulate(gt: np.ndarray, hyp: np.ndarray) -> mm.MOTAccumulator:
    """motmetrics accumulator of one sequence (IoU ≥ 0.5 can match)."""
    acc = mm.MOTAccumulator(auto_id=False)
    for frame in np.union1d(gt['frame'], hyp['frame']):
        g, h = gt[gt['frame'] == frame], hyp[hyp['frame'] == frame]
        dist = 1 - box_iou(boxes(g), boxes(h))
        dist[dist > 0.5] = np.nan
        acc.update(
            g['id'].tolist(), h['id'].tolist(), dist, frameid=int(frame))
    return acc


def hota_data(gt: np.ndarray, hyp: np.ndarray, length: int) -> dict:
    """TrackEval's per-sequence input: ids renumbered 0.., IoU per frame."""
    gt_ids = {v: i for i, v in enumerate(np.unique(gt['id']))}
    hyp_ids = {v: i for i, v in enumerate(np.unique(hyp['id']))}
    data = dict(
        num_timesteps=length,
        num_gt_dets=len(gt),
        num_tracker_dets=len(hyp),
        num_gt_ids=len(gt_ids),
        num_tracker_ids=len(hyp_ids),
        gt_ids=[],
        tracker_ids=[],
        similarity_scores=[])
    for frame in range(1, length + 1):
        g, h = gt[gt['frame'] == frame], hyp[hyp['frame'] == frame]
        data['gt_ids'].append(np.array([gt_ids[i] for i in g['id']], int))
        data['tracker_ids'].append(
            np.array([hyp_ids[i] for i in h['id']], int))
        data['similarity_scores'].append(box_iou(boxes(g), boxes(h)))
    return data


def evaluate(gt: Mapping[str, np.ndarray], hyp: Mapping[str, np.ndarray],
             lengths: Mapping[str, int]) -> Dict[str, Dict[str, float]]:
    """Score tracks of several sequences.

    Args:
        gt (dict): sequence → gt rows (``motchallenge_io.GT_DTYPE``).
        hyp (dict): sequence → tracker rows (same dtype); a sequence
            missing here counts as no output.
        lengths (dict): sequence → number of frames.

    Returns:
        dict: sequence (and ``COMBINED``) → ``MOTA``, ``IDF1``, ``HOTA``,
        ``Recall``, ``Precision`` (fractions), ``IDSw``, ``FP``, ``FN``,
        ``MT``, ``ML``, ``Frag`` (counts).
    """
    empty = np.zeros(0, dtype=next(iter(gt.values())).dtype)
    accs, hota_res, names = [], {}, list(gt)
    hota = HOTA({'PRINT_CONFIG': False})
    for name in names:
        g, h = preprocess(
            gt[name], hyp.get(name, empty), mot20=name.startswith('MOT20'))
        accs.append(accumulate(g, h))
        hota_res[name] = hota.eval_sequence(hota_data(g, h, lengths[name]))
    summary = mm.metrics.create().compute_many(
        accs,
        names=names,
        metrics=list(MOTMETRICS.values()),
        generate_overall=True)
    hota_res['COMBINED'] = hota.combine_sequences(hota_res)
    results = OrderedDict()
    for name in names + ['COMBINED']:
        row = summary.loc[name if name != 'COMBINED' else 'OVERALL']
        results[name] = OrderedDict(
            (key, float(row[metric])) for key, metric in MOTMETRICS.items())
        for key in ('IDSw', 'FP', 'FN', 'MT', 'ML', 'Frag'):
            results[name][key] = int(results[name][key])
        results[name]['HOTA'] = float(np.mean(hota_res[name]['HOTA']))
    return results


def evaluate_folders(gt_root: str,
                     results_dir: str) -> Dict[str, Dict[str, float]]:
    """Score ``results_dir/<SEQ>.txt`` against ``gt_root/<SEQ>/gt/gt.txt``
    for every such sequence folder (see :func:`evaluate`). Without a
    ``seqinfo.ini`` a sequence lasts until its last gt or result frame.

    Raises:
        FileNotFoundError: a folder is missing, or a ground-truth sequence
            has no result file (it would score as all misses).
        ValueError: a result file names no ground-truth sequence (a typo
            would otherwise drop it silently), or a malformed row.
    """
    if not osp.isdir(gt_root):
        raise FileNotFoundError(f'{gt_root}: no such folder')
    names = sorted(
        d for d in os.listdir(gt_root)
        if osp.isfile(osp.join(gt_root, d, 'gt', 'gt.txt')))
    if not names:
        raise FileNotFoundError(f'{gt_root}: no <SEQ>/gt/gt.txt here')
    if not osp.isdir(results_dir):
        raise FileNotFoundError(f'{results_dir}: no such folder')
    result_names = sorted(f[:-4] for f in os.listdir(results_dir)
                          if f.endswith('.txt'))
    unknown = [n for n in result_names if n not in names]
    if unknown:
        raise ValueError(
            f'{results_dir}: {", ".join(n + ".txt" for n in unknown)} '
            f'match no ground-truth sequence in {gt_root} '
            f'({", ".join(names)})')
    without = [n for n in names if n not in result_names]
    if without:
        raise FileNotFoundError(
            f'{results_dir}: no result file for {", ".join(without)} '
            f'(expected {", ".join(n + ".txt" for n in without)})')
    gt, hyp, lengths = {}, {}, {}
    for name in names:
        seq_dir = osp.join(gt_root, name)
        length = read_seqinfo(seq_dir).length if osp.isfile(
            osp.join(seq_dir, 'seqinfo.ini')) else None
        gt[name] = read_gt(osp.join(seq_dir, 'gt', 'gt.txt'), length)
        hyp[name] = read_gt(osp.join(results_dir, f'{name}.txt'), length)
        last = [
            rows['frame'].max() for rows in (gt[name], hyp[name]) if len(rows)
        ]
        lengths[name] = length or int(max(last, default=0))
    return evaluate(gt, hyp, lengths)


def format_table(results: Mapping[str, Mapping[str, float]]) -> str:
    """A plain-text table, one row per sequence, ratios in percent."""
    columns = [
        'HOTA', 'MOTA', 'IDF1', 'IDSw', 'FP', 'FN', 'MT', 'ML', 'Frag',
        'Recall', 'Precision'
    ]
    width = max(len(n) for n in results) + 2
    lines = [''.ljust(width) + ''.join(c.rjust(10) for c in columns)]
    for name, values in results.items():
        cells = [(f'{100 * values[c]:.2f}'
                  if c in RATIOS else str(values[c])).rjust(10)
                 for c in columns]
        lines.append(name.ljust(width) + ''.join(cells))
    return '\n'.join(lines)
