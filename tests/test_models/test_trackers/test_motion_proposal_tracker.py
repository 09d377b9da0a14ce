"""MotionProposalTracker (DeepSORT) on scripted boxes and embeddings."""
import numpy as np
import pytest
from mmdet.models.task_modules.tracking import KalmanFilter

from hmot_mm.models.trackers import MotionProposalTracker
from hmot_mm.models.trackers.motion_proposal_tracker import (GATED,
                                                             xyah_to_xyxy,
                                                             xyxy_to_xyah)
from hmot_mm.utils import box_iou

DIM = 8


def embedding(k, rng=None, noise=0.05):
    e = np.zeros(DIM)
    e[k] = 1
    if rng is not None:
        e += rng.normal(0, noise, DIM)
    return e / np.linalg.norm(e)


def box(cx, cy, w=20, h=50):
    return [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2]


def run(tracker, frames):
    """frames: list of [(box, identity, score, from_motion)] (score 0.9
    and from_motion False when left out); returns per-frame
    {identity: track id} of the reported tracks (each reported box is
    the detection it overlaps most)."""
    rng = np.random.default_rng(0)
    seen = []
    for dets in frames:
        tracker.motion_proposals()
        bboxes = np.array([d[0] for d in dets]).reshape(-1, 4)
        embeds = np.array([embedding(d[1], rng)
                           for d in dets]).reshape(-1, DIM)
        scores = np.array([d[2] if len(d) > 2 else 0.9 for d in dets])
        from_motion = np.array([len(d) > 3 and d[3] for d in dets], bool)
        out_boxes, ids, _ = tracker.track(bboxes, scores, embeds, from_motion)
        nearest = box_iou(out_boxes, bboxes).argmax(
            axis=1) if len(bboxes) else []
        seen.append({dets[k][1]: int(i) for k, i in zip(nearest, ids)})
    return seen


def stable_ids(seen, identity):
    return {frame[identity] for frame in seen if identity in frame}


def test_two_crossing_people_keep_their_ids():
    frames = [[(box(20 + 6 * t, 100), 0), (box(200 - 6 * t, 104), 1)]
              for t in range(30)]  # they overlap around t = 15
    seen = run(MotionProposalTracker(), frames)
    assert seen[2] == seen[-1] and len(seen[-1]) == 2
    assert len(stable_ids(seen, 0)) == 1 and len(stable_ids(seen, 1)) == 1
    assert not seen[0] and not seen[1]  # tentative for n_init - 1 frames


def test_tentative_tracks_until_the_third_hit():
    """A person seen from frame 0 is tentative in frames 0 and 1 and
    reported from frame 2 on; a box seen once (frame 1) is tentative there
    and then gone."""
    tracker = MotionProposalTracker(output_box='detection')
    person, once = box(50, 100), box(300, 100)
    tentative, reported = [], []
    for dets in ([person], [person, once], [person], [person]):
        _, ids, _ = tracker.track(
            np.array(dets), np.full(len(dets), 0.9),
            np.array([embedding(k) for k in range(len(dets))]))
        reported.append(ids.tolist())
        boxes, ids, scores = tracker.tentative
        tentative.append(list(zip(ids.tolist(), boxes.tolist(), scores)))
    assert tentative == [[(0, person, 0.9)], [(0, person, 0.9),
                                              (1, once, 0.9)], [], []]
    assert reported == [[], [], [0], [0]]


@pytest.mark.parametrize('gap, same', [(5, True), (29, True), (30, False),
                                       (31, False)])
def test_occluded_person_returns_with_id_until_max_age(gap, same):
    walk = [[(box(20 + 3 * t, 100), 0)] for t in range(10)]
    hidden = [[] for _ in range(gap)]
    back = [[(box(20 + 3 * t, 100), 0)] for t in range(10 + gap, 15 + gap)]
    seen = run(MotionProposalTracker(max_age=30), walk + hidden + back)
    before, after = seen[9][0], seen[-1].get(0)
    assert (before == after) is same
    assert all(not f for f in seen[10:10 + gap])  # nothing shown meanwhile


def test_appearance_separates_swapped_positions():
    """Two people jump to each other's place: the cascade follows the
    embeddings, not the positions (the jump is within the gate)."""
    a, b = box(100, 100), box(112, 100)
    frames = [[(a, 0), (b, 1)]] * 5 + [[(b, 0), (a, 1)]] * 3
    seen = run(MotionProposalTracker(), frames)
    assert seen[4][0] == seen[-1][0] and seen[4][1] == seen[-1][1]


