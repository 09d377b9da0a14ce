"""Plain OIM loss (Xiao et al. 2017), the baseline of the paper's ablation."""
from typing import Dict

import torch
from mmdet.registry import MODELS
from torch import Tensor

from .memory_bank import (MemoryBankLoss, check_identity_labels,
                          gather_across_ranks)


@MODELS.register_module()
class OIMLoss(MemoryBankLoss):
    r"""Online Instance Matching over a lookup table and a FIFO queue.

    .. math::
        s = [W_{id}; W_{q}]\,x / τ, \qquad
        L_{OIM} = \mathrm{mean}_{pos} -\log \mathrm{softmax}(s)_k

    Only embeddings with an identity (label k ≥ 0) are scored: detection is
    left to the R-CNN classification branch, there is no hierarchy and no
    weight λ. OIM's queue holds unlabelled persons; MOT ground truth gives
    every pedestrian an identity, so here the FIFO queue holds background
    RoI embeddings (the newest ``queue_size``), the same candidates that
    iHOIM's queue selects from by SMR. The ablation OIM vs. iHOIM thus
    changes only what the paper changes.

    Args:
        num_ids (int): N, identities in the lookup table.
        queue_size (int): B, slots of the FIFO queue.
        feat_dim (int): d. Defaults to 256.
        temperature (float): τ. Defaults to 1/30.
        momentum (float): η of the lookup table. Defaults to 0.5.
        loss_weight (float): factor on the loss. Defaults to 1.0.
    """

    def __init__(self,
                 num_ids: int,
                 queue_size: int,
                 feat_dim: int = 256,
                 temperature: float = 1 / 30,
                 momentum: float = 0.5,
                 loss_weight: float = 1.0) -> None:
        super().__init__(num_ids, feat_dim, temperature, momentum, loss_weight)
        if not isinstance(queue_size, int) or queue_size < 1:
            raise ValueError(
                f'queue_size must be a positive int, got {queue_size!r}')
        self.queue_size = queue_size
        self.register_buffer('bg_queue', torch.zeros(queue_size, feat_dim))
        self.register_buffer('queue_head', torch.zeros((), dtype=torch.long))

    def forward(self, embeds: Tensor, labels: Tensor) -> Dict[str, Tensor]:
        """Args:
            embeds (Tensor): (M, d) L2-normalised embeddings.
            labels (Tensor): (M,) long; -1 background, 0..N-1 identity.

        Returns:
            dict[str, Tensor]: ``loss_oim``, a scalar (a zero that keeps the
            graph when no embedding has an identity).
        """
        check_identity_labels(labels, self.num_ids)
        self._remember(embeds, labels)
        is_person = labels >= 0
        if not is_person.any():
            return dict(loss_oim=embeds.sum() * 0)
        memory = torch.cat([self.lookup_table, self.bg_queue]).to(embeds)
        scores = embeds[is_person] @ memory.t() / self.temperature
        log_p_id = scores.log_softmax(dim=1).gather(1, labels[is_person,
                                                              None]).squeeze(1)
        return dict(loss_oim=-self.loss_weight * log_p_id.mean())

    @torch.no_grad()
    def update_memory(self, embeds: Tensor, labels: Tensor) -> None:
        """Momentum-update the lookup table and push the background
        embeddings into the FIFO queue (gathered from all ranks first)."""
        check_identity_labels(labels, self.num_ids)
        embeds, labels = gather_across_ranks(
            embeds.to(self.lookup_table), labels)
        self._update_lookup_table(embeds, labels)
        background = embeds[labels < 0][-self.queue_size:]
        slots = (self.queue_head + torch.arange(
            background.shape[0], device=background.device)) % self.queue_size
        self.bg_queue[slots] = background
        self.queue_head.copy_(
            (self.queue_head + background.shape[0]) % self.queue_size)
