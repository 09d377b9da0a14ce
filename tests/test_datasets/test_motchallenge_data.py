"""MOTChallenge readers, the COCO-VID converter, video input and the
training dataset: counts checked against gt.txt read independently."""
import json
import os
import os.path as osp
import shutil

import numpy as np
import pytest
from conftest import (PETS, ROOT, independent_counts, needs_pets, run_tool,
                      write_mot_sequence)

from hmot_mm.datasets import MOTFrameDataset
from hmot_mm.datasets.motchallenge_coco import SplitSpec, convert
from hmot_mm.datasets.motchallenge_io import (GT_DTYPE, FrameReader,
                                              parse_frame_range, read_gt,
                                              read_seqinfo, video_to_sequence)
from hmot_mm.evaluation.mot_eval import preprocess


def write_gt(tmp_path, text):
    path = tmp_path / 'gt.txt'
    path.write_text(text)
    return str(path)


# ---------------------------------------------------------------- readers


@pytest.mark.parametrize('text, message', [
    ('1,1,0,0,5,5,1,1,1\n2,1,0,0,5,5,1,1\n', r'gt.txt:2: 8 columns'),
    ('1,1,0,0,5,5,1,1,1,0,0\n', r'gt.txt:1: 11 columns'),
    ('1,1,0,0,5,5,1,1,1\n2,1,0,x,5,5,1,1,1\n', r"gt.txt:2: y='x' is not"),
    ('1,1,0,0,5,5,1,1,1\n9,1,0,0,5,5,1,1,1\n', r'gt.txt:2: frame 9 is out'),
    ('0,1,0,0,5,5,1,1,1\n', r'gt.txt:1: frame 0 is outside'),
    ('1,1,0,0,0,5,1,1,1\n', r'gt.txt:1: box size must be > 0, got w=0'),
    ('1,1,0,0,5,-2,1,1,1\n', r'gt.txt:1: box size .* h=-2'),
    ('1,1,0,0,5,5,1,1,1\n1,1,3,3,5,5,1,1,1\n',
     r'gt.txt:2: frame 1 id 1 repeats line 1'),
])
def test_bad_gt_rows_name_file_and_line(tmp_path, text, message):
    with pytest.raises(ValueError, match=message):
        read_gt(write_gt(tmp_path, text), seq_length=5)


def test_mot15_rows_read_as_visible_pedestrians(tmp_path):
    rows = read_gt(write_gt(tmp_path, '3,7,1.5,2,10,20,1,-4.1,-7.3,0\n'))
    assert rows[0]['frame'] == 3 and rows[0]['id'] == 7
    assert (rows[0]['class'], rows[0]['visibility']) == (1, 1.0)
    assert rows[0]['w'] == 10.0


def test_missing_sequence_parts(tmp_path):
    with pytest.raises(FileNotFoundError, match='seqinfo.ini: missing'):
        read_seqinfo(str(tmp_path))
    (tmp_path / 'seqinfo.ini').write_text('[Sequence]\nseqLength=abc\n')
    with pytest.raises(ValueError, match="no frameRate"):
        read_seqinfo(str(tmp_path))
    (tmp_path / 'seqinfo.ini').write_text(
        '[Sequence]\nframeRate=7\nseqLength=abc\nimWidth=4\nimHeight=4\n')
    with pytest.raises(ValueError, match="seqLength='abc' is not an integer"):
        read_seqinfo(str(tmp_path))
    with pytest.raises(FileNotFoundError, match='gt.txt: ground truth file'):
        read_gt(str(tmp_path / 'gt' / 'gt.txt'))


def test_frame_ranges():
    assert parse_frame_range('398-795') == (398, 795)
    assert parse_frame_range('7-7') == (7, 7)
    for text in ('0-5', '5-4', '3', '1-x', '-1-2', '1-2 '):
        with pytest.raises(ValueError, match=f'--frames {text}: FIRST-LAST'):
            parse_frame_range(text)


