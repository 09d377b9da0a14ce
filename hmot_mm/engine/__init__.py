from .hooks import MemoryBufferHook

__all__ = ['MemoryBufferHook']
