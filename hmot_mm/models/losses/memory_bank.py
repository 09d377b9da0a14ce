"""What the OIM-family losses share: a lookup table of identity embeddings
updated by momentum, label checks, and gathering a batch from all ranks so
that every rank applies the same memory update."""
from typing import Dict, Optional, Tuple

import torch
import torch.distributed as dist
from torch import Tensor, nn


def check_identity_labels(labels: Tensor, num_ids: int) -> None:
    """Raise a clear error for labels outside ``-1 .. num_ids-1``.

    Args:
        labels (Tensor): (M,) long; -1 background, 0..N-1 dense identity.
        num_ids (int): N, the number of identities in the lookup table.
    """
    if labels.numel() == 0:
        return
    bad = (labels < -1) | (labels >= num_ids)
    if bool(bad.any()):
        label = int(labels[bad][0])
        raise ValueError(
            f'identity label {label} is outside the lookup table: num_ids='
            f'{num_ids} allows -1 (background) and 0..{num_ids - 1}. Set '
            f'num_ids to the N that the dataset converter reported.')


def gather_across_ranks(embeds: Tensor,
                        labels: Tensor) -> Tuple[Tensor, Tensor]:
    """Concatenate ``embeds``/``labels`` of every rank in rank order.

    Each rank may hold a different number of rows; rows are padded to the
    largest count for ``all_gather`` and trimmed afterwards. Without an
    initialised process group the inputs are returned unchanged.

    Returns:
        tuple[Tensor, Tensor]: the gathered embeddings (sum M, d) and labels.
    """
    if not (dist.is_available() and dist.is_initialized()) or \
            dist.get_world_size() == 1:
        return embeds, labels
    world_size = dist.get_world_size()
    count = torch.tensor([embeds.shape[0]], device=embeds.device)
    counts = [torch.zeros_like(count) for _ in range(world_size)]
    dist.all_gather(counts, count)
    counts = [int(c) for c in counts]
    max_count = max(counts)
    padded_embeds = embeds.new_zeros((max_count, embeds.shape[1]))
    padded_embeds[:embeds.shape[0]] = embeds
    padded_labels = labels.new_full((max_count, ), -1)
    padded_labels[:labels.shape[0]] = labels
    all_embeds = [torch.empty_like(padded_embeds) for _ in range(world_size)]
    all_labels = [torch.empty_like(padded_labels) for _ in range(world_size)]
    dist.all_gather(all_embeds, padded_embeds)
    dist.all_gather(all_labels, padded_labels)
    return (torch.cat([e[:n] for e, n in zip(all_embeds, counts)]),
            torch.cat([lb[:n] for lb, n in zip(all_labels, counts)]))


def is_written(memory: Tensor) -> Tensor:
    """(rows,) bool: which rows of a memory bank hold an embedding (an
    unwritten row is all zeros)."""
    return memory.norm(dim=1) > 0


def mean_pair_cosine(rows: Tensor) -> float:
    """Mean of x_i·x_j over pairs i ≠ j of unit rows, in O(n·d):
    Σ_{i≠j} x_i·x_j = ‖Σ_i x_i‖² − n. NaN for fewer than two rows."""
    n = rows.shape[0]
    if n < 2:
        return float('nan')
    total = rows.sum(dim=0)
    return float((total @ total - n) / (n * (n - 1)))


class MemoryBankLoss(nn.Module):
    """Base of losses that score embeddings against a memory bank.

    It owns ``lookup_table`` (N, d) and keeps the (detached) embeddings and
    labels of the last training forward, so that ``MemoryBufferHook`` can
    update the memory with exactly what the loss saw once the optimiser has
    stepped (:meth:`update_memory_from_last_forward`).

    Args:
        num_ids (int): N, identities in the lookup table.
        feat_dim (int): d, the embedding size.
        temperature (float): τ of the softmax over cosine scores.
        momentum (float): η of the lookup table update.
        loss_weight (float): factor on every returned loss.
    """

    def __init__(self, num_ids: int, feat_dim: int, temperature: float,
                 momentum: float, loss_weight: float) -> None:
        super().__init__()
        for name, value in (('num_ids', num_ids), ('feat_dim', feat_dim)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(
                    f'{name} must be a positive int, got {value!r}')
        if not temperature > 0:
            raise ValueError(f'temperature must be > 0, got {temperature!r}')
        if not 0 <= momentum < 1:
            raise ValueError(f'momentum must be in [0, 1), got {momentum!r}')
        self.num_ids = num_ids
        self.feat_dim = feat_dim
        self.temperature = temperature
        self.momentum = momentum
        self.loss_weight = loss_weight
        self.register_buffer('lookup_table', torch.zeros(num_ids, feat_dim))
        self._last_forward: Optional[Tuple[Tensor, Tensor]] = None

    @staticmethod
    def identity_rows(labels: Tensor,
                      identity_mask: Optional[Tensor] = None) -> Tensor:
        """(M,) bool: the rows that enter the identity term and update the
        lookup table, i.e. those with an identity (label ≥ 0) that
        ``identity_mask`` keeps (every one without a mask).

        Args:
            labels (Tensor): (M,) long; -1 background, 0..N-1 identity.
            identity_mask (Tensor, optional): (M,) bool; False takes a
                positive out of the identity term and the table update
                (it stays a person for detection). Ignored on background
                rows.
        """
        has_identity = labels >= 0
        if identity_mask is None:
            return has_identity
        if identity_mask.dtype != torch.bool or \
                identity_mask.shape != labels.shape:
            raise ValueError(
                'identity_mask must be a bool tensor shaped like labels '
                f'{tuple(labels.shape)}, got {identity_mask.dtype} '
                f'{tuple(identity_mask.shape)}')
        return has_identity & identity_mask

    def _remember(self, embeds: Tensor, labels: Tensor,
                  takes_identity: Tensor) -> None:
        """Keep the batch for the memory update, in batch order, without
        the positives that the identity term left out."""
        if self.training:
            kept = (labels < 0) | takes_identity
            self._last_forward = (embeds[kept].detach(), labels[kept].detach())

    def update_memory_from_last_forward(self) -> bool:
        """Apply :meth:`update_memory` to the last training forward's batch.

        Returns:
            bool: False when no forward happened since the last update.
        """
        if self._last_forward is None:
            return False
        embeds, labels = self._last_forward
        self._last_forward = None
        self.update_memory(embeds, labels)
        return True

    def update_memory(self, embeds: Tensor, labels: Tensor) -> None:
        raise NotImplementedError

    @torch.no_grad()
    def memory_stats(self) -> Dict[str, float]:
        """Health of the memory, logged by ``MemoryBufferHook``.

        Returns:
            dict[str, float]: ``lut_fill``, the written fraction of the
            lookup table, and ``lut_cos``, the mean cosine between two
            distinct written rows (1 when all rows collapsed onto one
            direction; 0 for spread-out rows).
        """
        rows = self.lookup_table[is_written(self.lookup_table)]
        return dict(
            lut_fill=len(rows) / self.num_ids, lut_cos=mean_pair_cosine(rows))

    @torch.no_grad()
    def _update_lookup_table(self, embeds: Tensor, labels: Tensor) -> None:
        """w_k ← η·w_k + (1−η)·x, then w_k ← w_k / ‖w_k‖, sample by sample
        in batch order (as in OIM), for every x with identity k ≥ 0."""
        eta = self.momentum
        for x, k in zip(embeds[labels >= 0], labels[labels >= 0].tolist()):
            row = eta * self.lookup_table[k] + (1 - eta) * x
            self.lookup_table[k] = row / row.norm().clamp(min=1e-12)
