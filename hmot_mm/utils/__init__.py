from .boxes import box_iou
from .checkpoint_compat import allow_mmengine_checkpoints
from .run_config import add_common_args, load_run_config

__all__ = [
    'allow_mmengine_checkpoints', 'add_common_args', 'load_run_config',
    'box_iou'
]
