from .bbox_heads import OIMBBoxHead, iHOIMBBoxHead
from .ihoim_roi_head import iHOIMRoIHead

__all__ = ['iHOIMBBoxHead', 'OIMBBoxHead', 'iHOIMRoIHead']
