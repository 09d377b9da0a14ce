from .mot_frame_dataset import MOTFrameDataset
from .transforms import LoadFrame, PackReIDDetInputs

__all__ = ['MOTFrameDataset', 'LoadFrame', 'PackReIDDetInputs']
