from .losses import MemoryBankLoss, OIMLoss, iHOIMLoss
from .roi_heads import OIMBBoxHead, iHOIMBBoxHead, iHOIMRoIHead

__all__ = [
    'iHOIMLoss', 'OIMLoss', 'MemoryBankLoss', 'iHOIMBBoxHead', 'OIMBBoxHead',
    'iHOIMRoIHead'
]
