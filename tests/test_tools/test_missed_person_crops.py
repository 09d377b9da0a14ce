"""missed_person_crops.py on a three-frame image folder: which persons it
draws, the size of the sheet, and the refusal when none is of the kind."""
import cv2
import numpy as np
from conftest import mot_row as row
from conftest import run_tool

TOOL = 'tools/analysis/missed_person_crops.py'


def write_case(tmp_path):
    frames = tmp_path / 'frames'
    frames.mkdir()
    for f in (1, 2, 3):
        cv2.imwrite(
            str(frames / f'{f:06d}.jpg'), np.full((240, 320, 3), 90, np.uint8))
    gt, res = tmp_path / 'gt.txt', tmp_path / 'res.txt'
    # frame 1 found; frame 2 a box half a width off (IoU 1/3, misplaced);
    # frame 3 found, with a person hidden behind it (IoU 1/3, hidden)
    gt.write_text(
        row(1, 1, 100, 50, 40, 100) + row(2, 1, 100, 50, 40, 100) +
        row(3, 1, 100, 50, 40, 100) + row(3, 2, 120, 50, 40, 100))
    res.write_text(
        row(1, 1, 100, 50, 40, 100) + row(2, 1, 120, 50, 40, 100) +
        row(3, 1, 100, 50, 40, 100))
    return frames, gt, res


def test_sheet_of_the_missed_persons(tmp_path):
    frames, gt, res = write_case(tmp_path)
    out = tmp_path / 'sheet.png'
    run = run_tool(TOOL, gt, res, frames, '--out', out, '--zoom', 0.5)
    assert run.returncode == 0, run.stderr
    assert '2 of 2 missed persons (all)' in run.stdout
    # two 60x80 crops and four blank ones complete the row of six
    assert cv2.imread(str(out)).shape == (80, 360, 3)
    run = run_tool(TOOL, gt, res, frames, '--out', out, '--kind', 'hidden')
    assert run.returncode == 0, run.stderr
    assert '1 of 1 missed persons (hidden)' in run.stdout
    sheet = cv2.imread(str(out))
    assert sheet.shape == (320, 1440, 3)
    # the hidden person's crop is centred on it: its green box's left edge
    # (x 120) at the crop's x 0 + 120 - (140 - 60) = 40, zoomed twice: 80
    green = (sheet[:, :, 1] > 200) & (sheet[:, :, 2] < 80)
    assert green[:, 80].sum() > 150


def test_refuses_a_kind_without_persons(tmp_path):
    frames, gt, res = write_case(tmp_path)
    res.write_text(row(1, 1, 100, 50, 40, 100) + row(3, 1, 300, 50, 10, 10))
    run = run_tool(TOOL, gt, res, frames, '--out', tmp_path / 'x.png',
                   '--kind', 'hidden')
    assert run.returncode != 0
    assert 'no hidden missed person with a tracker box at IoU 0.1-0.5' in (
        run.stderr)
    assert not (tmp_path / 'x.png').exists()
