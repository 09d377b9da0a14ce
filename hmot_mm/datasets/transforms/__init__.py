from .pack_reid_det_inputs import PackReIDDetInputs

__all__ = ['PackReIDDetInputs']
