"""DeepSORT's Kalman filter (Wojke et al. 2017) on many tracks at once."""
from typing import Tuple

import numpy as np
from mmdet.registry import TASK_UTILS


@TASK_UTILS.register_module()
class BatchKalmanFilter:
    r"""Constant-velocity Kalman filter of boxes (x, y, a, h), vectorised
    over tracks: every method takes stacks, ``means`` (n, 8) and ``covs``
    (n, 8, 8), and computes what mmdet's ``KalmanFilter`` (a port of
    Wojke's ``kalman_filter.py``) computes for each row.

    State (x, y, a, h, ẋ, ẏ, ȧ, ḣ): box centre, aspect w/h, height and
    their velocities. With F the constant-velocity transition (Δt = 1),
    H = [I₄ 0] and noise standard deviations proportional to the height h
    (``std_position`` = 1/20 and ``std_velocity`` = 1/160 per unit h; the
    aspect's are fixed):

    .. math::
        μ' = Fμ, \quad Σ' = FΣF^T + Q(h) \qquad \text{(predict)} \\
        S = HΣH^T + R(h), \quad K = ΣH^T S^{-1} \\
        μ'' = μ + K(z - Hμ), \quad Σ'' = Σ - KSK^T \qquad \text{(update)} \\
        d^2 = (z - Hμ)^T S^{-1} (z - Hμ) \qquad \text{(gating distance)}

    A squared distance above the chi-square 95 % quantile with 4 degrees
    of freedom, :attr:`gate` = 9.4877, is outside the gate.
    """

    gate = 9.4877
    std_position = 1. / 20
    std_velocity = 1. / 160

    def __init__(self) -> None:
        self.motion = np.eye(8)
        self.motion[:4, 4:] = np.eye(4)

    def _stds(self,
              heights: np.ndarray,
              position: float,
              aspect: float,
              scale: float = 1.) -> np.ndarray:
        """(n, 4) standard deviations (w h, w h, aspect, w h) for weight
        w = ``scale`` × ``position``."""
        weighted = scale * position * heights
        return np.stack(
            [weighted, weighted,
             np.full_like(heights, aspect), weighted], 1)

    def initiate(self,
                 measurements: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """States of new tracks at measurements (n, 4), velocities zero."""
        heights = measurements[:, 3]
        stds = np.concatenate([
            self._stds(heights, self.std_position, 1e-2, 2),
            self._stds(heights, self.std_velocity, 1e-5, 10)
        ], 1)
        means = np.concatenate([measurements, np.zeros_like(measurements)], 1)
        return means, _diagonal(stds**2)

    def predict(self, means: np.ndarray,
                covs: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """One step ahead."""
        heights = means[:, 3]
        noise = _diagonal(
            np.concatenate([
                self._stds(heights, self.std_position, 1e-2),
                self._stds(heights, self.std_velocity, 1e-5)
            ], 1)**2)
        return (means @ self.motion.T,
                self.motion @ covs @ self.motion.T + noise)

    def project(self, means: np.ndarray,
                covs: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Distributions in measurement space: Hμ (n, 4), S (n, 4, 4)."""
        noise = _diagonal(self._stds(means[:, 3], self.std_position, 1e-1)**2)
        return means[:, :4], covs[:, :4, :4] + noise

    def update(self, means: np.ndarray, covs: np.ndarray,
               measurements: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Correct each state by its measurement (n, 4)."""
        projected, innovation_cov = self.project(means, covs)
        # K^T = S^{-1} (Σ H^T)^T; S is symmetric
        gain = np.linalg.solve(innovation_cov,
                               covs[:, :4, :]).transpose(0, 2, 1)
        innovation = measurements - projected
        new_means = means + np.einsum('nij,nj->ni', gain, innovation)
        new_covs = covs - gain @ innovation_cov @ gain.transpose(0, 2, 1)
        return new_means, new_covs

    def gating_distance(self, means: np.ndarray, covs: np.ndarray,
                        measurements: np.ndarray) -> np.ndarray:
        """(n, m) squared Mahalanobis distances of measurements (m, 4) to
        each state's projection."""
        projected, innovation_cov = self.project(means, covs)
        # S = L L^T: d^T S^{-1} d = |L^{-1} d|^2 with d = z - Hμ, and
        # L^{-1} d = L^{-1} z - L^{-1} Hμ: one (4n, 4) x (4, m) product
        # whitens every measurement for every track
        inv_lower = np.linalg.inv(np.linalg.cholesky(innovation_cov))
        whitened = (inv_lower.reshape(-1, 4) @ measurements.T).reshape(
            len(means), 4, len(measurements))
        whitened -= np.einsum('nij,nj->ni', inv_lower, projected)[..., None]
        return np.einsum('nkm,nkm->nm', whitened, whitened)


def _diagonal(values: np.ndarray) -> np.ndarray:
    """(n, k) → (n, k, k) diagonal matrices."""
    out = np.zeros(values.shape + values.shape[-1:])
    index = np.arange(values.shape[-1])
    out[:, index, index] = values
    return out
