from .load_frame import LoadFrame
from .pack_reid_det_inputs import PackReIDDetInputs

__all__ = ['LoadFrame', 'PackReIDDetInputs']