def test_undecodable_frame_and_video(tmp_path):
    seq = write_mot_sequence(str(tmp_path), 'S', num_frames=3)
    (tmp_path / 'S' / 'img1' / '000002.jpg').write_bytes(b'not a jpeg')
    with pytest.raises(IOError, match='000002.jpg: cannot be decoded'):
        list(FrameReader(seq))
    video = tmp_path / 'broken.avi'
    video.write_bytes(b'\x00' * 1000)
    with pytest.raises(IOError, match='broken.avi: cannot be decoded'):
        FrameReader(str(video))
    empty = tmp_path / 'empty'
    empty.mkdir()
    with pytest.raises(FileNotFoundError, match='no frames'):
        FrameReader(str(empty))


# -------------------------------------------------------------- converter


@pytest.fixture()
def two_sequences(tmp_path):
    root = tmp_path / 'train'
    write_mot_sequence(str(root), 'SEQ-A', num_frames=7, seed=1, id_offset=3)
    write_mot_sequence(str(root), 'SEQ-B', num_frames=6, seed=2, id_offset=50)
    return str(root)


def test_converter_counts_match_gt(two_sequences, tmp_path):
    out = convert(two_sequences, str(tmp_path / 'ann'), split_train=True)
    full = out['train_cocoformat.json']
    gts = [
        osp.join(two_sequences, s, 'gt', 'gt.txt') for s in ('SEQ-A', 'SEQ-B')
    ]
    counts = [independent_counts(g) for g in gts]
    assert len(full['images']) == 7 + 6
    assert len(full['annotations']) == sum(c[0] for c in counts)
    assert full['num_ids'] == sum(c[1] for c in counts)
    ids = sorted({a['instance_id'] for a in full['annotations']})
    assert ids == list(range(full['num_ids']))
    # halves: frames 1..3 | 4..7 and 1..3 | 4..6, no frame in both
    train, val = out['half-train_cocoformat.json'], out[
        'half-val_cocoformat.json']
    names = [{i['file_name'] for i in s['images']} for s in (train, val)]
    assert not names[0] & names[1]
    assert len(names[0]) + len(names[1]) == 13
    for part, frames_a, frames_b in ((train, (1, 3), (1, 3)), (val, (4, 7),
                                                               (4, 6))):
        boxes = independent_counts(gts[0], frames_a)[0] + independent_counts(
            gts[1], frames_b)[0]
        assert len(part['annotations']) == boxes
        assert sorted({a['instance_id']
                       for a in part['annotations']
                       }) == list(range(part['num_ids']))
    on_disk = json.load(open(tmp_path / 'ann' / 'train_cocoformat.json'))
    assert on_disk['num_ids'] == full['num_ids']
    first = full['images'][0]['file_name']
    assert osp.isfile(osp.join(two_sequences, first)), first


