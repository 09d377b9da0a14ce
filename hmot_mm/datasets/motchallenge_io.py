"""The MOTChallenge format, read and written in one place: strict readers
of ``seqinfo.ini``, ground truth in the MOT15 and MOT16/17/20 layouts and
frames from ``img1/`` or a video; writers of sequence folders and of
tracker result rows.

Every malformed input raises an error that names the file (and line)."""
import configparser
import os
import os.path as osp
import re
import shutil
from dataclasses import dataclass
from typing import Iterator, Optional, Tuple

import cv2
import numpy as np

#: columns of a gt row, by number of columns in the file
GT_COLUMNS = {
    # MOT16/17/20: frame, id, box, conf (0 = ignore), class, visibility
    9: ('frame', 'id', 'x', 'y', 'w', 'h', 'conf', 'class', 'visibility'),
    # MOT15: frame, id, box, conf, world x/y/z (no class, no visibility)
    10: ('frame', 'id', 'x', 'y', 'w', 'h', 'conf', 'wx', 'wy', 'wz'),
}
GT_DTYPE = np.dtype([('frame', np.int64), ('id', np.int64), ('x', np.float64),
                     ('y', np.float64), ('w', np.float64), ('h', np.float64),
                     ('conf', np.float64), ('class', np.int64),
                     ('visibility', np.float64)])
PEDESTRIAN = 1
#: MOT16/17/20 classes that look like people but are not scored (the
#: devkit's distractors): person on vehicle, static person, distractor,
#: reflection
DISTRACTOR_CLASSES = (2, 7, 8, 12)
VIDEO_EXTS = ('.avi', '.mp4', '.mov', '.mkv', '.webm', '.mpg', '.mpeg')


@dataclass
class SeqInfo:
    """The ``[Sequence]`` section of ``seqinfo.ini``."""
    name: str
    frame_rate: float
    length: int
    width: int
    height: int
    im_dir: str = 'img1'
    im_ext: str = '.jpg'


def read_seqinfo(seq_dir: str) -> SeqInfo:
    """Read ``SEQ/seqinfo.ini``.

    Raises:
        FileNotFoundError: no ``seqinfo.ini``.
        ValueError: a missing or non-numeric key (file and key named).
    """
    path = osp.join(seq_dir, 'seqinfo.ini')
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: missing (every MOTChallenge '
                                'sequence folder has a seqinfo.ini)')
    parser = configparser.ConfigParser()
    try:
        parser.read(path)
    except configparser.Error as e:
        raise ValueError(f'{path}: not an ini file ({e})') from None
    if 'Sequence' not in parser:
        raise ValueError(f'{path}: no [Sequence] section')
    section = parser['Sequence']

    def number(key, kind):
        if key not in section:
            raise ValueError(f'{path}: [Sequence] has no {key}')
        try:
            value = kind(section[key])
        except ValueError:
            raise ValueError(
                f'{path}: {key}={section[key]!r} is not '
                f'{"an integer" if kind is int else "a number"}') from None
        if not (np.isfinite(value) and value > 0):
            raise ValueError(f'{path}: {key}={section[key]} must be a '
                             'finite number > 0')
        return value

    return SeqInfo(
        name=section.get('name', osp.basename(osp.normpath(seq_dir))),
        frame_rate=number('frameRate', float),
        length=number('seqLength', int),
        width=number('imWidth', int),
        height=number('imHeight', int),
        im_dir=section.get('imDir', 'img1'),
        im_ext=section.get('imExt', '.jpg'))


