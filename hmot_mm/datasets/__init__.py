from .mot_frame_dataset import MOTFrameDataset
from .transforms import PackReIDDetInputs

__all__ = ['MOTFrameDataset', 'PackReIDDetInputs']
