"""End to end: a briefly trained tiny HMOT tracks a generated sequence
through tools/test.py; the RoI head receives the motion proposals."""
import os.path as osp

import numpy as np
import pytest
import torch
from conftest import (run_dist_tool, run_tool, tiny_config,
                      tracking_test_settings, write_mot_sequence)


def test_test_tool_writes_tracks_and_metrics(trained_tracker):
    root, config = trained_tracker
    result = run_tool('tools/test.py', config, '--checkpoint',
                      root / 'work' / 'iter_60.pth', '--work-dir',
                      root / 'test')
    assert result.returncode == 0, result.stderr[-3000:]
    log = result.stdout + result.stderr
    tracks = list((root / 'test').glob('*/track_results/TEST-01.txt'))
    assert len(tracks) == 1
    rows = np.loadtxt(tracks[0], delimiter=',', ndmin=2)
    assert rows.shape[1] == 10 and len(rows) > 0
    assert set(rows[:, 0].astype(int)) <= set(range(1, 13))
    assert 'COMBINED' in log and 'motmetrics/MOTA' in log
    assert 'motmetrics/HOTA' in log


def test_dist_test_tool_on_cpu_matches_one_process(trained_tracker, tmp_path):
    """tools/dist_test.sh with 2 CPU processes (one sequence each) writes
    the same tracks and metrics as tools/test.py in one process."""
    from mmengine.config import Config

    from hmot_mm.datasets.motchallenge_coco import convert
    root, config = trained_tracker
    for seed, name in ((5, 'TEST-01'), (7, 'TEST-02')):
        write_mot_sequence(str(tmp_path / 'seqs'), name, 12, seed=seed)
    convert(str(tmp_path / 'seqs'), str(tmp_path / 'ann'))
    cfg = tracking_test_settings(
        Config.fromfile(config), str(tmp_path / 'seqs'),
        str(tmp_path / 'ann' / 'train_cocoformat.json'))
    two_seqs = str(tmp_path / 'two_seqs.py')
    cfg.dump(two_seqs)
    ckpt = root / 'work' / 'iter_60.pth'
    one = run_tool('tools/test.py', two_seqs, '--checkpoint', ckpt,
                   '--work-dir', tmp_path / 'one')
    dist = run_dist_tool(
        'tools/dist_test.sh',
        two_seqs,
        '--checkpoint',
        ckpt,
        '--work-dir',
        tmp_path / 'dist',
        port=29518)
    for result in (one, dist):
        assert result.returncode == 0, (result.stdout + result.stderr)[-6000:]
    assert 'Distributed training: True' in dist.stdout + dist.stderr
    for name in ('TEST-01', 'TEST-02'):
        one_rows, dist_rows = (
            np.loadtxt(
                next((tmp_path / run).glob(f'*/track_results/{name}.txt')),
                delimiter=',',
                ndmin=2) for run in ('one', 'dist'))
        assert len(one_rows) > 0, name
        # same frames and ids; boxes and scores to the last printed digits
        # (the one-process run may use more threads)
        assert np.array_equal(one_rows[:, :2], dist_rows[:, :2]), name
        np.testing.assert_allclose(one_rows, dist_rows, atol=0.011)

    def combined(result):
        lines = (result.stdout + result.stderr).splitlines()
        return {line for line in lines if line.startswith('COMBINED')}

    assert len(combined(one)) == 1 and combined(one) == combined(dist)


@pytest.mark.parametrize('motion_proposals, in_rpn_cap', [(True, False),
                                                          (False, False),
                                                          (True, True)])
