from .boxes import box_iou
from .checkpoint_compat import allow_mmengine_checkpoints, load_weights
from .config_error import ConfigError

__all__ = [
    'ConfigError', 'allow_mmengine_checkpoints', 'box_iou', 'load_weights'
]
