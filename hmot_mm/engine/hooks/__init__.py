from .memory_buffer_hook import MemoryBufferHook

__all__ = ['MemoryBufferHook']