def read_gt(path: str, seq_length: Optional[int] = None) -> np.ndarray:
    """Read a MOTChallenge ``gt.txt``.

    MOT16/17/20 rows have 9 columns; MOT15 rows have 10 and no class or
    visibility: they read as class 1 (pedestrian), visibility 1.

    Args:
        path (str): the gt file.
        seq_length (int, optional): frames must lie in 1..seq_length.

    Returns:
        np.ndarray: structured array of ``GT_DTYPE``, in file order.

    Raises:
        FileNotFoundError: no such file.
        ValueError: a row with a wrong column count, a non-numeric or
            non-finite value, a frame out of range, a box of zero or
            negative size, or a repeated (frame, id); the message names
            file and line.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: ground truth file missing')
    rows, first_line = [], {}
    num_columns = None
    with open(path) as f:
        for lineno, line in enumerate(f, start=1):
            line = line.strip()
            if not line:
                continue
            values = [v.strip() for v in line.split(',')]
            if num_columns is None:
                num_columns = len(values)
                if num_columns not in GT_COLUMNS:
                    raise ValueError(
                        f'{path}:{lineno}: {num_columns} columns; a '
                        'MOTChallenge gt row has 9 (MOT16/17/20) or 10 '
                        '(MOT15)')
            elif len(values) != num_columns:
                raise ValueError(f'{path}:{lineno}: {len(values)} columns, '
                                 f'the file started with {num_columns}')
            names = GT_COLUMNS[num_columns]
            try:
                numbers = [float(v) for v in values]
            except ValueError:
                bad = next(i for i, v in enumerate(values)
                           if not _is_number(v))
                raise ValueError(f'{path}:{lineno}: {names[bad]}='
                                 f'{values[bad]!r} is not a number') from None
            bad = next(
                (i for i, v in enumerate(numbers) if not np.isfinite(v)), None)
            if bad is not None:
                raise ValueError(f'{path}:{lineno}: {names[bad]}='
                                 f'{values[bad]!r} is not finite')
            record = dict(zip(names, numbers))
            frame, track = int(record['frame']), int(record['id'])
            if frame != record['frame'] or track != record['id']:
                raise ValueError(f'{path}:{lineno}: frame and id must be '
                                 f'integers, got {values[0]}, {values[1]}')
            if frame < 1 or (seq_length is not None and frame > seq_length):
                raise ValueError(f'{path}:{lineno}: frame {frame} is outside '
                                 f'1..{seq_length or "∞"}')
            if record['w'] <= 0 or record['h'] <= 0:
                raise ValueError(f'{path}:{lineno}: box size must be > 0, '
                                 f'got w={values[4]} h={values[5]}')
            if (frame, track) in first_line:
                raise ValueError(
                    f'{path}:{lineno}: frame {frame} id {track} repeats line '
                    f'{first_line[frame, track]}')
            first_line[frame, track] = lineno
            rows.append(
                (frame, track, record['x'], record['y'], record['w'],
                 record['h'], record['conf'], int(record.get('class', 1)),
                 record.get('visibility', 1.0)))
    return np.array(rows, dtype=GT_DTYPE)


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def find_video(seq_dir: str) -> Optional[str]:
    """The video file of a sequence folder without ``img1``, if any."""
    videos = sorted(
        f for f in os.listdir(seq_dir) if f.lower().endswith(VIDEO_EXTS))
    return osp.join(seq_dir, videos[0]) if videos else None


class FrameReader:
    """Frames 1..N of a sequence, from ``imDir`` images or a video file.

    Args:
        source (str): a MOTChallenge sequence folder (``img1/`` or one
            video file inside), a video file, or a folder of images.

    Attributes:
        fps (float or None): the source's frame rate (``seqinfo.ini``'s
            ``frameRate``, else the video's), None for bare images.
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self.video: Optional[str] = None
        self.images = []
        self.fps: Optional[float] = None
        if osp.isfile(source):
            self.video = source
        elif not osp.isdir(source):
            raise FileNotFoundError(f'{source}: no such file or folder')
        else:
            im_dir, im_ext = source, None
            if osp.isfile(osp.join(source, 'seqinfo.ini')):
                info = read_seqinfo(source)
                im_dir, im_ext = osp.join(source, info.im_dir), info.im_ext
                self.fps = info.frame_rate
            elif osp.isdir(osp.join(source, 'img1')):
                im_dir = osp.join(source, 'img1')
            if osp.isdir(im_dir):
                exts = (im_ext, ) if im_ext else ('.jpg', '.jpeg', '.png',
                                                  '.bmp')
                self.images = sorted(
                    osp.join(im_dir, f) for f in os.listdir(im_dir)
                    if f.lower().endswith(exts))
            if not self.images:
                self.video = find_video(source)
                if self.video is None:
                    raise FileNotFoundError(
                        f'{source}: no frames (no images in {im_dir} and no '
                        'video file)')
        if self.video is not None:
            capture = cv2.VideoCapture(self.video)
            ok = capture.isOpened()
            self.num_frames = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
            video_fps = capture.get(cv2.CAP_PROP_FPS)
            if self.fps is None and np.isfinite(video_fps) and video_fps > 0:
                self.fps = float(video_fps)
            ok = ok and capture.read()[0]
            capture.release()
            if not ok:
                raise IOError(f'{self.video}: cannot be decoded as a video')
        else:
            self.num_frames = len(self.images)

    def __len__(self) -> int:
        return self.num_frames

    def __iter__(self) -> Iterator[Tuple[int, np.ndarray]]:
        """Yield ``(frame_number, BGR image)`` from frame 1 on."""
        if self.video is None:
            for i, path in enumerate(self.images, start=1):
                image = cv2.imread(path)
                if image is None:
                    raise IOError(f'{path}: cannot be decoded as an image')
                yield i, image
            return
        capture = cv2.VideoCapture(self.video)
        try:
            for i in range(1, self.num_frames + 1):
                ok, image = capture.read()
                if not ok:
                    raise IOError(f'{self.video}: frame {i} of '
                                  f'{self.num_frames} cannot be decoded')
                yield i, image
        finally:
            capture.release()


