"""Every tool refuses bad input with a message naming the file, line or
value, exits non-zero, and loses nothing written before: one table of
cases, each run as a user would run the tool."""
import os
import os.path as osp
import shutil

import cv2
import numpy as np
import pytest
import torch
from conftest import run_tool, write_mot_sequence


@pytest.fixture(scope='module')
def files(tmp_path_factory):
    """Ground truth of one sequence, a results folder scoring it, and the
    bad variants the cases point at."""
    root = tmp_path_factory.mktemp('bad')
    write_mot_sequence(str(root / 'gt'), 'SEQ-01', num_frames=6, seed=1)
    gt_file = root / 'gt' / 'SEQ-01' / 'gt' / 'gt.txt'
    good = gt_file.read_text().splitlines()

    def results(name, lines, file_name='SEQ-01.txt'):
        folder = root / name
        folder.mkdir()
        (folder / file_name).write_text('\n'.join(lines) + '\n')
        return folder

    def with_value(line, column, value):
        values = line.split(',')
        values[column] = value
        return ','.join(values)

    results('res_typo', good, 'SEQ-0l.txt')
    results('res_none', good, 'OTHER.txt')
    (root / 'res_none' / 'OTHER.txt').unlink()
    results('res_inf', good[:2] + [with_value(good[2], 4, 'inf')])
    results('res_nan', good[:1] + [with_value(good[1], 2, 'nan')])
    results('res_good', good)
    (root / 'out_dir').mkdir()
    (root / 'a_file').write_text('not a folder\n')
    (root / 'text.pth').write_text('not a checkpoint\n')
    torch.save(dict(state_dict=dict(foo=torch.zeros(2))), root / 'foreign.pth')
    # converter inputs
    lacking = root / 'lacking'
    write_mot_sequence(str(lacking), 'A-01', num_frames=4, seed=2)
    write_mot_sequence(str(lacking), 'B-01', num_frames=4, seed=3)
    os.remove(lacking / 'B-01' / 'seqinfo.ini')
    missing = root / 'missing'
    write_mot_sequence(str(missing), 'A-01', num_frames=4, seed=2)
    os.remove(missing / 'A-01' / 'img1' / '000003.jpg')
    undecodable = root / 'undecodable'
    write_mot_sequence(str(undecodable), 'A-01', num_frames=4, seed=2)
    (undecodable / 'A-01' / 'img1' / '000002.jpg').write_text('text\n')
    # a video, and one cut off mid-stream
    video = str(root / 'clip.avi')
    writer = cv2.VideoWriter(video, cv2.VideoWriter_fourcc(*'MJPG'), 5,
                             (64, 48))
    for i in range(8):
        writer.write(np.full((48, 64, 3), 30 * i, np.uint8))
    writer.release()
    # damaged: the last frames' data zeroed, header and index kept, so
    # the video opens and its first 5 frames decode
    data = open(video, 'rb').read()
    cut = int(len(data) * 0.9)
    (root / 'cut.avi').write_bytes(data[:cut] + bytes(len(data) - cut - 300) +
                                   data[-300:])
    return root


