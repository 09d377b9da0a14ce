"""BatchKalmanFilter against mmdet's per-track KalmanFilter (a port of
Wojke's reference), row by row."""
import numpy as np
from mmdet.models.task_modules.tracking import KalmanFilter

from hmot_mm.models.task_modules import BatchKalmanFilter


def random_tracks(n=12, steps=4, seed=0):
    """States of n tracks after a start and ``steps`` random predict /
    update rounds of the reference filter, and the next measurements."""
    rng = np.random.default_rng(seed)
    kf = KalmanFilter()

    def measurement():
        return np.array([
            rng.uniform(0, 600),
            rng.uniform(0, 400),
            rng.uniform(0.3, 0.6),
            rng.uniform(30, 150)
        ])

    states = [kf.initiate(measurement()) for _ in range(n)]
    for _ in range(steps):
        states = [kf.predict(*s) for s in states]
        states = [
            kf.update(m, c, m[:4] + rng.normal(0, 2, 4) * [1, 1, 0.01, 1])
            for m, c in states
        ]
    return states, np.stack([measurement() for _ in range(n)])


def test_each_step_equals_the_reference_per_track():
    kf, batch = KalmanFilter(), BatchKalmanFilter()
    states, measurements = random_tracks()
    means = np.stack([m for m, _ in states])
    covs = np.stack([c for _, c in states])

    def close(got, expected):
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-9)

    started = batch.initiate(measurements)
    for k, z in enumerate(measurements):
        for got, expected in zip(started, kf.initiate(z)):
            close(got[k], expected)
    predicted = batch.predict(means, covs)
    updated = batch.update(*predicted, measurements)
    gating = batch.gating_distance(*predicted, measurements)
    assert gating.shape == (len(states), len(measurements))
    for k, (mean, cov) in enumerate(states):
        expected = kf.predict(mean, cov)
        for got, want in zip(predicted, expected):
            close(got[k], want)
        for got, want in zip(updated, kf.update(*expected, measurements[k])):
            close(got[k], want)
        close(gating[k], kf.gating_distance(*expected, measurements))
    assert BatchKalmanFilter.gate == KalmanFilter.chi2inv95[4]
    # the states differ from one another, so rows cannot be mixed up
    assert np.ptp(gating, axis=0).min() > 1


def test_empty_stacks():
    batch = BatchKalmanFilter()
    means, covs = batch.initiate(np.zeros((0, 4)))
    assert means.shape == (0, 8) and covs.shape == (0, 8, 8)
    assert batch.gating_distance(means, covs, np.ones((3, 4))).shape == (0, 3)
    assert batch.predict(means, covs)[1].shape == (0, 8, 8)
