"""The two-stage baseline: HMOT's detector and tracker, embeddings from a
separate ReID network on each detection's crop."""
from typing import Optional

from mmdet.registry import MODELS
from mmdet.utils import OptConfigType, OptMultiConfig
from mmengine.structures import InstanceData
from torch import Tensor

from .hmot import HMOT


@MODELS.register_module()
class TwoStageHMOT(HMOT):
    """:class:`HMOT` whose association uses a separate appearance network
    (e.g. :class:`CropReID`) instead of the R-CNN head's embedding: per
    frame the detector runs as in HMOT (motion proposals included when
    on), then every detection's box is cut out of the network input and
    embedded by ``reid``. This is the two-stage tracker the paper compares
    against (DeepSORT with a separate ReID model) on the same detections.

    The detector and ``reid`` are trained apart: :meth:`loss` trains the
    detector; ``tools/train_reid.py`` trains ``reid``.

    Args:
        detector (dict): a two-stage detector config.
        reid (dict): the appearance network, with ``crop(img, boxes)`` and
            a forward from crops to embeddings.
        tracker (dict): as :class:`HMOT`.
        motion_proposals (bool): as :class:`HMOT`.
        motion_proposals_in_rpn_cap (bool): as :class:`HMOT`.
        data_preprocessor (dict, optional): as :class:`HMOT`.
        init_cfg (dict, optional): initialisation config.
    """

    def __init__(self,
                 detector: dict,
                 reid: dict,
                 tracker: Optional[dict] = None,
                 motion_proposals: bool = True,
                 motion_proposals_in_rpn_cap: bool = False,
                 data_preprocessor: OptConfigType = None,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(
            detector,
            tracker,
            motion_proposals=motion_proposals,
            motion_proposals_in_rpn_cap=motion_proposals_in_rpn_cap,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)
        self.reid = MODELS.build(reid)

    def detect(self, img: Tensor, frame) -> InstanceData:
        """HMOT's detections, their ``embeds`` replaced by the ReID
        network's on crops of the (1, C, H, W) network input."""
        detections = super().detect(img, frame)
        w_scale, h_scale = frame.metainfo['scale_factor']
        boxes = detections.bboxes * detections.bboxes.new_tensor(
            [w_scale, h_scale, w_scale, h_scale])
        detections.embeds = self.reid(self.reid.crop(img[0], boxes))
        return detections