def test_identity_held_out_splits(two_sequences, tmp_path):
    # hold out the first identity of each sequence: train on the others,
    # score only the held-out ones
    gts = {
        s:
        np.loadtxt(osp.join(two_sequences, s, 'gt', 'gt.txt'), delimiter=',')
        for s in ('SEQ-A', 'SEQ-B')
    }
    held = {int(g[:, 1].min()) for g in gts.values()}
    all_rows = np.concatenate([g[g[:, 0] <= 6] for g in gts.values()])
    is_held = np.isin(all_rows[:, 1], list(held))
    out = convert(
        two_sequences,
        str(tmp_path / 'ann'),
        splits=dict(
            known=(1, 6, None, frozenset(held)),
            new=SplitSpec(1, 6, only=frozenset(held))))
    known, new = out['known_cocoformat.json'], out['new_cocoformat.json']
    for split, labelled in ((known, ~is_held), (new, is_held)):
        scored = [a for a in split['annotations'] if not a['iscrowd']]
        ignored = [a for a in split['annotations'] if a['iscrowd']]
        assert len(scored) == labelled.sum()
        assert len(ignored) == (~labelled).sum()
        assert split['num_ids'] == len(np.unique(all_rows[labelled, 1]))
        assert {a['mot_instance_id']
                for a in ignored} == set(all_rows[~labelled, 1].astype(int))
        assert {(a['instance_id'], a['mot_conf'])
                for a in ignored} == {(-1, 0.0)}
    # scoring every person's true box against the held-out split: the
    # boxes on the other people are dropped (not false positives), the
    # held-out people's are kept
    video = {v['name']: v['id'] for v in new['videos']}['SEQ-A']
    frames = {i['id']: i['mot_frame_id'] for i in new['images']}
    gt = np.array([(frames[a['image_id']], a['mot_instance_id'], *a['bbox'],
                    a['mot_conf'], a['mot_class'], 1.0)
                   for a in new['annotations'] if a['video_id'] == video],
                  dtype=GT_DTYPE)
    hyp = gt.copy()
    hyp['conf'] = 1
    scored, kept = preprocess(gt, hyp)
    seq_a = gts['SEQ-A'][gts['SEQ-A'][:, 0] <= 6]
    assert len(kept) == len(scored) == (seq_a[:, 1] == min(held)).sum()
    assert set(kept['id']) == {min(held)} and len(hyp) > len(kept)


def test_converter_keeps_pedestrians_and_visibility(tmp_path):
    seq = write_mot_sequence(str(tmp_path / 'train'), 'S', num_frames=2)
    with open(osp.join(seq, 'gt', 'gt.txt'), 'a') as f:
        f.write('1,90,0,0,5,5,1,7,1\n'  # class 7: static person
                '1,91,0,0,5,5,0,1,1\n'  # conf 0: ignored by the benchmark
                '2,92,0,0,5,5,1,1,0.05\n')  # barely visible
    full = convert(
        str(tmp_path / 'train'), str(tmp_path / 'a'),
        vis_thr=0.1)['train_cocoformat.json']
    scored = [a for a in full['annotations'] if not a['iscrowd']]
    assert {a['mot_instance_id'] for a in scored} == {10, 11, 12}
    assert full['num_ids'] == 3
    # the static person and the conf-0 person are ignore regions: no
    # identity, and conf 0 so that evaluation drops them too
    ignored = [a for a in full['annotations'] if a['iscrowd']]
    assert sorted(
        (a['mot_instance_id'], a['mot_class'], a['instance_id'], a['mot_conf'])
        for a in ignored) == [(90, 7, -1, 0.0), (91, 1, -1, 0.0)]
    dataset = MOTFrameDataset(
        data_root=str(tmp_path / 'train'),
        ann_file=str(tmp_path / 'a' / 'train_cocoformat.json'),
        data_prefix=dict(img=''),
        num_ids=3,
        pipeline=[])
    frame1 = dataset.get_data_info(0)['instances']
    assert sorted(i['ignore_flag'] for i in frame1) == [0, 0, 0, 1, 1]


def test_mot17_keeps_one_detector_copy(tmp_path):
    for det in ('DPM', 'FRCNN', 'SDP'):
        write_mot_sequence(str(tmp_path / 'train'), f'MOT17-02-{det}')
    full = convert(
        str(tmp_path / 'train'), str(tmp_path / 'a'),
        mot17_detector='SDP')['train_cocoformat.json']
    assert [v['name'] for v in full['videos']] == ['MOT17-02-SDP']


def test_refuses_non_empty_output_and_keeps_it(two_sequences, tmp_path):
    out = tmp_path / 'ann'
    out.mkdir()
    (out / 'precious.json').write_text('{"keep": 1}')
    with pytest.raises(FileExistsError, match='--overwrite'):
        convert(two_sequences, str(out))
    assert (out / 'precious.json').read_text() == '{"keep": 1}'
    assert os.listdir(out) == ['precious.json']
    convert(two_sequences, str(out), overwrite=True)
    assert (out / 'precious.json').read_text() == '{"keep": 1}'
    assert (out / 'train_cocoformat.json').is_file()


