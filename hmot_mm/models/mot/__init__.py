from .hmot import HMOT
from .two_stage_hmot import TwoStageHMOT

__all__ = ['HMOT', 'TwoStageHMOT']
