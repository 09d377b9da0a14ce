from .hmot import HMOT

__all__ = ['HMOT']