def test_iou_only_association_follows_positions():
    """appearance=False (SORT): the swap of the test above is followed by
    position, so each identity changes track; ids do not depend on the
    embeddings at all, and a returning track is matched by IoU alone."""
    a, b = box(100, 100), box(140, 100)
    frames = [[(a, 0), (b, 1)]] * 5 + [[(b, 0), (a, 1)]] * 3
    seen = run(MotionProposalTracker(appearance=False), frames)
    assert seen[4][0] == seen[-1][1] and seen[4][1] == seen[-1][0]

    def ids_with(embeds):
        tracker = MotionProposalTracker(appearance=False, n_init=1)
        out = []
        for t in range(6):
            boxes = np.array([box(20 + 5 * t, 60), box(90 - 5 * t, 150)])
            out.append(tracker.track(boxes, [0.9, 0.9], embeds[t])[1])
        return np.concatenate(out)

    rng = np.random.default_rng(1)
    assert (ids_with(rng.normal(size=(6, 2, DIM))) == ids_with(
        rng.normal(size=(6, 2, DIM)))).all()
    # missed for two frames, back with another look: DeepSORT's cascade
    # refuses the embedding and its IoU stage only takes tracks missed in
    # this frame; IoU-only association takes every live track
    walk = [[(box(50, 100), 0)]] * 4 + [[]] * 2 + [[(box(50, 100), 1)]] * 3
    for appearance, keeps_id in ((False, True), (True, False)):
        seen = run(MotionProposalTracker(appearance=appearance), walk)
        assert (seen[3][0] == seen[-1][1]) is keeps_id


def test_motion_proposals_are_the_kalman_prediction_once_per_frame():
    tracker = MotionProposalTracker(n_init=1)
    kf = KalmanFilter()
    boxes = [
        np.array(box(50 + 4 * t, 80 + 2 * t, 20, 50 + t)) for t in range(6)
    ]
    emb = embedding(0)[None]
    mean, cov = kf.initiate(xyxy_to_xyah(boxes[0][None])[0])
    tracker.track(boxes[0][None], [0.9], emb)
    for t in range(1, 6):
        mean, cov = kf.predict(mean, cov)
        proposals = tracker.motion_proposals()
        np.testing.assert_allclose(proposals, xyah_to_xyxy(mean[None, :4]))
        # asking again does not advance the filter
        np.testing.assert_allclose(tracker.motion_proposals(), proposals)
        tracker.track(boxes[t][None], [0.9], emb)
        mean, cov = kf.update(mean, cov, xyxy_to_xyah(boxes[t][None])[0])
        np.testing.assert_allclose(tracker.tracks[0].mean, mean)
        np.testing.assert_allclose(tracker.tracks[0].cov, cov)
    # without a look-ahead, track() predicts exactly once itself
    tracker.track(boxes[5][None], [0.9], emb)
    mean, cov = kf.update(*kf.predict(mean, cov),
                          xyxy_to_xyah(boxes[5][None])[0])
    np.testing.assert_allclose(tracker.tracks[0].mean, mean)


def test_zero_detection_frames_age_tracks_and_delete_them():
    tracker = MotionProposalTracker(max_age=4)
    run(tracker, [[(box(50, 50), 0)]] * 4)
    assert len(tracker.tracks) == 1 and tracker.tracks[0].confirmed
    for k in range(1, 6):
        boxes, ids, scores = tracker.track(
            np.zeros((0, 4)), np.zeros(0), np.zeros((0, DIM)))
        assert boxes.shape == (0, 4) and ids.shape == (0, ) and not len(scores)
        assert len(tracker.tracks) == (1 if k <= 4 else 0)
        if tracker.tracks:
            assert tracker.tracks[0].time_since_update == k
    assert len(tracker.motion_proposals()) == 0


def test_low_score_detections_keep_tracks_only_with_byte_stage():
    frames = [[(box(20 + 3 * t, 100), 0, 0.9)] for t in range(5)
              ] + [[(box(20 + 3 * t, 100), 0, 0.3)]
                   for t in range(5, 8)] + [[(box(20 + 3 * t, 100), 0, 0.9)]
                                            for t in range(8, 12)]
    plain = run(MotionProposalTracker(max_age=1), frames)
    byte = run(MotionProposalTracker(max_age=1, low_score_thr=0.1), frames)
    assert plain[4][0] != plain[-1][0]  # lost during the low-score frames
    assert byte[4][0] == byte[6][0] == byte[-1][0]


