from .batch_kalman_filter import BatchKalmanFilter
from .memory_ohem_sampler import MemoryOHEMSampler
from .tracklet_interpolation import TrackletInterpolation

__all__ = ['BatchKalmanFilter', 'MemoryOHEMSampler', 'TrackletInterpolation']