def parse_frame_range(text: str) -> Tuple[int, int]:
    """``'FIRST-LAST'`` as frame numbers (1-based, inclusive), as the
    tools' ``--frames`` takes them.

    Raises:
        ValueError: not two numbers with 1 <= FIRST <= LAST (named).
    """
    match = re.fullmatch(r'(\d+)-(\d+)', text)
    if not match or not 1 <= int(match[1]) <= int(match[2]):
        raise ValueError(f'--frames {text}: FIRST-LAST with '
                         '1 <= FIRST <= LAST')
    return int(match[1]), int(match[2])


def video_to_sequence(source: str,
                      out_dir: str,
                      name: Optional[str] = None,
                      gt: Optional[str] = None,
                      fps: Optional[float] = None,
                      overwrite: bool = False) -> str:
    """Write a MOTChallenge sequence folder from a video.

    Args:
        source (str): a video file, or a sequence folder holding one video
            (its ``seqinfo.ini`` and ``gt/gt.txt`` are then used).
        out_dir (str): the folder that receives ``NAME/``.
        name (str, optional): sequence name; default from the source.
        gt (str, optional): a gt file to validate and copy.
        fps (float, optional): frame rate; default from the source.
        overwrite (bool): replace a non-empty ``out_dir/NAME``.

    Returns:
        str: the new sequence folder (``seqinfo.ini``, ``img1/``, ``gt/``).

    Raises:
        ValueError: no positive frame rate (given or in the source), a
            frame count that disagrees with ``seqinfo.ini``, bad gt rows.
        IOError: a frame that cannot be decoded; the partly written
            sequence folder is removed (nothing else is touched).
    """
    if fps is not None and not (np.isfinite(fps) and fps > 0):
        raise ValueError(f'fps={fps}: a frame rate must be positive')
    info = None
    if osp.isdir(source):
        if osp.isfile(osp.join(source, 'seqinfo.ini')):
            info = read_seqinfo(source)
        default_gt = osp.join(source, 'gt', 'gt.txt')
        gt = gt or (default_gt if osp.isfile(default_gt) else None)
        video = find_video(source)
        if video is None:
            raise FileNotFoundError(f'{source}: no video file in this folder')
    else:
        video = source
    frames = FrameReader(video)
    name = name or (info.name
                    if info else osp.splitext(osp.basename(video))[0])
    if info and info.length != len(frames):
        raise ValueError(f'{video}: {len(frames)} frames, but '
                         f'{source}/seqinfo.ini says seqLength={info.length}')
    rows = read_gt(gt, len(frames)) if gt else None
    fps = fps or (info.frame_rate if info else frames.fps)
    if not fps:
        raise ValueError(f'{video}: no frame rate in the video; pass --fps')
    seq_dir = sequence_folder(out_dir, name, overwrite)
    img_dir = osp.join(seq_dir, 'img1')
    os.makedirs(img_dir, exist_ok=True)
    height = width = 0
    try:
        for i, image in frames:
            height, width = image.shape[:2]
            path = osp.join(img_dir, f'{i:06d}.jpg')
            if not cv2.imwrite(path, image, [cv2.IMWRITE_JPEG_QUALITY, 95]):
                raise IOError(f'{img_dir}: cannot write frame {i}')
    except IOError as err:
        shutil.rmtree(seq_dir)
        raise IOError(f'{err}; removed the partial {seq_dir}') from None
    write_seqinfo(seq_dir, fps, len(frames), width, height)
    if rows is not None:
        os.makedirs(osp.join(seq_dir, 'gt'), exist_ok=True)
        with open(osp.join(seq_dir, 'gt', 'gt.txt'), 'w') as f:
            for r in rows:
                f.write(f'{r["frame"]},{r["id"]},{r["x"]:g},{r["y"]:g},'
                        f'{r["w"]:g},{r["h"]:g},{r["conf"]:g},{r["class"]},'
                        f'{r["visibility"]:g}\n')
    return seq_dir


