"""TrackletInterpolation: values worked out by hand, a second (offline,
per-track) implementation on random tracks (gaps and tentative starts),
and the stream's lag."""
import numpy as np
import pytest

from hmot_mm.models.task_modules import TrackletInterpolation


def frames_of(rows, first, last, tentative=None):
    """Frames ``first..last`` from rows (frame, id, x1, y1, x2, y2, score),
    with the ``tentative`` rows' as each frame's ``tentative`` if given."""

    def frame(rows, f):
        rows = np.asarray(rows, np.float64).reshape(-1, 7)
        return dict(
            bboxes=rows[rows[:, 0] == f, 2:6],
            ids=rows[rows[:, 0] == f, 1],
            scores=rows[rows[:, 0] == f, 6])

    return [
        dict(
            frame(rows, f),
            frame=f,
            **({} if tentative is None else dict(
                tentative=frame(tentative, f))))
        for f in range(first, last + 1)
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


def test_tentative_starts_are_filled_by_hand():
    """Track 1 was tentative in frames 1 and 2 and is reported from frame 3
    on; track 2 was tentative in frame 2 only and never reported. With
    fill_tentative, frames 1 and 2 get track 1's tentative boxes, and its
    streak then counts them: missed in frame 6, it is bridged with
    min_streak 4 (frames 2-5 in a row), which its three reported frames
    alone are not."""
    rows = [(f, 1, 10 * f, 0, 10 * f + 10, 20, 0.9) for f in (3, 4, 5, 7)]
    tentative = [(1, 1, 10, 0, 20, 20, 0.6), (2, 1, 20, 0, 30, 20, 0.7),
                 (2, 2, 200, 0, 210, 20, 0.8)]
    frames = frames_of(rows, 1, 7, tentative)
    out = TrackletInterpolation(
        max_gap=3, min_streak=4, fill_tentative=True)(
            frames)
    added = sorted(set(rows_of(out)) - set(rows_of(frames_of(rows, 1, 7))))
    assert added == [(1, 1, 10.0, 0.0, 20.0, 20.0, 0.6),
                     (2, 1, 20.0, 0.0, 30.0, 20.0, 0.7),
                     (6, 1, 60.0, 0.0, 70.0, 20.0, 0.9)]
    # without it the tentative rows are ignored, and the gap stays open
    assert rows_of(
        TrackletInterpolation(max_gap=3, min_streak=4)(frames_of(
            rows, 1, 7, tentative))) == rows_of(frames_of(rows, 1, 7))
    # tentative rows more than max_gap frames before the first box are
    # released before it comes
    out = TrackletInterpolation(
        max_gap=1, min_streak=1, fill_tentative=True)(
            frames_of(rows, 1, 7, tentative))
    assert (1, 1, 10.0, 0.0, 20.0, 20.0, 0.6) not in rows_of(out)
    assert (2, 1, 20.0, 0.0, 30.0, 20.0, 0.7) in rows_of(out)


def reference(rows, max_gap, min_streak, tentative=()):
    """Offline, per track: each reported track's tentative rows up to
    max_gap frames before its first row are added; then for each gap of
    g <= max_gap frames after a run of at least min_streak consecutive
    frames, the linear boxes."""
    rows = np.asarray(rows, np.float64)
    tentative = np.asarray(tentative, np.float64).reshape(-1, 7)
    first = {i: rows[rows[:, 1] == i, 0].min() for i in np.unique(rows[:, 1])}
    kept = [
        r for r in tentative
        if r[1] in first and first[r[1]] - max_gap <= r[0] < first[r[1]]
    ]
    rows = np.vstack([rows, *kept])
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


@pytest.mark.parametrize('max_gap,min_streak,fill_tentative', [(1, 1, False),
                                                               (3, 2, False),
                                                               (10, 5, False),
                                                               (1, 1, True),
                                                               (3, 2, True),
                                                               (10, 5, True)])
def test_random_tracks_match_an_offline_implementation(max_gap, min_streak,
                                                       fill_tentative):
    """Eight tracks, each tentative for 0-3 frames before its first row,
    and eight tentative ones that are never reported."""
    rng = np.random.default_rng(max_gap)
    rows, tentative = [], []
    for track_id in range(16):
        start = rng.integers(5, 20)
        box = rng.uniform(0, 300, 4)
        for f in range(start - rng.integers(0, 4), start):
            tentative.append(
                (f, track_id, *rng.uniform(0, 300, 4), rng.random()))
        for f in range(start, start + rng.integers(5, 60)):
            box = box + rng.normal(0, 3, 4)
            # reported in 70 % of its frames, the never reported ones none
            if track_id < 8 and (f == start or rng.random() < 0.7):
                rows.append((f, track_id, *box, rng.random()))
    last = int(max(r[0] for r in rows))
    out = TrackletInterpolation(max_gap, min_streak, fill_tentative)(
        frames_of(rows, 1, last, tentative))
    expected = reference(rows, max_gap, min_streak,
                         tentative if fill_tentative else ())
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
    for bad in (dict(max_gap=0), dict(min_streak=1.5), dict(max_gap=True),
                dict(fill_tentative='yes')):
        with pytest.raises(ValueError, match=next(iter(bad))):
            TrackletInterpolation(**bad)
    stream = TrackletInterpolation(max_gap=2)
    frames = frames_of([], 1, 3)
    stream.push(frames[0])
    with pytest.raises(ValueError, match='frame 3 after frame 1'):
        stream.push(frames[2])
