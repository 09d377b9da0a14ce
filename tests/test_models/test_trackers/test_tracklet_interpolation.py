"""TrackletInterpolation: values worked out by hand, a second (offline,
per-track) implementation on random tracks, and the stream's lag."""
import numpy as np
import pytest

from hmot_mm.models.task_modules import TrackletInterpolation


def frames_of(rows, first, last):
    """Frames ``first..last`` from rows (frame, id, x1, y1, x2, y2, score)."""
    rows = np.asarray(rows, np.float64).reshape(-1, 7)
    return [
        dict(
            frame=f,
            bboxes=rows[rows[:, 0] == f, 2:6],
            ids=rows[rows[:, 0] == f, 1],
            scores=rows[rows[:, 0] == f, 6]) for f in range(first, last + 1)
    ]


def rows_of(frames):
    return sorted(
        (f['frame'], int(i), *np.round(b, 6).tolist(), round(float(s), 6))
        for f in frames for b, i, s in zip(f['bboxes'], f['ids'], f['scores']))


def test_a_gap_is_filled_by_hand():
    """Track 1: frames 1-3 at x = 0, 10, 20, missed in 4 and 5, found at
    x = 50 in frame 6 (score 0.7 -> 1.0): frames 4 and 5 get x = 30 and 40,
    scores 0.8 and 0.9. Track 2 comes and goes (one frame, then a gap):
    with min_streak 2 it is left alone."""
    rows = [(1, 1, 0, 0, 10, 20, 0.5), (2, 1, 10, 0, 20, 20, 0.6),
            (3, 1, 20, 0, 30, 20, 0.7), (6, 1, 50, 0, 60, 20, 1.0),
            (2, 2, 100, 0, 110, 20, 0.9), (4, 2, 120, 0, 130, 20, 0.9)]
    out = TrackletInterpolation(max_gap=2, min_streak=2)(frames_of(rows, 1, 6))
    assert [f['frame'] for f in out] == [1, 2, 3, 4, 5, 6]
    added = sorted(set(rows_of(out)) - set(rows_of(frames_of(rows, 1, 6))))
    assert added == [(4, 1, 30.0, 0.0, 40.0, 20.0, 0.8),
                     (5, 1, 40.0, 0.0, 50.0, 20.0, 0.9)]
    # a gap one frame longer than max_gap stays open
    assert rows_of(
        TrackletInterpolation(max_gap=1,
                              min_streak=2)(frames_of(rows, 1, 6))) == rows_of(
                                  frames_of(rows, 1, 6))
    # with min_streak 1 track 2's one-frame gap is filled too
    out = TrackletInterpolation(max_gap=2, min_streak=1)(frames_of(rows, 1, 6))
    assert (3, 2, 110.0, 0.0, 120.0, 20.0, 0.9) in rows_of(out)
    # with min_streak 4, track 1's three frames before its gap are too few
    assert rows_of(
        TrackletInterpolation(max_gap=2,
                              min_streak=4)(frames_of(rows, 1, 6))) == rows_of(
                                  frames_of(rows, 1, 6))


def reference(rows, max_gap, min_streak):
    """Offline, per track: for each gap of g <= max_gap frames after a run
    of at least min_streak consecutive frames, add the linear boxes."""
    rows = np.asarray(rows, np.float64)
    added = []
    for track_id in np.unique(rows[:, 1]):
        track = rows[rows[:, 1] == track_id]
        track = track[np.argsort(track[:, 0])]
        run = 1
        for prev, nxt in zip(track[:-1], track[1:]):
            gap = int(nxt[0] - prev[0]) - 1
            if 1 <= gap <= max_gap and run >= min_streak:
                for k in range(1, gap + 1):
                    t = k / (gap + 1)
                    added.append(np.r_[prev[0] + k, track_id,
                                       (1 - t) * prev[2:] + t * nxt[2:]])
            run = run + 1 if gap == 0 else 1
    return np.vstack([rows, *added]) if added else rows


@pytest.mark.parametrize('max_gap,min_streak', [(1, 1), (3, 2), (10, 5)])
def test_random_tracks_match_an_offline_implementation(max_gap, min_streak):
    rng = np.random.default_rng(max_gap)
    rows = []
    for track_id in range(8):
        start = rng.integers(1, 20)
        box = rng.uniform(0, 300, 4)
        for f in range(start, start + rng.integers(5, 60)):
            box = box + rng.normal(0, 3, 4)
            if rng.random() < 0.7:  # detected in 70 % of its frames
                rows.append((f, track_id, *box, rng.random()))
    last = int(max(r[0] for r in rows))
    out = TrackletInterpolation(max_gap, min_streak)(frames_of(rows, 1, last))
    expected = reference(rows, max_gap, min_streak)
    assert len(rows_of(out)) > len(rows)  # the draw has gaps to fill
    assert rows_of(out) == rows_of(frames_of(expected, 1, last))


def test_stream_releases_each_frame_max_gap_frames_late():
    rows = [(f, 1, f, 0, f + 10, 20, 1.0) for f in (1, 2, 3, 4, 6)]
    stream = TrackletInterpolation(max_gap=2, min_streak=1)
    frames = frames_of(rows, 1, 6)
    released = [[f['frame'] for f in stream.push(frame)] for frame in frames]
    assert released == [[], [], [1], [2], [3], [4]]
    rest = stream.flush()
    assert [f['frame'] for f in rest] == [5, 6]
    # frame 5, released last, got its box when frame 6 came
    assert rest[0]['ids'].tolist() == [1] and rest[0]['bboxes'][0, 0] == 5
    # what the frames carry besides the tracks passes through
    stream.push(dict(frames[0], image='pixels'))
    assert stream.flush()[0]['image'] == 'pixels'


def test_bad_settings_and_frames_are_named():
    for bad in (dict(max_gap=0), dict(min_streak=1.5), dict(max_gap=True)):
        with pytest.raises(ValueError, match=next(iter(bad))):
            TrackletInterpolation(**bad)
    stream = TrackletInterpolation(max_gap=2)
    frames = frames_of([], 1, 3)
    stream.push(frames[0])
    with pytest.raises(ValueError, match='frame 3 after frame 1'):
        stream.push(frames[2])
