"""Online hard example mining ranked by an embedding box head's detection
loss."""
from typing import List

import torch
import torch.nn.functional as F
from mmdet.models.task_modules.samplers import OHEMSampler
from mmdet.registry import TASK_UTILS
from mmdet.structures.bbox import bbox2roi
from torch import Tensor


@TASK_UTILS.register_module()
class MemoryOHEMSampler(OHEMSampler):
    r"""OHEM (Shrivastava et al. 2016) for the embedding box heads
    (:class:`iHOIMBBoxHead`, and :class:`OIMBBoxHead` for the ablation).

    mmdet's ``OHEMSampler`` ranks candidate RoIs by the head's
    classification loss. An iHOIM head has no classification branch: it
    scores a box by its embedding x against the memory of
    ``bbox_head.loss_reid``. This sampler ranks the candidates by the
    detection loss of the head's ``detection_logits``, computed without
    gradient; for iHOIM that is

    .. math::
        L_{det}(x) = -\log p(Φ \mid x) \text{ for a background RoI}, \quad
        -\log p(Λ \mid x) \text{ for a person RoI}

    (for the OIM head, the cross-entropy of its classification branch),
    and keeps the ``num_expected`` highest: the backgrounds that look most
    like a person (a box half on one, a person-shaped object) instead of
    a uniform draw that mostly returns empty ground. The ranking forward
    runs the RoI head in eval mode, so batch norm uses its running
    statistics (the score the tracker would see) and the candidates do
    not update them.

    Args:
        num (int): RoIs per image.
        pos_fraction (float): upper bound on the fraction of positives.
        context (iHOIMRoIHead): the RoI head, passed by mmdet when it
            builds ``train_cfg.rcnn.sampler``.
        neg_pos_ub (int): upper bound on negatives / positives; -1: none.
        add_gt_as_proposals (bool): add the ground-truth boxes as RoIs.
    """

    def __init__(self,
                 num: int,
                 pos_fraction: float,
                 context,
                 neg_pos_ub: int = -1,
                 add_gt_as_proposals: bool = True,
                 **kwargs) -> None:
        super().__init__(num, pos_fraction, context, neg_pos_ub,
                         add_gt_as_proposals, **kwargs)
        if not hasattr(self.bbox_head, 'detection_logits'):
            raise TypeError(
                f'{type(self).__name__} ranks RoIs by the detection_logits '
                'of an embedding box head (iHOIMBBoxHead, OIMBBoxHead); got '
                f'{type(self.bbox_head).__name__}: use mmdet\'s OHEMSampler '
                'for a head with a classification branch')

    def hard_mining(self, inds: Tensor, num_expected: int, bboxes: Tensor,
                    labels: Tensor, feats: List[Tensor]) -> Tensor:
        """Indices (into ``inds``' values) of the ``num_expected``
        candidates with the highest detection loss.

        Args:
            inds (Tensor): (K,) candidate indices among the image's RoIs.
            num_expected (int): how many to keep.
            bboxes (Tensor): (K, 4) their boxes.
            labels (Tensor): (K,) their class labels; ``num_classes``
                (1) marks background.
            feats (list[Tensor]): the image's multi-level features.

        Returns:
            Tensor: (num_expected,) indices taken from ``inds``.
        """
        was_training = self.context.training
        self.context.eval()
        try:
            with torch.no_grad():
                out = self.context._bbox_forward(feats, bbox2roi([bboxes]))
                logits = self.bbox_head.detection_logits(
                    out['cls_score'], out['embeds'])
        finally:
            self.context.train(was_training)
        # logits are [person, background]: background is label num_classes
        loss = F.cross_entropy(logits, labels, reduction='none')
        return inds[loss.topk(num_expected).indices]
