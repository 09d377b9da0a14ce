"""hmot_mm: a one-stage pedestrian tracker on MMDetection 3.x.

Importing the package registers its components in ``mmdet.registry``;
configs load it with
``custom_imports = dict(imports=['hmot_mm'], allow_failed_imports=False)``.
"""
from .utils import allow_mmengine_checkpoints
from .version import __version__

allow_mmengine_checkpoints()

from . import datasets, engine, evaluation, models  # noqa: E402,F401

__all__ = ['__version__', 'allow_mmengine_checkpoints']