def test_low_score_boxes_of_motion_proposals_do_not_keep_tracks():
    """A track's own prediction, regressed back at a low score, must not
    continue it in the BYTE stage; the same box from the RPN does."""

    def frames(from_motion):
        return [[(box(20 + 3 * t, 100), 0, 0.9)] for t in range(5)
                ] + [[(box(20 + 3 * t, 100), 0, 0.3, from_motion)]
                     for t in range(5, 8)] + [[(box(20 + 3 * t, 100), 0, 0.9)]
                                              for t in range(8, 12)]

    def tracker():
        return MotionProposalTracker(max_age=1, low_score_thr=0.1)

    from_rpn = run(tracker(), frames(False))
    assert from_rpn[4][0] == from_rpn[6][0] == from_rpn[-1][0]
    from_motion = run(tracker(), frames(True))
    assert 0 not in from_motion[5]  # the low box did not continue it
    assert from_motion[4][0] != from_motion[-1][0]  # deleted, then new
    with pytest.raises(ValueError, match='from_motion of shape'):
        tracker().track(
            np.zeros((2, 4)), np.ones(2), np.ones((2, DIM)), np.zeros(3, bool))


def test_infeasible_pairs_are_clamped_as_in_wojkes_reference():
    """Costs [[0.05, 0.19], [0.19, gated]] with gate 0.2. The reference
    clamps every cost above the gate to 0.2 + 1e-5 before the Hungarian
    step: the cheapest total is then 0.05 + 0.20001 (track 0 - det 0 and
    the infeasible pair, dropped afterwards) < 0.19 + 0.19, so one match.
    A huge infeasible cost would instead force both feasible 0.19 pairs."""
    cost = np.array([[0.05, 0.19], [0.19, GATED]])
    assert MotionProposalTracker._assign(cost, 0.2) == [(0, 0)]
    # with no infeasible pair the total decides as usual
    assert MotionProposalTracker._assign(
        np.array([[0.05, 0.19], [0.19, 0.1]]), 0.2) == [(0, 0), (1, 1)]


@pytest.mark.parametrize('output_box', ['kalman', 'detection'])
def test_output_box_of_a_matched_track(output_box):
    """'kalman' reports the filter's state corrected by this frame's
    detection (Wojke's deep_sort_app), 'detection' the detection itself."""
    first, second = box(100, 100), box(106, 102, 22, 54)
    tracker = MotionProposalTracker(n_init=1, output_box=output_box)
    for det in (first, second):
        out, ids, _ = tracker.track(
            np.array([det]), np.array([0.9]),
            embedding(0)[None])
    kf = KalmanFilter()
    mean, cov = kf.initiate(xyxy_to_xyah(np.array([first]))[0])
    mean, cov = kf.predict(mean, cov)
    mean, _ = kf.update(mean, cov, xyxy_to_xyah(np.array([second]))[0])
    expected = xyah_to_xyxy(mean[None, :4]) if output_box == 'kalman' \
        else np.array([second])
    np.testing.assert_allclose(out, expected)
    assert ids.tolist() == [0]
    assert not np.allclose(xyah_to_xyxy(mean[None, :4]), [second])


def test_smoothed_embedding_is_the_hand_computed_ema():
    """embed_momentum: a track's one stored embedding after each frame is
    the normalised running blend, computed here by hand."""
    rng = np.random.default_rng(3)
    looks = rng.normal(size=(6, DIM))
    looks /= np.linalg.norm(looks, axis=1, keepdims=True)
    tracker = MotionProposalTracker(n_init=1, embed_momentum=0.9)
    expected = looks[0]
    for t, look in enumerate(looks):
        tracker.track(np.array([box(50, 100)]), [0.9], look[None])
        if t:
            blend = 0.9 * expected + 0.1 * look
            expected = blend / np.sqrt(blend @ blend)
        assert len(tracker.tracks) == 1
        np.testing.assert_allclose(tracker.tracks[0].gallery, [expected])


@pytest.mark.parametrize('embed_momentum, switches', [(None, True),
                                                      (0.9, False)])
def test_one_foreign_crop_in_a_track(embed_momentum, switches):
    """Person 0 is missed for two frames beside person 1, whose track then
    stores one crop of person 0 (as a box over both would give it). When
    person 0 reappears, the cascade serves person 1's track first (missed
    for fewer frames): its gallery holds that crop and takes person 0,
    while a smoothed embedding has moved by only 1 − momentum."""
    a, b = box(100, 100), box(112, 100)
    tracker = MotionProposalTracker(embed_momentum=embed_momentum)
    seen = run(tracker, [[(a, 0), (b, 1)]] * 5 + [[(b, 1)]] * 2)
    track_of_1 = next(t for t in tracker.tracks if t.id == seen[4][1])
    track_of_1.add_embedding(embedding(0))
    reappears = run(tracker, [[(a, 0)]])[0]
    assert (reappears[0] == seen[4][1]) is switches
    assert (reappears[0] == seen[4][0]) is not switches


