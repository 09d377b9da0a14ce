"""Plain OIM loss (Xiao et al. 2017), the baseline of the paper's ablation."""
from typing import Dict, Optional

from mmdet.registry import MODELS
from torch import Tensor

from .memory_bank import (MemoryBankLoss, check_identity_labels,
                          gather_across_ranks)


@MODELS.register_module()
class OIMLoss(MemoryBankLoss):
    r"""Online Instance Matching over the identities' lookup table.

    .. math::
        s = W_{id}\,x / τ, \qquad
        L_{OIM} = \mathrm{mean}_{pos} -\log \mathrm{softmax}(s)_k

    Only embeddings with an identity (label k ≥ 0) are scored; background
    RoIs never enter the softmax. Detection is the job of the R-CNN
    classification branch, a separate loss: this is the paper's "R-CNN
    classification loss + OIM loss, two independent losses". OIM's second
    memory, a queue of *unlabelled persons*, is empty on MOT data, where
    every annotated pedestrian has an identity, so it is left out; a queue
    of background RoIs would hand the re-ID loss a detection signal, which
    is exactly what iHOIM adds and the ablation must not.

    Args:
        num_ids (int): N, identities in the lookup table.
        feat_dim (int): d. Defaults to 256.
        temperature (float): τ. Defaults to 1/30.
        momentum (float): η of the lookup table. Defaults to 0.5.
        loss_weight (float): factor on the loss. Defaults to 1.0.
    """

    def __init__(self,
                 num_ids: int,
                 feat_dim: int = 256,
                 temperature: float = 1 / 30,
                 momentum: float = 0.5,
                 loss_weight: float = 1.0) -> None:
        super().__init__(num_ids, feat_dim, temperature, momentum, loss_weight)

    def forward(self,
                embeds: Tensor,
                labels: Tensor,
                identity_mask: Optional[Tensor] = None) -> Dict[str, Tensor]:
        """Args:
            embeds (Tensor): (M, d) L2-normalised embeddings.
            labels (Tensor): (M,) long; -1 background, 0..N-1 identity.
            identity_mask (Tensor, optional): (M,) bool; a positive with
                False is left out of the loss and the table update. None
                keeps every positive.

        Returns:
            dict[str, Tensor]: ``loss_oim``, a scalar (a zero that keeps the
            graph when no embedding has an identity).
        """
        check_identity_labels(labels, self.num_ids)
        takes_identity = self.identity_rows(labels, identity_mask)
        self._remember(embeds, labels, takes_identity)
        if not takes_identity.any():
            return dict(loss_oim=embeds.sum() * 0)
        scores = embeds[takes_identity] @ self.lookup_table.to(
            embeds).t() / self.temperature
        log_p_id = scores.log_softmax(dim=1).gather(
            1, labels[takes_identity, None]).squeeze(1)
        return dict(loss_oim=-self.loss_weight * log_p_id.mean())

    def update_memory(self, embeds: Tensor, labels: Tensor) -> None:
        """Momentum-update the lookup table with the batch's identity
        embeddings (gathered from all ranks first)."""
        check_identity_labels(labels, self.num_ids)
        self._update_lookup_table(
            *gather_across_ranks(embeds.to(self.lookup_table), labels))
