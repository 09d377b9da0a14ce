"""MOTChallenge sequences → COCO-VID annotation files with dense identities.

The training data of the iHOIM/OIM heads: every kept box carries
``instance_id``, a dense index 0..N−1 over the identities of that split,
and the file records ``num_ids`` = N (checked by ``MOTFrameDataset``
against the model's ``num_ids``). Person-like boxes that the benchmark
does not score are written as ignore regions (``iscrowd`` 1,
``instance_id`` −1): training neither calls them a person nor background.
"""
import json
import os
import os.path as osp
import tempfile
from typing import Callable, Dict, FrozenSet, List, NamedTuple, Optional, Tuple

import cv2
import numpy as np

from .motchallenge_io import (DISTRACTOR_CLASSES, PEDESTRIAN, FrameReader,
                              find_video, read_gt, read_seqinfo)


def find_sequences(root: str) -> List[str]:
    """Sequence folders (with ``seqinfo.ini``) of ``root``: ``root`` itself,
    or its sub-folders, sorted by name."""
    if osp.isfile(osp.join(root, 'seqinfo.ini')):
        return [root]
    if not osp.isdir(root):
        raise FileNotFoundError(f'{root}: no such folder')
    seqs = sorted(
        osp.join(root, d) for d in os.listdir(root)
        if osp.isfile(osp.join(root, d, 'seqinfo.ini')))
    if not seqs:
        raise FileNotFoundError(f'{root}: no sequence folder (one with a '
                                'seqinfo.ini) here')
    lacking = sorted(
        d for d in os.listdir(root)
        if osp.isfile(osp.join(root, d, 'gt', 'gt.txt'))
        and not osp.isfile(osp.join(root, d, 'seqinfo.ini')))
    if lacking:
        raise FileNotFoundError(
            f'{root}: {", ".join(lacking)} hold gt/gt.txt but no '
            'seqinfo.ini; add one (or move the folder away) so that no '
            'sequence is left out silently')
    return seqs


def check_images(seq_dir: str, info) -> None:
    """Every frame 1..seqLength of an image sequence exists as
    ``imDir/%06d{imExt}`` and has an image header OpenCV can decode.

    Raises:
        FileNotFoundError / ValueError: naming the first bad frames.
    """
    im_dir = osp.join(seq_dir, info.im_dir)
    paths = [
        osp.join(im_dir, f'{i:06d}{info.im_ext}')
        for i in range(1, info.length + 1)
    ]
    missing = [p for p in paths if not osp.isfile(p)]
    if missing:
        raise FileNotFoundError(
            f'{im_dir}: {len(missing)} of {info.length} frames missing, '
            f'e.g. {", ".join(osp.basename(p) for p in missing[:3])}')
    unreadable = [p for p in paths if not cv2.haveImageReader(p)]
    if unreadable:
        raise ValueError(
            f'{im_dir}: {len(unreadable)} frames are not images OpenCV '
            f'can decode, e.g. {", ".join(unreadable[:3])}')


def keep_one_detector_copy(seqs: List[str], detector: str) -> List[str]:
    """MOT17 ships every sequence three times (-DPM, -FRCNN, -SDP) with the
    same ground truth: keep the ``detector`` copy only."""
    names = [osp.basename(osp.normpath(s)) for s in seqs]
    copies = [
        n for n in names if n.rsplit('-', 1)[-1] in ('DPM', 'FRCNN', 'SDP')
    ]
    if not copies:
        return seqs
    return [
        s for s, n in zip(seqs, names)
        if n.rsplit('-', 1)[-1] == detector or n not in copies
    ]


def pedestrian_rows(gt: np.ndarray, vis_thr: float) -> np.ndarray:
    """Rows that are pedestrians to train on: class 1, conf 1 (conf 0 marks
    boxes the benchmark ignores) and visibility ≥ ``vis_thr``."""
    keep = (gt['class'] == PEDESTRIAN) & (gt['conf'] == 1) & (
        gt['visibility'] >= vis_thr)
    return gt[keep]


def ignored_rows(gt: np.ndarray) -> np.ndarray:
    """Rows to train as ignore regions: pedestrians marked conf 0 and the
    person-like distractor classes. Vehicles and occluders are not here:
    they are background a pedestrian detector must learn to reject."""
    keep = np.isin(gt['class'], DISTRACTOR_CLASSES) | (
        (gt['class'] == PEDESTRIAN) & (gt['conf'] == 0))
    return gt[keep]


