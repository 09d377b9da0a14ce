from .memory_ohem_sampler import MemoryOHEMSampler

__all__ = ['MemoryOHEMSampler']
