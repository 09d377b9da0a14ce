from .boxes import box_iou
from .checkpoint_compat import allow_mmengine_checkpoints, load_weights
from .run_config import ConfigError, add_common_args, load_run_config

__all__ = [
    'ConfigError', 'allow_mmengine_checkpoints', 'add_common_args',
    'load_run_config', 'box_iou', 'load_weights'
]