def test_bad_sequence_writes_nothing(two_sequences, tmp_path):
    with open(osp.join(two_sequences, 'SEQ-B', 'gt', 'gt.txt'), 'a') as f:
        f.write('2,50,1,1,5,5,1,1,1\n')  # duplicate (frame, id)
    with pytest.raises(ValueError, match=r'gt.txt:\d+: frame 2 id 50'):
        convert(two_sequences, str(tmp_path / 'ann'))
    assert not (tmp_path / 'ann').exists()
    shutil.rmtree(osp.join(two_sequences, 'SEQ-A', 'img1'))
    with pytest.raises(FileNotFoundError, match='img1: missing, and no video'):
        convert(two_sequences, str(tmp_path / 'ann'))


def test_cli_reports_errors_without_traceback(tmp_path):
    result = run_tool('tools/dataset_converters/mot2coco.py', '-i',
                      tmp_path / 'nothing', '-o', tmp_path / 'out')
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f'mot2coco: {tmp_path / "nothing"}: no such folder')


# ----------------------------------------------------------- video input


def test_video_roundtrip(tmp_path):
    import cv2
    seq = write_mot_sequence(str(tmp_path / 'src'), 'V', num_frames=5)
    video = str(tmp_path / 'v.avi')
    writer = cv2.VideoWriter(video, cv2.VideoWriter_fourcc(*'MJPG'), 10,
                             (160, 128))
    for _, image in FrameReader(seq):
        writer.write(image)
    writer.release()
    out = video_to_sequence(
        video,
        str(tmp_path / 'out'),
        name='V',
        gt=osp.join(seq, 'gt', 'gt.txt'))
    info = read_seqinfo(out)
    assert (info.length, info.width, info.height) == (5, 160, 128)
    assert len(os.listdir(osp.join(out, 'img1'))) == 5
    assert independent_counts(osp.join(out, 'gt', 'gt.txt')) == \
        independent_counts(osp.join(seq, 'gt', 'gt.txt'))
    with pytest.raises(FileExistsError, match='--overwrite'):
        video_to_sequence(video, str(tmp_path / 'out'), name='V')


@needs_pets
def test_pets09_video_to_coco_half_split(tmp_path):
    seq = video_to_sequence(PETS, str(tmp_path / 'mot'))
    out = convert(seq, str(tmp_path / 'ann'), split_train=True)
    gt = osp.join(PETS, 'gt', 'gt.txt')
    # all rows as the data README states; 174 have conf 0 (not scored)
    assert independent_counts(gt, scored_only=False) == (4650, 19)
    boxes, ids = independent_counts(gt)
    assert (boxes, ids) == (4476, 19)
    full = out['train_cocoformat.json']
    assert len(full['images']) == 795

    def scored_and_ignored(part):
        crowd = [a['iscrowd'] for a in part['annotations']]
        return crowd.count(0), crowd.count(1)

    assert scored_and_ignored(full) == (boxes, 4650 - boxes)
    assert full['num_ids'] == ids
    train, val = out['half-train_cocoformat.json'], out[
        'half-val_cocoformat.json']
    assert [len(train['images']), len(val['images'])] == [397, 398]
    for part, frames in ((train, (1, 397)), (val, (398, 795))):
        scored = independent_counts(gt, frames)[0]
        every = independent_counts(gt, frames, scored_only=False)[0]
        assert scored_and_ignored(part) == (scored, every - scored)
    assert train['num_ids'] == independent_counts(gt, (1, 397))[1]


