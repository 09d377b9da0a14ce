from .backbones import TFMobileNetV2
from .losses import MemoryBankLoss, OIMLoss, iHOIMLoss
from .mot import HMOT, TwoStageHMOT
from .reid import CropReID
from .roi_heads import OIMBBoxHead, iHOIMBBoxHead, iHOIMRoIHead
from .task_modules import MemoryOHEMSampler
from .trackers import MotionProposalTracker

__all__ = [
    'iHOIMLoss', 'OIMLoss', 'MemoryBankLoss', 'iHOIMBBoxHead', 'OIMBBoxHead',
    'iHOIMRoIHead', 'MotionProposalTracker', 'HMOT', 'TwoStageHMOT',
    'CropReID', 'TFMobileNetV2', 'MemoryOHEMSampler'
]
