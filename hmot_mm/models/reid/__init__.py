from .crop_reid import CropReID

__all__ = ['CropReID']