def test_roi_head_receives_motion_proposals(trained_tracker, motion_proposals,
                                            in_rpn_cap):
    """The R-CNN head gets the RPN's proposals and then the live tracks'
    predicted boxes; counted against the RPN's cap (here 8), the RPN's
    highest-scoring ``max(8 - k, 4)`` for ``k`` tracks."""
    from mmengine.config import Config
    from mmengine.runner import Runner
    root, config = trained_tracker
    cfg = Config.fromfile(config)
    cfg.work_dir = str(root / f'probe{motion_proposals}{in_rpn_cap}')
    cfg.load_from = str(root / 'work' / 'iter_60.pth')
    cfg.model.motion_proposals = motion_proposals
    cfg.model.motion_proposals_in_rpn_cap = in_rpn_cap
    cap = 8
    if in_rpn_cap:
        cfg.model.detector.test_cfg.rpn.max_per_img = cap
    runner = Runner.from_cfg(cfg)
    runner.load_or_resume()
    model = runner.model.eval()
    seen = []
    predict_bbox = model.detector.roi_head.predict_bbox

    def recording(x, metas, proposals, *args, **kwargs):
        # live tracks whose predicted box, at network scale and clipped
        # to the image, is at least a pixel wide and high (HMOT drops the
        # rest, e.g. a coasting prediction that left the frame)
        boxes = model.tracker.motion_proposals() * np.tile(
            metas[0]['scale_factor'], 2)
        height, width = metas[0]['img_shape'][:2]
        boxes[:, 0::2] = boxes[:, 0::2].clip(0, width)
        boxes[:, 1::2] = boxes[:, 1::2].clip(0, height)
        valid = (boxes[:, 2] - boxes[:, 0] >= 1) & (
            boxes[:, 3] - boxes[:, 1] >= 1)
        seen.append((proposals[0].bboxes.clone(), boxes[valid]))
        return predict_bbox(x, metas, proposals, *args, **kwargs)

    model.detector.roi_head.predict_bbox = recording
    rpn_boxes = []
    rpn_predict = model.detector.rpn_head.predict

    def rpn_recording(*args, **kwargs):
        out = rpn_predict(*args, **kwargs)
        rpn_boxes.append(out[0].bboxes.clone())
        assert (out[0].scores.diff() <= 0).all()  # best first
        return out

    model.detector.rpn_head.predict = rpn_recording
    with torch.no_grad():
        for batch in runner.test_dataloader:
            model.test_step(batch)
    assert len(seen) == len(rpn_boxes) == 12
    for (received, motion), rpn in zip(seen, rpn_boxes):
        k = len(motion) if motion_proposals else 0
        kept = max(cap - k, cap // 2) if in_rpn_cap and k else len(rpn)
        expected = torch.cat([rpn[:kept], torch.as_tensor(motion)[:k]])
        torch.testing.assert_close(received, expected, check_dtype=False)
    live = [len(motion) for _, motion in seen]
    assert sum(live) > 0, 'no live track ever gave a proposal'
    if in_rpn_cap:  # the cap bound: the RPN filled it and lost places
        assert any(
            len(r) == cap and len(s) < cap + len(m)
            for r, (s, m) in zip(rpn_boxes, seen))


def run_demo(config, checkpoint, source, out_dir):
    return run_tool('tools/demo_track.py', config, checkpoint, '--input',
                    source, '--out-dir', out_dir)


def test_demo_tool_matches_test_tool(trained_tracker, tmp_path):
    """The same rows from both tools, on frames the test pipeline resizes
    (160x128 → 240x192: the resize sees the decoded uint8 frame in both;
    demo_track used to resize a float32 copy and drift apart), with the
    config's interpolation of short gaps and tentative starts (demo_track
    streams it: it reports tracks in the first frame, which DeepSORT
    online cannot)."""
    from mmengine.config import Config
    root, base_config = trained_tracker
    cfg = Config.fromfile(base_config)
    cfg.test_dataloader.dataset.pipeline[0].transforms[1].scale = (240, 192)
    cfg.test_evaluator[0].interpolation = dict(
        type='TrackletInterpolation',
        max_gap=3,
        min_streak=1,
        fill_tentative=True)
    config = str(tmp_path / 'resized.py')
    cfg.dump(config)
    ckpt = str(root / 'work' / 'iter_60.pth')
    result = run_demo(config, ckpt, root / 'seqs' / 'TEST-01', tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert 'fps' in result.stdout
    from hmot_mm.datasets.motchallenge_io import FrameReader
    assert len(FrameReader(str(tmp_path / 'TEST-01.mp4'))) == 12
    test = run_tool('tools/test.py', config, '--checkpoint', ckpt,
                    '--work-dir', tmp_path / 'test')
    assert test.returncode == 0, test.stderr[-3000:]
    (tracks, ) = (tmp_path / 'test').glob('*/track_results/TEST-01.txt')
    demo = np.loadtxt(tmp_path / 'TEST-01.txt', delimiter=',')
    np.testing.assert_allclose(
        demo, np.loadtxt(tracks, delimiter=','), atol=0.011)
    assert (demo[:, 0] == 1).any()


def test_demo_tool_bad_inputs(trained_tracker, tmp_path):
    import cv2
    from mmengine.config import Config
    root, config = trained_tracker
    ckpt = str(root / 'work' / 'iter_60.pth')
    broken = tmp_path / 'broken.mp4'
    broken.write_bytes(b'\x00' * 512)
    empty = tmp_path / 'empty'
    empty.mkdir()
    cases = [(config, ckpt, broken, 'broken.mp4: cannot be decoded'),
             (config, ckpt, empty, 'empty: no frames')]
    detector_only = Config.fromfile(config)
    detector_only.model = detector_only.model.detector
    detector_only.dump(str(tmp_path / 'detector.py'))
    cases.append((str(tmp_path / 'detector.py'), ckpt,
                  root / 'seqs' / 'TEST-01', 'has no tracker'))
    other = Config.fromfile(config)
    other.model.detector.roi_head.bbox_head.type = 'OIMBBoxHead'
    other.model.detector.roi_head.bbox_head.loss_reid = dict(
        type='OIMLoss', num_ids=3)
    other.dump(str(tmp_path / 'other.py'))
    cases.append((str(tmp_path / 'other.py'), ckpt, root / 'seqs' / 'TEST-01',
                  'fc_cls.weight'))
    bad_interpolations = [
        ('zero_gap', dict(type='TrackletInterpolation', max_gap=0),
         'max_gap=0: a whole number of frames >= 1'),
        ('typo', dict(type='TrackletInterpolaton'), 'TrackletInterpolaton')
    ]
    for name, interpolation, message in bad_interpolations:
        bad = Config.fromfile(config)
        bad.test_evaluator[0].interpolation = interpolation
        bad.dump(str(tmp_path / f'{name}.py'))
        cases.append((str(tmp_path / f'{name}.py'), ckpt,
                      root / 'seqs' / 'TEST-01', message))
        # tools/test.py names it too, before it builds the model
        result = run_tool('tools/test.py', tmp_path / f'{name}.py',
                          '--checkpoint', ckpt, '--work-dir', tmp_path / name)
        assert result.returncode == 1 and message in result.stderr, (
            name, result.stderr[-2000:])
        assert 'Traceback' not in result.stderr, name
    mixed = tmp_path / 'mixed'
    mixed.mkdir()
    for i, (w, h) in enumerate([(160, 128), (160, 128), (200, 128)]):
        cv2.imwrite(
            str(mixed / f'{i + 1:06d}.jpg'), np.full((h, w, 3), 120, np.uint8))
    cases.append((config, ckpt, mixed, 'frame 3: size (128, 200) differs'))
    for cfg, checkpoint, source, message in cases:
        result = run_demo(cfg, checkpoint, source, tmp_path / 'out')
        assert result.returncode == 1, (message, result.stderr[-2000:])
        assert message in result.stderr, (message, result.stderr[-2000:])
        assert 'Traceback' not in result.stderr, message


def test_degenerate_motion_proposals_are_dropped():
    """A coasting Kalman prediction can shrink a box to nothing or push it
    out of the image: proposals are clipped and the empty ones dropped."""
    from mmengine.structures import InstanceData

    from hmot_mm.models.mot import HMOT

    class FakeTracker:

        def motion_proposals(self):
            return np.array([[10., 10., 30., 50.], [40., 60., 38., 80.],
                             [-50., -9., 400., 500.], [np.nan, 0, 5, 5],
                             [300., 10., 320., 40.]])

    model = HMOT.__new__(HMOT)
    torch.nn.Module.__init__(model)
    model.motion_proposals = True
    model.tracker = FakeTracker()
    frame = InstanceData(
        metainfo=dict(scale_factor=(2.0, 2.0), img_shape=(256, 320)))
    like = InstanceData(bboxes=torch.zeros(0, 4))
    out = model.scaled_motion_proposals(frame, like)
    np.testing.assert_allclose(out.bboxes.numpy(),
                               [[20, 20, 60, 100], [0, 0, 320, 256]])
    assert out.scores.tolist() == [1, 1] and out.labels.tolist() == [0, 0]


def oracle_detector(model, missed, report_index=True):
    """Replace the trained parts of ``model.detector`` by an oracle.

    The RPN returns every ground-truth box (shifted by 1 px, at network
    scale) except the person ``missed = (sequence, frame, MOT id)``; the
    R-CNN head keeps, per ground-truth person, the proposal that overlaps
    it best (IoU ≥ 0.5), scores it by that IoU and embeds it as the
    person's one-hot identity. Only motion proposals can bring the missed
    person back. With ``report_index`` it names each box's proposal
    (``proposal_index``), as the iHOIM head does; without, it is a head
    that does not."""
    from mmengine.structures import InstanceData

    from hmot_mm.utils import box_iou

    def gt_of(frame):
        gt = frame.gt_instances
        return gt.bboxes.cpu().numpy(), gt.instances_ids.cpu().numpy()

    def rpn_predict(x, frames, rescale=False):
        frame = frames[0]
        boxes, ids = gt_of(frame)
        seq = osp.basename(osp.dirname(osp.dirname(frame.img_path)))
        number = frame.metainfo['frame_id'] + 1
        keep = ~((seq == missed[0]) & (number == missed[1]) &
                 (ids == missed[2]))
        boxes = (boxes[keep] + 1) * np.tile(frame.scale_factor, 2)
        return [
            InstanceData(
                bboxes=torch.tensor(boxes, dtype=torch.float32),
                scores=torch.ones(len(boxes)),
                labels=torch.zeros(len(boxes), dtype=torch.long))
        ]

    def roi_predict(x, proposals, frames, rescale=True):
        frame = frames[0]
        gt_boxes, gt_ids = gt_of(frame)
        boxes = proposals[0].bboxes.numpy() / np.tile(frame.scale_factor, 2)
        iou = box_iou(gt_boxes, boxes)
        rows = [g for g in range(len(gt_boxes)) if iou[g].max() >= 0.5]
        best = [int(iou[g].argmax()) for g in rows]
        embeds = np.zeros((len(rows), 64), np.float32)
        embeds[np.arange(len(rows)), gt_ids[rows] % 64] = 1
        detections = InstanceData(
            bboxes=torch.tensor(boxes[best], dtype=torch.float32),
            scores=torch.tensor(iou[rows, best], dtype=torch.float32),
            labels=torch.zeros(len(rows), dtype=torch.long),
            embeds=torch.tensor(embeds))
        if report_index:
            detections.proposal_index = torch.tensor(best, dtype=torch.long)
        return [detections]

    model.detector.extract_feat = lambda img: None
    model.detector.rpn_head.predict = rpn_predict
    model.detector.roi_head.predict = roi_predict


@pytest.mark.parametrize('motion_proposals,report_index', [(True, True),
                                                           (True, False),
                                                           (False, True)])
def test_oracle_detections_track_perfectly(tmp_path, motion_proposals,
                                           report_index):
    """Through the test loop (tools/test.py's path) on two sequences of 8
    frames and 3 people. A track is reported from its second frame on (as
    in Wojke's reference, a new track is shown once matched), so frame 1's
    6 people are the only misses with motion proposals: the missed person
    is found through its track's predicted box, with no switch and no FP.
    Without them that person is one more miss. Track ids start again in
    the second sequence: the tracker was reset."""
    from mmengine.runner import Runner

    from hmot_mm.datasets.motchallenge_coco import convert
    seqs = tmp_path / 'seqs'
    for name, seed in (('ORACLE-01', 3), ('ORACLE-02', 4)):
        write_mot_sequence(str(seqs), name, num_frames=8, seed=seed)
    convert(str(seqs), str(tmp_path / 'ann'))
    cfg = tiny_config('configs/hmot/ihoim_faster-rcnn_r50_fpn_22e_mot16.py',
                      str(tmp_path), str(tmp_path / 'work'))
    tracking_test_settings(cfg, str(seqs),
                           str(tmp_path / 'ann' / 'train_cocoformat.json'))
    cfg.model.motion_proposals = motion_proposals
    cfg.model.tracker.update(n_init=1, score_thr=0.5)
    cfg.test_evaluator[0].results_dir = str(tmp_path / 'tracks')
    runner = Runner.from_cfg(cfg)
    oracle_detector(
        runner.model, missed=('ORACLE-01', 5, 1), report_index=report_index)
    metrics = runner.test()
    assert metrics['motmetrics/IDSw'] == 0
    assert metrics['motmetrics/FP'] == 0
    births = 2 * 3
    misses = births + (0 if motion_proposals else 1)
    assert metrics['motmetrics/FN'] == misses
    assert metrics['motmetrics/MOTA'] == pytest.approx(1 - misses / 48)
    first_ids = [
        np.loadtxt(tmp_path / 'tracks' / f'{name}.txt', delimiter=',')[0, 1]
        for name in ('ORACLE-01', 'ORACLE-02')
    ]
    assert first_ids[0] == first_ids[1]
