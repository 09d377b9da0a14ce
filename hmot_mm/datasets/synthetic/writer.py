"""Writing a simulated sequence as a MOTChallenge folder."""
import os
import os.path as osp

import cv2

from ..motchallenge_io import sequence_folder, write_seqinfo
from .sequence import SyntheticSequence


def write_sequence(out_dir: str,
                   name: str,
                   frames: int,
                   overwrite: bool = False,
                   **kwargs) -> str:
    """Simulate ``frames`` frames and write a MOTChallenge folder
    ``out_dir/name`` (seqinfo.ini, img1/%06d.jpg, gt/gt.txt with rows
    frame,id,x,y,w,h,1,1,visibility).

    Args:
        out_dir (str): parent folder.
        name (str): sequence name.
        frames (int): number of frames.
        overwrite (bool): replace a non-empty ``out_dir/name``.
        **kwargs: :class:`SyntheticSequence` options.

    Returns:
        str: the sequence folder.
    """
    if frames < 1:
        raise ValueError(f'frames must be >= 1, got {frames}')
    seq_dir = sequence_folder(out_dir, name, overwrite)
    sim = SyntheticSequence(**kwargs)
    os.makedirs(osp.join(seq_dir, 'img1'), exist_ok=True)
    os.makedirs(osp.join(seq_dir, 'gt'), exist_ok=True)
    rows = []
    for t in range(1, frames + 1):
        image, people = sim.render()
        cv2.imwrite(
            osp.join(seq_dir, 'img1', f'{t:06d}.jpg'), sim.finish(image),
            [cv2.IMWRITE_JPEG_QUALITY, sim.jpeg_quality])
        rows += [
            f'{t},{p["id"]},{p["box"][0]:.0f},{p["box"][1]:.0f},'
            f'{p["box"][2]:.0f},{p["box"][3]:.0f},1,1,{p["visibility"]:.4f}'
            for p in people
        ]
        sim.step()
    with open(osp.join(seq_dir, 'gt', 'gt.txt'), 'w') as f:
        f.write('\n'.join(rows) + '\n')
    write_seqinfo(seq_dir, sim.fps, frames, *sim.size)
    return seq_dir