@needs_pets
def test_pets09_config_trains_from_the_video(tmp_path):
    """The benchmark config reads PETS09 frames straight from the video:
    the sample of frame 400 holds that decoded frame and its gt boxes."""
    from mmdet.registry import DATASETS
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    init_default_scope('mmdet')
    out = convert(PETS, str(tmp_path / 'ann'), split_train=True)
    val = out['half-val_cocoformat.json']
    assert val['images'][2] == dict(
        val['images'][2],
        file_name='PETS09-S2L1/PETS09-S2L1.avi',
        frame_index=399,
        mot_frame_id=400)
    cfg = Config.fromfile(
        osp.join(ROOT, 'configs/_base_/datasets/pets09_halfval.py'))
    assert cfg.num_ids == out['half-train_cocoformat.json']['num_ids']
    dataset_cfg = cfg.train_dataloader.dataset
    dataset_cfg.update(
        ann_file=str(tmp_path / 'ann' / 'half-train_cocoformat.json'),
        data_prefix=dict(img=osp.dirname(PETS) + '/'))
    assert DATASETS.build(dataset_cfg).num_ids == cfg.num_ids
    dataset_cfg.update(
        ann_file=str(tmp_path / 'ann' / 'half-val_cocoformat.json'),
        num_ids=val['num_ids'],
        pipeline=[
            dict(type='LoadFrame'),
            dict(type='LoadTrackAnnotations', with_bbox=True),
            dict(type='PackReIDDetInputs')
        ])
    dataset = DATASETS.build(dataset_cfg)
    item = dataset[2]
    frames = dict(FrameReader(osp.join(PETS, 'PETS09-S2L1.avi')))
    assert np.array_equal(item['inputs'].permute(1, 2, 0).numpy(), frames[400])
    gt = np.loadtxt(osp.join(PETS, 'gt', 'gt.txt'), delimiter=',')
    rows = gt[(gt[:, 0] == 400) & (gt[:, 6] == 1)]
    boxes = item['data_samples'].gt_instances.bboxes.numpy()
    expected = np.c_[rows[:, 2:4], rows[:, 2:4] + rows[:, 4:6]]

    def by_rows(a):
        return a[np.lexsort(a.T[::-1])]

    np.testing.assert_allclose(by_rows(boxes), by_rows(expected), rtol=1e-5)


# ------------------------------------------------------- training dataset


