from .memory_buffer_hook import MemoryBufferHook
from .precise_memory_hook import PreciseMemoryHook

__all__ = ['MemoryBufferHook', 'PreciseMemoryHook']
