from .batch_kalman_filter import BatchKalmanFilter
from .memory_ohem_sampler import MemoryOHEMSampler

__all__ = ['BatchKalmanFilter', 'MemoryOHEMSampler']