class SplitSpec(NamedTuple):
    """A split written besides train/half-train/half-val: MOT frames
    ``first``..``last`` (1-based, inclusive) of every sequence, and which
    identities (MOT ids) it labels. An identity it does not label becomes
    an ignore region, in training and in evaluation alike, so a split can
    hold identities out: train ``without={1, 13}``, validate ``only={1,
    13}`` scores people the model has never been taught.

    Args:
        first (int): first MOT frame.
        last (int): last MOT frame.
        only (frozenset, optional): label only these identities.
        without (frozenset): label every identity but these.
    """
    first: int
    last: int
    only: Optional[FrozenSet[int]] = None
    without: FrozenSet[int] = frozenset()

    def unlabelled(self, rows: np.ndarray) -> np.ndarray:
        """Mask of the pedestrian ``rows`` this split turns into ignore
        regions."""
        mask = np.isin(rows['id'], list(self.without))
        if self.only is not None:
            mask |= ~np.isin(rows['id'], list(self.only))
        return mask


def frames_in(rows: np.ndarray, first: int, last: int) -> np.ndarray:
    """The rows of frames ``first``..``last``."""
    return rows[(rows['frame'] >= first) & (rows['frame'] <= last)]


def build_split(
        sequences: List[dict],
        frame_range,
        unlabelled: Optional[Callable[[np.ndarray],
                                      np.ndarray]] = None) -> dict:
    """One COCO-VID dict over the frames ``frame_range(length)`` of every
    sequence, identities numbered 0..N−1 in order of first appearance;
    each sequence's ``ignored`` rows, and the pedestrian rows the mask
    ``unlabelled(rows)`` selects (:meth:`SplitSpec.unlabelled`), become
    ignore regions (``iscrowd`` 1, ``instance_id``
    −1, ``mot_conf`` 0 so that evaluation drops them)."""
    out = dict(
        videos=[],
        images=[],
        annotations=[],
        categories=[dict(id=PEDESTRIAN, name='pedestrian')])
    dense: Dict[tuple, int] = {}
    for video_id, seq in enumerate(sequences, start=1):
        info, rows = seq['info'], seq['rows']
        out['videos'].append(
            dict(
                id=video_id,
                name=info.name,
                fps=info.frame_rate,
                width=info.width,
                height=info.height))
        first, last = frame_range(info.length)
        image_ids = {}
        for frame in range(first, last + 1):
            image_ids[frame] = len(out['images']) + 1
            image = dict(
                id=image_ids[frame],
                video_id=video_id,
                file_name=f'{seq["rel"]}/{info.im_dir}/'
                f'{frame:06d}{info.im_ext}',
                height=info.height,
                width=info.width,
                frame_id=frame - first,
                mot_frame_id=frame)
            if seq['video']:  # frames of a video: read them with LoadFrame
                image.update(file_name=seq['video'], frame_index=frame - 1)
            out['images'].append(image)
        rows = frames_in(rows, first, last)
        ignored = frames_in(seq['ignored'], first, last)
        if unlabelled is not None:
            mask = unlabelled(rows)
            rows, ignored = rows[~mask], np.concatenate([ignored, rows[mask]])
        rows = rows[np.lexsort((rows['id'], rows['frame']))]
        for row in rows:
            dense.setdefault((info.name, int(row['id'])), len(dense))
        labelled = [(r, False) for r in rows] + [(r, True) for r in ignored]
        for row, ignore in labelled:
            w, h = float(row['w']), float(row['h'])
            out['annotations'].append(
                dict(
                    id=len(out['annotations']) + 1,
                    image_id=image_ids[int(row['frame'])],
                    video_id=video_id,
                    category_id=PEDESTRIAN,
                    instance_id=-1 if ignore else dense[(info.name,
                                                         int(row['id']))],
                    mot_instance_id=int(row['id']),
                    bbox=[float(row['x']),
                          float(row['y']), w, h],
                    area=w * h,
                    iscrowd=int(ignore),
                    mot_conf=0.0 if ignore else float(row['conf']),
                    mot_class=int(row['class']),
                    visibility=float(row['visibility'])))
    out['num_ids'] = len(dense)
    return out