# (tool and arguments with {root} for the fixture's folder, the text the
# error must contain)
CASES = {
    'eval: result of an unknown sequence':
    (['tools/eval_mot.py', '{root}/gt',
      '{root}/res_typo'], 'SEQ-0l.txt match no ground-truth sequence'),
    'eval: sequence without result':
    (['tools/eval_mot.py', '{root}/gt',
      '{root}/res_none'], 'no result file for SEQ-01'),
    'eval: inf in a box':
    (['tools/eval_mot.py', '{root}/gt',
      '{root}/res_inf'], "SEQ-01.txt:3: w='inf' is not finite"),
    'eval: nan in a box':
    (['tools/eval_mot.py', '{root}/gt',
      '{root}/res_nan'], "SEQ-01.txt:2: x='nan' is not finite"),
    'eval: --out is a folder': ([
        'tools/eval_mot.py', '{root}/gt', '{root}/res_good', '--out',
        '{root}/out_dir'
    ], 'out_dir: is a folder'),
    'eval: --out in a missing folder': ([
        'tools/eval_mot.py', '{root}/gt', '{root}/res_good', '--out',
        '{root}/nowhere/m.json'
    ], 'nowhere does not exist'),
    'mot2coco: a sequence without seqinfo.ini': ([
        'tools/dataset_converters/mot2coco.py', '-i', '{root}/lacking', '-o',
        '{root}/ann_lacking'
    ], 'B-01 hold gt/gt.txt but no seqinfo.ini'),
    'mot2coco: a missing frame': ([
        'tools/dataset_converters/mot2coco.py', '-i', '{root}/missing', '-o',
        '{root}/ann_missing'
    ], '1 of 4 frames missing, e.g. 000003.jpg'),
    'mot2coco: an undecodable frame': ([
        'tools/dataset_converters/mot2coco.py', '-i', '{root}/undecodable',
        '-o', '{root}/ann_undecodable'
    ], '000002.jpg'),
    'mot2coco: -o is a file': ([
        'tools/dataset_converters/mot2coco.py', '-i', '{root}/gt', '-o',
        '{root}/a_file'
    ], 'a_file: exists and is not a folder'),
    'mot2coco: a bad --frames range': ([
        'tools/dataset_converters/mot2coco.py', '-i', '{root}/gt', '-o',
        '{root}/ann_frames', '--frames', 'sub:4-2'
    ], 'need 1 <= first <= last'),
    'mot2coco: --frames holding out an identity that is not there': ([
        'tools/dataset_converters/mot2coco.py', '-i', '{root}/gt', '-o',
        '{root}/ann_ids', '--frames', 'sub:1-6:without=10,999'
    ], 'split sub: identity 999 has no pedestrian box in frames 1-6'),
    'video_to_mot: --fps 0': ([
        'tools/dataset_converters/video_to_mot.py', '{root}/clip.avi',
        '--out-dir', '{root}/fps0', '--fps', '0'
    ], 'fps=0.0: a frame rate must be positive'),
    'video_to_mot: a damaged video': ([
        'tools/dataset_converters/video_to_mot.py', '{root}/cut.avi',
        '--out-dir', '{root}/cut'
    ], 'removed the partial'),
    'make_synthetic_mot: --fps -3': ([
        'tools/make_synthetic_mot.py', '--out', '{root}/synth_neg', '--frames',
        '2', '--fps', '-3'
    ], 'fps must be a positive frame rate, got -3.0'),
    'make_synthetic_mot: --fps 0': ([
        'tools/make_synthetic_mot.py', '--out', '{root}/synth_zero',
        '--frames', '2', '--fps', '0'
    ], 'fps must be a positive frame rate, got 0.0'),
    'demo_track: --score-thr 2': ([
        'tools/demo_track.py', 'c.py', 'w.pth', '--input', '{root}/clip.avi',
        '--out-dir', '{root}/demo', '--score-thr', '2'
    ], '--score-thr 2.0: a score in [0, 1]'),
    'demo_track: --out-dir is a file': ([
        'tools/demo_track.py', 'c.py', 'w.pth', '--input', '{root}/clip.avi',
        '--out-dir', '{root}/a_file'
    ], 'a_file: exists and is not a folder'),
    'demo_track: --frames past the end': ([
        'tools/demo_track.py', 'c.py', '{root}/foreign.pth', '--input',
        '{root}/clip.avi', '--out-dir', '{root}/demo', '--frames', '5-9'
    ], '--frames 5-9: {root}/clip.avi has 8 frames'),
    'demo_track: --fps 0': ([
        'tools/demo_track.py', 'c.py', 'w.pth', '--input', '{root}/clip.avi',
        '--out-dir', '{root}/demo', '--fps', '0'
    ], '--fps 0.0: a positive frame rate'),
    'test: no weights': (['tools/test.py', '{config}'],
                         'without weights the test scores a randomly'),
    'test: a text file as checkpoint':
    (['tools/test.py', '{config}', '--checkpoint',
      '{root}/text.pth'], 'text.pth: not a PyTorch checkpoint'),
    'test: a checkpoint of none of the keys':
    (['tools/test.py', '{config}', '--checkpoint',
      '{root}/foreign.pth'], 'missing keys'),
    'test: a checkpoint of another N': ([
        'tools/test.py', '{config}', '--checkpoint', '{ckpt}', '--cfg-options',
        'model.detector.roi_head.bbox_head.loss_reid.num_ids=5'
    ], 'keys of another shape (e.g. detector.roi_head.bbox_head.loss_reid'),
    'test: a whole model given as --detector':
    (['tools/test.py', '{config}', '--detector',
      '{ckpt}'], 'unexpected keys (e.g. detector.'),
    'test: an unknown --cfg-options level': ([
        'tools/test.py', '{config}', '--checkpoint', '{ckpt}', '--cfg-options',
        'model.detectr.x=1'
    ], 'the config has no model.detectr'),
    'train: an unknown --cfg-options level': ([
        'tools/train.py', '{config}', '--cfg-options',
        'optim_wrapper.optimzer.lr=1'
    ], 'the config has no optim_wrapper.optimzer'),
    'train: num_ids smaller than the data': ([
        'tools/train.py', '{config}', '--work-dir', '{root}/small_n',
        '--cfg-options',
        'model.detector.roi_head.bbox_head.loss_reid.num_ids=2'
    ], 'holds 3 identities but iHOIMLoss has num_ids=2'),
    'train_reid: a config without model.reid':
    (['tools/train_reid.py', '{config}', '--work-dir',
      '{root}/reid'], 'has no model.reid (a TwoStageHMOT config)'),
    'train_reid: --iters 0': ([
        'tools/train_reid.py', '{config}', '--work-dir', '{root}/reid',
        '--iters', '0'
    ], '--iters must be >= 1'),
    'ablation: --out in a missing folder': ([
        'tools/benchmarks/ablation.py', '--quick', '--work-dir',
        '{root}/ablation', '--out', '{root}/absent/b.md'
    ], 'folder {root}/absent does not exist'),
}
if not torch.cuda.is_available():
    CASES['demo_track: --device cuda without CUDA'] = ([
        'tools/demo_track.py', 'c.py', 'w.pth', '--input', '{root}/clip.avi',
        '--out-dir', '{root}/demo', '--device', 'cuda'
    ], 'this torch build sees no CUDA GPU')