def sequence_folder(out_dir: str, name: str, overwrite: bool) -> str:
    """``out_dir/name`` for a new sequence; one that already holds files is
    refused unless ``overwrite``.

    Raises:
        FileExistsError: a non-empty folder without ``overwrite``.
    """
    seq_dir = osp.join(out_dir, name)
    if osp.isdir(seq_dir) and os.listdir(seq_dir) and not overwrite:
        raise FileExistsError(f'{seq_dir} already holds files; pass '
                              '--overwrite to replace them')
    return seq_dir


def write_seqinfo(seq_dir: str, fps: float, length: int, width: int,
                  height: int) -> None:
    """Write ``seq_dir/seqinfo.ini`` of JPEG frames in ``img1/``, named
    after the folder."""
    with open(osp.join(seq_dir, 'seqinfo.ini'), 'w') as f:
        f.write(f'[Sequence]\nname={osp.basename(osp.normpath(seq_dir))}\n'
                f'imDir=img1\nframeRate={fps:g}\nseqLength={length}\n'
                f'imWidth={width}\nimHeight={height}\nimExt=.jpg\n')


def to_rows(frame: int, bboxes, ids, conf, classes, visibility) -> np.ndarray:
    """MOTChallenge rows (``GT_DTYPE``) from x1y1x2y2 boxes."""
    bboxes = np.asarray(bboxes, dtype=np.float64).reshape(-1, 4)
    rows = np.zeros(len(bboxes), dtype=GT_DTYPE)
    rows['frame'] = frame
    rows['id'] = np.asarray(ids, dtype=np.int64)
    rows['x'], rows['y'] = bboxes[:, 0], bboxes[:, 1]
    rows['w'] = bboxes[:, 2] - bboxes[:, 0]
    rows['h'] = bboxes[:, 3] - bboxes[:, 1]
    rows['conf'], rows['class'] = conf, classes
    rows['visibility'] = visibility
    return rows


def write_results(path: str, rows: np.ndarray) -> None:
    """Write tracker rows as ``frame,id,x,y,w,h,score,-1,-1,-1``."""
    rows = rows[np.lexsort((rows['id'], rows['frame']))]
    with open(path, 'w') as f:
        for r in rows:
            f.write(f'{r["frame"]},{r["id"]},{r["x"]:.2f},{r["y"]:.2f},'
                    f'{r["w"]:.2f},{r["h"]:.2f},{r["conf"]:.4f},-1,-1,-1\n')