def test_training_batch_carries_boxes_and_dense_ids(two_sequences, tmp_path):
    """A batch from the MOT16 dataset config's train dataloader (its random
    resize/crop/flip swapped for a fixed 2x resize, shuffle off) carries the
    gt boxes and dense identities of a known frame."""
    from mmdet.registry import DATASETS
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmengine.runner import Runner
    init_default_scope('mmdet')
    out = convert(two_sequences, str(tmp_path / 'ann'))
    full = out['train_cocoformat.json']
    cfg = Config.fromfile(osp.join(ROOT, 'configs/_base_/datasets/mot16.py'))
    loader_cfg = cfg.train_dataloader
    loader_cfg.update(
        num_workers=0,
        persistent_workers=False,
        sampler=dict(type='DefaultSampler', shuffle=False))
    loader_cfg.pop('batch_sampler')
    loader_cfg.dataset.update(
        data_root=two_sequences,
        ann_file=str(tmp_path / 'ann' / 'train_cocoformat.json'),
        data_prefix=dict(img=''),
        num_ids=full['num_ids'],
        filter_cfg=None)
    pipeline = loader_cfg.dataset.pipeline
    pipeline[2:-1] = [dict(type='Resize', scale_factor=2.0)]
    batches = list(Runner.build_dataloader(loader_cfg))
    assert len(batches[0]['data_samples']) == loader_cfg.batch_size == 3
    # frame 4 of SEQ-B: after SEQ-A's 7 frames, the 11th sample
    sample = batches[10 // 3]['data_samples'][10 % 3]
    gt = np.loadtxt(
        osp.join(two_sequences, 'SEQ-B', 'gt', 'gt.txt'), delimiter=',')
    rows = gt[gt[:, 0] == 4]
    dense = {
        a['mot_instance_id']: a['instance_id']
        for a in full['annotations'] if a['video_id'] == 2
    }
    assert sample.img_path.endswith('SEQ-B/img1/000004.jpg')
    np.testing.assert_allclose(
        sample.gt_instances.bboxes.numpy(),
        2 * np.c_[rows[:, 2:4], rows[:, 2:4] + rows[:, 4:6]])
    assert sample.gt_instances.instances_ids.tolist() == [
        dense[int(i)] for i in rows[:, 1]
    ]
    assert min(dense.values()) == 3  # SEQ-A has identities 0..2
    with pytest.raises(ValueError, match='holds 6 identities .* num_ids=5'):
        DATASETS.build(
            dict(
                type='MOTFrameDataset',
                data_root=two_sequences,
                ann_file=str(tmp_path / 'ann' / 'train_cocoformat.json'),
                data_prefix=dict(img=''),
                num_ids=5,
                pipeline=[]))


def test_video_dataset_yields_whole_sequences_in_order(two_sequences,
                                                       tmp_path):
    """mmdet's MOTChallengeDataset + TrackImgSampler (the tracking test
    path) read the converter's output one frame at a time, in order."""
    from mmdet.datasets.samplers import TrackImgSampler
    from mmdet.registry import DATASETS
    from mmengine.registry import init_default_scope
    init_default_scope('mmdet')
    convert(two_sequences, str(tmp_path / 'ann'))
    dataset = DATASETS.build(
        dict(
            type='MOTChallengeDataset',
            data_root=two_sequences,
            ann_file=str(tmp_path / 'ann' / 'train_cocoformat.json'),
            data_prefix=dict(img_path=''),
            test_mode=True,
            pipeline=[]))
    order = []
    for video_index, frame_index in TrackImgSampler(dataset):
        info = dataset.get_data_info(video_index)
        image = info['images'][frame_index]
        order.append((info['video_id'], image['frame_id'],
                      osp.basename(image['img_path'])))
    assert order == [(1, t, f'{t + 1:06d}.jpg')
                     for t in range(7)] + [(2, t, f'{t + 1:06d}.jpg')
                                           for t in range(6)]


def test_converter_reads_a_video_sequence(tmp_path):
    """A sequence folder holding a video instead of img1/ converts to
    frame_index references that LoadFrame decodes frame-exactly."""
    import cv2

    from hmot_mm.datasets import LoadFrame
    src = write_mot_sequence(str(tmp_path / 'src'), 'V', num_frames=5)
    seq = tmp_path / 'train' / 'V'
    seq.mkdir(parents=True)
    shutil.copytree(osp.join(src, 'gt'), seq / 'gt')
    shutil.copy(osp.join(src, 'seqinfo.ini'), seq)
    writer = cv2.VideoWriter(
        str(seq / 'V.avi'), cv2.VideoWriter_fourcc(*'MJPG'), 10, (160, 128))
    frames = [image for _, image in FrameReader(src)]
    for image in frames:
        writer.write(image)
    writer.release()
    decoded = dict(FrameReader(str(seq / 'V.avi')))
    out = convert(str(tmp_path / 'train'), str(tmp_path / 'ann'))
    images = out['train_cocoformat.json']['images']
    assert [(i['file_name'], i['frame_index'])
            for i in images] == [('V/V.avi', t) for t in range(5)]
    loader = LoadFrame()
    for t in (3, 0, 4, 1):
        result = loader.transform(
            dict(
                img_path=str(tmp_path / 'train' / 'V' / 'V.avi'),
                frame_index=t))
        assert np.array_equal(result['img'], decoded[t + 1])
    (seq / 'seqinfo.ini').write_text(
        (seq / 'seqinfo.ini').read_text().replace('seqLength=5',
                                                  'seqLength=6'))
    with pytest.raises(ValueError, match='V.avi: 5 frames, but seqinfo'):
        convert(str(tmp_path / 'train'), str(tmp_path / 'ann2'))
