"""The overlap margins of hmot_mm.evaluation.identity_separation: a crossing
worked by hand, and a brute-force second implementation on random walks."""
import numpy as np
import pytest

from hmot_mm.evaluation.identity_separation import overlap_margins

# Persons 1 and 2 walk towards each other; their boxes overlap only in
# frame 3 (x 8-18 against 10-20: IoU 160 / 240 = 0.667).
CROSSING = dict(
    frames=np.array([1, 2, 3, 1, 2, 3]),
    ids=np.array([1, 1, 1, 2, 2, 2]),
    bboxes=np.array([[0, 0, 10, 20], [5, 0, 15, 20], [8, 0, 18, 20],
                     [30, 0, 40, 20], [20, 0, 30, 20], [10, 0, 20, 20]]),
    embeds=np.array([[1, 0], [0.8, 0.6], [0.6, 0.8], [0, 1], [0.28, 0.96],
                     [0.96, 0.28]]))


@pytest.mark.parametrize(
    'budget, expected',
    [
        # person 1 in frame 3, x = (0.6, 0.8): own gallery {(1, 0), (0.8,
        # 0.6)} best 0.96, person 2's {(0, 1), (0.28, 0.96)} best 0.936;
        # person 2, x = (0.96, 0.28): own best 0.5376, person 1's 0.96
        (100, [(1, 2, 0.04, 0.064), (2, 1, 0.4624, 0.04)]),
        # budget 1: the galleries are the frame-2 boxes alone
        (1, [(1, 2, 0.04, 0.064), (2, 1, 0.4624, 0.064)]),
    ])
def test_a_crossing_by_hand(budget, expected):
    pairs = overlap_margins(**CROSSING, budget=budget)
    assert pairs.frame.tolist() == [3, 3]
    got = sorted(
        zip(pairs.person, pairs.other, pairs.own_cost, pairs.other_cost))
    for (p, q, own, other), want in zip(got, expected):
        assert (p, q) == want[:2]
        assert own == pytest.approx(want[2])
        assert other == pytest.approx(want[3])
    margins = dict(zip(pairs.person, pairs.margin))
    assert margins[1] == pytest.approx(expected[0][3] - expected[0][2])
    assert margins[2] < 0  # person 2 looks like person 1's past


def test_overlap_threshold_and_first_boxes():
    assert len(overlap_margins(**CROSSING, min_iou=0.7).frame) == 0
    early = {k: v[[0, 3]] for k, v in CROSSING.items()}  # frame 1 only
    early['bboxes'] = np.array([[0, 0, 10, 20], [2, 0, 12, 20]])
    assert len(overlap_margins(**early).frame) == 0  # no gallery yet


def brute_force(frames, ids, bboxes, embeds, budget, min_iou):
    """Every ordered pair of boxes in one frame, from the definition."""

    def iou(a, b):
        w = min(a[2], b[2]) - max(a[0], b[0])
        h = min(a[3], b[3]) - max(a[1], b[1])
        inter = max(w, 0) * max(h, 0)
        union = ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) *
                 (b[3] - b[1]) - inter)
        return inter / union

    def cost(x, person, frame):
        past = sorted((f, k) for k, f in enumerate(frames)
                      if ids[k] == person and f < frame)[-budget:]
        if not past:
            return None
        return 1 - max(float(np.dot(x, embeds[k])) for _, k in past)

    rows = []
    for b in range(len(frames)):
        for c in range(len(frames)):
            if (b == c or frames[b] != frames[c]
                    or iou(bboxes[b], bboxes[c]) <= min_iou):
                continue
            own = cost(embeds[b], ids[b], frames[b])
            other = cost(embeds[b], ids[c], frames[b])
            if own is not None and other is not None:
                rows.append((frames[b], ids[b], ids[c], own, other))
    return sorted(rows)


@pytest.mark.parametrize('budget, min_iou', [(100, 0.0), (3, 0.2)])
def test_random_walks_match_the_definition(budget, min_iou):
    rng = np.random.default_rng(budget)
    frames, ids, bboxes = [], [], []
    for person in range(5):
        start = rng.integers(1, 6)
        corner = rng.uniform(0, 60, size=2)
        for frame in range(start, start + rng.integers(4, 12)):
            corner = corner + rng.normal(0, 6, size=2)
            frames.append(frame)
            ids.append(person)
            bboxes.append([*corner, *(corner + [20, 40])])
    embeds = rng.normal(size=(len(frames), 8))
    embeds /= np.linalg.norm(embeds, axis=1, keepdims=True)
    frames, ids, bboxes = map(np.array, (frames, ids, bboxes))
    pairs = overlap_margins(frames, ids, bboxes, embeds, budget, min_iou)
    expected = brute_force(frames, ids, bboxes, embeds, budget, min_iou)
    assert len(expected) > 10
    got = sorted(
        zip(pairs.frame, pairs.person, pairs.other, pairs.own_cost,
            pairs.other_cost))
    assert [r[:3] for r in got] == [r[:3] for r in expected]
    np.testing.assert_allclose([r[3:] for r in got], [r[3:] for r in expected])


@pytest.mark.parametrize('change, message', [
    (dict(ids=np.array([1, 1, 1, 2, 2, 1])), 'two boxes in one frame'),
    (dict(embeds=np.full((6, 2), np.nan)), 'not finite'),
    (dict(frames=np.array([1, 2, 3])), 'differ in number'),
    (dict(budget=0), 'budget must be >= 1'),
])
def test_bad_input_is_named(change, message):
    with pytest.raises(ValueError, match=message):
        overlap_margins(**{**CROSSING, **change})
