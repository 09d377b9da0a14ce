from .backbones import TFMobileNetV2
from .losses import MemoryBankLoss, OIMLoss, iHOIMLoss
from .mot import HMOT
from .roi_heads import OIMBBoxHead, iHOIMBBoxHead, iHOIMRoIHead
from .trackers import MotionProposalTracker

__all__ = [
    'iHOIMLoss', 'OIMLoss', 'MemoryBankLoss', 'iHOIMBBoxHead', 'OIMBBoxHead',
    'iHOIMRoIHead', 'MotionProposalTracker', 'HMOT', 'TFMobileNetV2'
]