@pytest.mark.parametrize('case', sorted(CASES))
def test_bad_input_is_refused_and_named(case, files, trained_tracker):
    argv, message = CASES[case]
    model_root, config = trained_tracker
    names = dict(
        root=files, config=config, ckpt=model_root / 'work' / 'iter_60.pth')
    result = run_tool(*(a.format(**names) for a in argv))
    assert result.returncode != 0, (case, result.stdout[-2000:])
    assert 'weights_only=False' not in result.stderr, case  # unsafe advice
    assert message.format(**names) in result.stderr, (case,
                                                      result.stderr[-2000:])
    assert 'Traceback' not in result.stderr, case


def test_nothing_is_left_behind_by_refused_runs(files):
    """The generator and the video converter leave no half-made folders;
    the converters' refused runs write no annotation file."""
    for case in ('make_synthetic_mot: --fps 0',
                 'video_to_mot: a damaged video', 'mot2coco: a missing frame'):
        argv, _ = CASES[case]
        assert run_tool(*(a.format(root=files) for a in argv)).returncode
    assert not osp.exists(files / 'synth_zero' / 'SYNTH-01')
    assert not osp.exists(files / 'cut' / 'cut')
    assert not osp.exists(files / 'ann_missing')


def test_converter_overwrite_leaves_no_stale_split(files, tmp_path):
    out = tmp_path / 'ann'
    first = run_tool('tools/dataset_converters/mot2coco.py', '-i',
                     files / 'gt', '-o', out, '--split-train')
    assert first.returncode == 0, first.stderr
    again = run_tool('tools/dataset_converters/mot2coco.py', '-i',
                     files / 'gt', '-o', out, '--overwrite')
    assert again.returncode == 0, again.stderr
    assert sorted(os.listdir(out)) == ['train_cocoformat.json']
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(out / 'train_cocoformat.json').st_mode & 0o777 == (0o666
                                                                      & ~umask)


def test_demo_track_keeps_frames_before_a_size_change(trained_tracker,
                                                      tmp_path):
    """Frame 9 changes size: rows of frames 1-8 and their video stay."""
    root, config = trained_tracker
    mixed = tmp_path / 'mixed'
    shutil.copytree(root / 'seqs' / 'TEST-01' / 'img1', mixed)
    cv2.imwrite(
        str(mixed / '000009.jpg'), np.full((128, 200, 3), 120, np.uint8))
    result = run_tool('tools/demo_track.py', config,
                      root / 'work' / 'iter_60.pth', '--input', mixed,
                      '--out-dir', tmp_path / 'out', '--online')
    assert result.returncode == 1
    assert 'frame 9: size (128, 200) differs' in result.stderr
    assert 'kept the 8 frames tracked before it' in result.stderr
    rows = np.loadtxt(tmp_path / 'out' / 'mixed.txt', delimiter=',', ndmin=2)
    # tracks are confirmed after a few frames, so rows exist, all before 9
    assert len(rows) and set(rows[:, 0].astype(int)) <= set(range(1, 9))
    capture = cv2.VideoCapture(str(tmp_path / 'out' / 'mixed.mp4'))
    assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == 8
    capture.release()
