from .ihoim_bbox_head import iHOIMBBoxHead
from .oim_bbox_head import OIMBBoxHead

__all__ = ['iHOIMBBoxHead', 'OIMBBoxHead']