def crossing_frame(motion_weight, max_cosine_distance=0.5):
    """Two people walk head-on (6 frames, one embedding each); in the next
    frame each one's detection looks more like the other: cosine
    distances 0.4 to its own track and 0.2 to the other's. Returns the
    track id of each detection, the squared Mahalanobis distances
    (tracks × detections, from mmdet's KalmanFilter) and the cosine
    distances."""
    tracker = MotionProposalTracker(
        max_cosine_distance=max_cosine_distance,
        motion_weight=motion_weight,
        output_box='detection')
    for t in range(6):
        tracker.track(
            np.array([box(100 + 4 * t, 100),
                      box(140 - 4 * t, 100)]), [0.9, 0.9],
            np.stack([embedding(0), embedding(1)]))
    dets = np.array([box(124, 100), box(116, 100)])
    kf = KalmanFilter()
    mahalanobis = np.stack([
        kf.gating_distance(*kf.predict(t.mean, t.cov), xyxy_to_xyah(dets))
        for t in tracker.tracks
    ])
    looks = np.stack([
        0.6 * embedding(0) + 0.8 * embedding(1),
        0.8 * embedding(0) + 0.6 * embedding(1)
    ])
    cosine = 1 - np.stack([embedding(0), embedding(1)]) @ looks.T
    boxes, ids, _ = tracker.track(dets, [0.9, 0.9], looks)
    by_det = [ids[np.isclose(boxes, d).all(axis=1)].tolist() for d in dets]
    return by_det, mahalanobis, cosine


@pytest.mark.parametrize('motion_weight', [0, 0.02, 0.07, 0.09, 0.3])
def test_motion_weight_is_wojkes_eq5(motion_weight):
    """The cascade's cost is λ·d_maha + (1 − λ)·d_cos: the cheaper of the
    two assignments, summed here by hand, is the one the tracker makes
    (the swap by appearance alone, each person's own track once motion
    weighs enough: λ > 0.08 for these distances)."""
    by_det, mahalanobis, cosine = crossing_frame(motion_weight)
    assert (mahalanobis < 9.4877).all()  # every pair inside the gate
    np.testing.assert_allclose(cosine, [[0.4, 0.2], [0.2, 0.4]])
    cost = motion_weight * mahalanobis + (1 - motion_weight) * cosine
    own = bool(cost[0, 0] + cost[1, 1] < cost[0, 1] + cost[1, 0])
    assert by_det == ([[0], [1]] if own else [[1], [0]])
    assert own is (motion_weight > 0.08)


def test_motion_weight_keeps_the_appearance_gate():
    """With the cosine gate below both looks' distances to their own
    tracks (0.4) but above the others' (0.2), only the swap is feasible:
    motion cannot buy back a pair the appearance gate refuses."""
    by_det, _, _ = crossing_frame(0.3, max_cosine_distance=0.3)
    assert by_det == [[1], [0]]


def test_bad_settings():
    with pytest.raises(ValueError, match='low_score_thr'):
        MotionProposalTracker(score_thr=0.5, low_score_thr=0.6)
    with pytest.raises(ValueError, match='max_age'):
        MotionProposalTracker(max_age=0)
    with pytest.raises(ValueError, match='embed_momentum=1'):
        MotionProposalTracker(embed_momentum=1)
    with pytest.raises(ValueError, match='motion_weight=1.5'):
        MotionProposalTracker(motion_weight=1.5)
    with pytest.raises(ValueError, match="output_box='centre'"):
        MotionProposalTracker(output_box='centre')
    with pytest.raises(ValueError, match=r'embeds of shape \(2, 8\)'):
        MotionProposalTracker().track(
            np.zeros((3, 4)), np.ones(3), np.zeros((2, 8)))