def convert(root: str,
            out_dir: str,
            split_train: bool = False,
            vis_thr: float = 0.0,
            mot17_detector: str = 'FRCNN',
            overwrite: bool = False,
            image_root: Optional[str] = None,
            splits: Optional[Dict[str, Tuple]] = None) -> Dict[str, dict]:
    """Convert the sequences under ``root`` and write the annotation files.

    A sequence is a folder with ``seqinfo.ini``, ``gt/gt.txt`` and either
    its ``imDir`` of images or one video file; frames of a video are
    referenced as ``file_name`` = the video plus ``frame_index`` (0-based),
    which :class:`LoadFrame` reads.

    Args:
        root (str): a sequence folder or a folder of sequence folders
            (e.g. ``data/MOT17/train``).
        out_dir (str): where ``train_cocoformat.json`` (and, with
            ``split_train``, ``half-train_``/``half-val_cocoformat.json``)
            are written.
        split_train (bool): also write the first half of each sequence's
            frames (1..⌊L/2⌋) and the second half as two files.
        vis_thr (float): drop boxes less visible than this.
        mot17_detector (str): the MOT17 copy kept (DPM, FRCNN or SDP).
        overwrite (bool): replace files in a non-empty ``out_dir``.
        image_root (str, optional): what ``file_name`` is relative to (the
            training config's ``data_root + data_prefix.img``); default
            ``root``'s folder of sequences.
        splits (dict, optional): name → :class:`SplitSpec` (or a
            tuple of its fields, e.g. ``(1, 300)``): also write that split
            as ``{name}_cocoformat.json`` (e.g. a split of the training
            half to choose settings on).

    Returns:
        dict: file name → written COCO-VID dict.

    Raises:
        FileExistsError: ``out_dir`` holds files and not ``overwrite``.
        FileNotFoundError / ValueError: from the sequence readers, or a
            split naming an identity no sequence has in its frames, before
            anything is written.
    """
    if mot17_detector not in ('DPM', 'FRCNN', 'SDP'):
        raise ValueError(f'mot17_detector={mot17_detector!r}: one of DPM, '
                         'FRCNN, SDP')
    specs = {name: SplitSpec(*spec) for name, spec in (splits or {}).items()}
    for name, spec in specs.items():
        if not 1 <= spec.first <= spec.last:
            raise ValueError(f'frame range {name}:{spec.first}-{spec.last}:'
                             ' need 1 <= first <= last')
    if osp.exists(out_dir) and not osp.isdir(out_dir):
        raise NotADirectoryError(f'{out_dir}: exists and is not a folder')
    if osp.isdir(out_dir) and os.listdir(out_dir) and not overwrite:
        raise FileExistsError(f'{out_dir} already holds files; pass '
                              '--overwrite to replace them')
    seqs = keep_one_detector_copy(find_sequences(root), mot17_detector)
    image_root = image_root or (root if len(seqs) > 1 or osp.normpath(
        seqs[0]) != osp.normpath(root) else osp.dirname(osp.normpath(root)))
    sequences = []
    for seq_dir in seqs:
        info = read_seqinfo(seq_dir)
        video = None
        if osp.isdir(osp.join(seq_dir, info.im_dir)):
            check_images(seq_dir, info)
        else:
            video = find_video(seq_dir)
            if video is None:
                raise FileNotFoundError(
                    f'{osp.join(seq_dir, info.im_dir)}: missing, and no '
                    f'video file in {seq_dir}')
            frames = len(FrameReader(video))
            if frames != info.length:
                raise ValueError(f'{video}: {frames} frames, but seqinfo.ini '
                                 f'says seqLength={info.length}')
            video = osp.relpath(video, image_root)
        gt = read_gt(osp.join(seq_dir, 'gt', 'gt.txt'), info.length)
        sequences.append(
            dict(
                info=info,
                rows=pedestrian_rows(gt, vis_thr),
                ignored=ignored_rows(gt),
                rel=osp.relpath(seq_dir, image_root),
                video=video))
    outputs = {
        'train_cocoformat.json': build_split(sequences, lambda n: (1, n))
    }
    if split_train:
        outputs['half-train_cocoformat.json'] = build_split(
            sequences, lambda n: (1, n // 2))
        outputs['half-val_cocoformat.json'] = build_split(
            sequences, lambda n: (n // 2 + 1, n))
    for name, spec in specs.items():
        first, last = spec.first, spec.last
        for seq in sequences:
            if last > seq['info'].length:
                raise ValueError(
                    f'frame range {name}:{first}-{last}: '
                    f'{seq["rel"]} has {seq["info"].length} frames')
        present = {
            int(i)
            for seq in sequences
            for i in frames_in(seq['rows'], first, last)['id']
        }
        unknown = sorted(((spec.only or set()) | spec.without) - present)
        if unknown:
            raise ValueError(f'split {name}: identity {unknown[0]} has no '
                             f'pedestrian box in frames {first}-{last}')
        outputs[f'{name}_cocoformat.json'] = build_split(
            sequences,
            lambda n, first=first, last=last: (first, last),
            spec.unlabelled)
    os.makedirs(out_dir, exist_ok=True)
    for name, content in outputs.items():
        write_json_atomic(osp.join(out_dir, name), content)
    for stale in os.listdir(out_dir):  # an earlier run's other splits
        if stale.endswith('_cocoformat.json') and stale not in outputs:
            os.remove(osp.join(out_dir, stale))
    return outputs


def write_json_atomic(path: str, content: dict) -> None:
    """Write to a temporary file beside ``path``, then rename: a failure
    never leaves a half-written file or clobbers the old one."""
    fd, tmp = tempfile.mkstemp(dir=osp.dirname(path), suffix='.tmp')
    try:
        with os.fdopen(fd, 'w') as f:
            json.dump(content, f)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp's 0600 → a normal file
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
