"""Two-branch baseline of the ablation: R-CNN classification + OIM."""
from mmdet.registry import MODELS
from mmdet.utils import ConfigType

from .ihoim_bbox_head import iHOIMBBoxHead


@MODELS.register_module()
class OIMBBoxHead(iHOIMBBoxHead):
    """The paper's "OIM" row: the same network as :class:`iHOIMBBoxHead`
    plus a standard classification branch trained by cross-entropy
    (``loss_cls``), which gives the detection score, and a plain
    :class:`OIMLoss` on the embedding (no hierarchy, no λ).

    Args:
        loss_reid (dict): config of the OIM loss.
        **kwargs: as :class:`iHOIMBBoxHead`.
    """

    def __init__(self, loss_reid: ConfigType = dict(type='OIMLoss'),
                 **kwargs) -> None:
        super().__init__(loss_reid=loss_reid, with_cls=True, **kwargs)