def crowd_detections(frames=80, people=40, dim=16, seed=0):
    """Per frame ``(boxes, embeds)`` of a generated crowd: people walking
    at constant speed (some crossing, entering and leaving the 640×480
    view), each detected with probability 0.9, integer boxes jittered by
    up to 2 px, noisy embeddings of their identity, three false positives
    a frame. Float32-exact, as the reference stores its inputs."""
    rng = np.random.default_rng(seed)
    start = rng.uniform([0, 0], [640, 480], (people, 2))
    velocity = rng.uniform(-6, 6, (people, 2))
    size = rng.uniform([20, 50], [40, 110], (people, 2))
    identity = rng.normal(size=(people + 1, dim))
    out = []
    for t in range(frames):
        centre = start + velocity * t
        seen = np.nonzero((rng.random(people) < 0.9)
                          & (centre >= 0).all(1)
                          & (centre <= [640, 480]).all(1))[0]
        boxes = np.concatenate(
            [centre[seen] - size[seen] / 2, centre[seen] + size[seen] / 2], 1)
        boxes = np.round(boxes + rng.integers(-2, 3, boxes.shape))
        false = rng.uniform([0, 0, 20, 50], [600, 400, 40, 110], (3, 4))
        false[:, 2:] += false[:, :2]
        boxes = np.concatenate([boxes, np.round(false)])
        who = np.concatenate([seen, [people] * 3])
        embeds = identity[who] + rng.normal(0, 0.35, (len(who), dim))
        out.append((boxes.astype(np.float32).astype(np.float64),
                    embeds.astype(np.float32).astype(np.float64)))
    return out


@pytest.mark.parametrize('max_age, nn_budget', [(30, 100), (3, 100), (30, 4)])
def test_matches_wojkes_reference_on_a_crowd(max_age, nn_budget):
    """The trajectories, each the (frame, detection) pairs one confirmed
    track reports, equal those of the reference DeepSORT (Wojke's code as
    packaged in deep-sort-realtime) fed the same detections. Track ids are
    labels: the two number new tracks in different orders. A budget of 4
    makes every long track's gallery drop its oldest embeddings. The
    tentative tracks' paths (``tentative``: matched or started, not yet
    confirmed) equal the reference's too."""
    from deep_sort_realtime.deep_sort import detection, nn_matching, tracker
    metric = nn_matching.NearestNeighborDistanceMetric('cosine', 0.2,
                                                       nn_budget)
    store = metric.partial_fit

    def store_each_once(features, targets, active_targets):
        """nwojke's tracker hands the metric each embedding once;
        deep-sort-realtime hands a track's last one again every frame,
        which a budget would keep as a duplicate."""
        new = [
            k for k, (f, t) in enumerate(zip(features, targets))
            if not np.array_equal(f, (metric.samples.get(t) or [None])[-1])
        ]
        store(features[new], targets[new], active_targets)

    metric.partial_fit = store_each_once
    ref = tracker.Tracker(
        metric, max_iou_distance=0.7, max_age=max_age, n_init=3)
    ours = MotionProposalTracker(
        score_thr=0.5,
        output_box='detection',
        max_age=max_age,
        nn_budget=nn_budget)
    ref_paths, our_paths = {}, {}
    ref_tentative, our_tentative = {}, {}

    def add(paths, frame, ids, out_boxes, boxes):
        for i, b in zip(ids, out_boxes):
            paths.setdefault(i, []).append(
                (frame, int(np.nonzero((boxes == b).all(1))[0][0])))

    for frame, (boxes, embeds) in enumerate(crowd_detections()):
        ref.predict()
        ref.update([
            detection.Detection([b[0], b[1], b[2] - b[0], b[3] - b[1]],
                                1.0,
                                e,
                                class_name=k)
            for k, (b, e) in enumerate(zip(boxes, embeds))
        ])
        for t in ref.tracks:
            if t.time_since_update == 0:
                (ref_paths if t.is_confirmed() else ref_tentative).setdefault(
                    t.track_id, []).append((frame, t.det_class))
        ours.motion_proposals()
        out, ids, _ = ours.track(boxes, np.ones(len(boxes)), embeds)
        add(our_paths, frame, ids, out, boxes)
        add(our_tentative, frame, ours.tentative[1], ours.tentative[0], boxes)
    assert sorted(our_paths.values()) == sorted(ref_paths.values())
    assert sorted(our_tentative.values()) == sorted(ref_tentative.values())
    # a busy sequence: many reports, and tracks that resume after misses
    paths = list(ref_paths.values())
    assert len(paths) >= 30 and sum(map(len, paths)) > 1500
    assert sum(np.diff([f for f, _ in p]).max(initial=1) > 1
               for p in paths) > 20
    # tentative tracks that were confirmed and ones that died
    confirmed = set(ref_paths) & set(ref_tentative)
    assert len(confirmed) >= 30 and len(set(ref_tentative) - confirmed) > 20
