"""iHOIM loss (Sec. 3.2 of the paper) with Selective Memory Refreshment."""
import math
from typing import Dict, Optional, Tuple

import torch
from mmdet.registry import MODELS
from torch import Tensor

from .memory_bank import (MemoryBankLoss, check_identity_labels,
                          gather_across_ranks, is_written)


@MODELS.register_module()
class iHOIMLoss(MemoryBankLoss):
    r"""Improved Hierarchical Online Instance Matching loss.

    Memory: ``lookup_table`` W_id (N, d), one row per identity, and
    ``bg_queue`` W_bg (B, d) of background embeddings with importance
    ``bg_importance`` ω (B,). Unwritten rows are zero vectors; they take
    part in the softmax with score 0, as in OIM, so the loss is finite from
    the first iteration on.

    For an L2-normalised embedding x:

    .. math::
        s = [W_{id}; W_{bg}]\,x / τ, \quad p = \mathrm{softmax}(s) \\
        p(Λ) = \sum_{i<N} p_i, \quad p(Φ) = \sum_{i≥N} p_i \\
        L_{det} = -y \log p(Λ) - (1-y) \log p(Φ) \\
        L_{OIM} = -\log \mathrm{softmax}(s_{:N})_k, \quad
        λ = c\,\mathrm{sg}[p(Λ)]^2 \\
        L = \mathrm{mean}_{all}\,L_{det} + \mathrm{mean}_{pos}\,λ L_{OIM}

    The paper uses c = 2 (``oim_weight``). ``forward``'s optional
    ``identity_mask`` narrows mean_pos (and the table update) to the
    positives it keeps; L_det still counts every positive as a person.

    All log-probabilities are differences of ``logsumexp`` terms, so no
    input (an empty queue or table included) gives NaN or inf.

    Memory update (:meth:`update_memory`, no gradient): the identity rows by
    momentum (see ``MemoryBankLoss``) and the queue by HOIM's Selective
    Memory Refreshment: each background candidate gets

    .. math:: ω = \max(x·W_{id}) / (\max(x·W_{bg}) + ε)

    computed against the memory the loss used (ε = ``smr_eps`` only keeps
    the division finite). It overwrites the slot of lowest stored ω only
    if its ω is at least that lowest ω; then every stored ω is multiplied
    by ``smr_decay``. An empty slot holds ω = 0, so a candidate fills it
    unless its ω is negative; as in HOIM, empty (zero) rows take part in
    the maxima with similarity 0. The signs follow HOIM: a candidate that
    resembles a person but no stored background (max x·W_bg < 0) gets
    ω < 0 and is rejected, instead of counting as maximally novel. This
    keeps the queue to hard backgrounds that are like some stored
    background, and stops a one-off outlier from holding a slot for
    hundreds of decays. Candidates are taken in batch order; the queue
    then holds the same entries as after inserting them one by one.

    Inference bank (optional, ``bg_bank``, empty by default): extra
    background rows W_bank that join the queue at inference only (in eval
    mode). With K bank rows, p(Φ) then sums over [W_bg; W_bank] with each
    row weighted B/(B+K):

    .. math::
        p(Φ) ∝ \tfrac{B}{B+K} \sum_{j ∈ bg ∪ bank} \exp(s_j)

    the expected background mass of a queue of B rows drawn from the
    B + K, so the background keeps the weight it had in training (where
    L_det calibrated p(Λ) against B rows) and the bank only changes which
    backgrounds it holds. ``PreciseMemoryHook`` writes the bank after
    training, so that scores do not hang on which few backgrounds the B
    slots held when training stopped. Its row count is the checkpoint's.

    Args:
        num_ids (int): N, identities in the lookup table.
        bg_queue_size (int): B, slots in the background queue.
        feat_dim (int): d. Defaults to 256.
        temperature (float): τ. Defaults to 1/30.
        momentum (float): η of the lookup table. Defaults to 0.5.
        smr_decay (float): per-update decay of ω. Defaults to 0.99.
        oim_weight (float): c in λ = c·sg[p(Λ)]². Defaults to 2.0.
        loss_weight (float): factor on both losses. Defaults to 1.0.
        smr_eps (float): ε added to the SMR denominator. Defaults to
            1e-12, as HOIM.
    """

    variable_shape_buffers = ('bg_bank', )

    def __init__(self,
                 num_ids: int,
                 bg_queue_size: int,
                 feat_dim: int = 256,
                 temperature: float = 1 / 30,
                 momentum: float = 0.5,
                 smr_decay: float = 0.99,
                 oim_weight: float = 2.0,
                 loss_weight: float = 1.0,
                 smr_eps: float = 1e-12) -> None:
        super().__init__(num_ids, feat_dim, temperature, momentum, loss_weight)
        if not isinstance(bg_queue_size, int) or bg_queue_size < 1:
            raise ValueError('bg_queue_size must be a positive int, got '
                             f'{bg_queue_size!r}')
        if not 0 < smr_decay <= 1:
            raise ValueError(f'smr_decay must be in (0, 1], got {smr_decay!r}')
        if not oim_weight >= 0:
            raise ValueError(f'oim_weight must be >= 0, got {oim_weight!r}')
        if not smr_eps > 0:
            raise ValueError(f'smr_eps must be > 0, got {smr_eps!r}')
        self.bg_queue_size = bg_queue_size
        self.smr_decay = smr_decay
        self.oim_weight = oim_weight
        self.smr_eps = smr_eps
        self.register_buffer('bg_queue', torch.zeros(bg_queue_size, feat_dim))
        self.register_buffer('bg_importance', torch.zeros(bg_queue_size))
        self.register_buffer('bg_bank', torch.zeros(0, feat_dim))

    def set_bg_bank(self, rows: Tensor) -> None:
        """Replace the inference bank with ``rows`` (K, d), unit rows."""
        if rows.dim() != 2 or rows.shape[1] != self.feat_dim:
            raise ValueError(f'bg_bank rows must be (K, {self.feat_dim}), '
                             f'got {tuple(rows.shape)}')
        self.bg_bank = rows.detach().to(self.bg_queue).clone()

    def _load_from_state_dict(self, state_dict, prefix, *args,
                              **kwargs) -> None:
        # the bank takes the checkpoint's row count (none in older ones)
        rows = state_dict.setdefault(prefix + 'bg_bank',
                                     self.bg_bank.new_zeros(0, self.feat_dim))
        self.bg_bank = self.bg_bank.new_zeros(rows.shape)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def _log_probs(self, embeds: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        """Return (s, log p(Λ), log p(Φ)) for embeddings (M, d); in eval
        mode the background rows include the inference bank, weighted so
        that they count as B rows (see the class docstring)."""
        rows = [self.lookup_table, self.bg_queue]
        log_bg_weight = 0.0
        if not self.training and len(self.bg_bank):
            rows.append(self.bg_bank)
            log_bg_weight = math.log(self.bg_queue_size /
                                     (self.bg_queue_size + len(self.bg_bank)))
        memory = torch.cat(rows).to(embeds)
        scores = embeds @ memory.t() / self.temperature
        log_id_mass = scores[:, :self.num_ids].logsumexp(dim=1)
        log_bg_mass = scores[:, self.num_ids:].logsumexp(dim=1) + log_bg_weight
        log_total = torch.logaddexp(log_id_mass, log_bg_mass)
        return scores, log_id_mass - log_total, log_bg_mass - log_total

    def person_log_probs(self, embeds: Tensor) -> Tuple[Tensor, Tensor]:
        """log p(person) and log p(background) of each embedding (M, d);
        the detection score at inference is ``exp`` of the first."""
        _, log_person, log_bg = self._log_probs(embeds)
        return log_person, log_bg

    def forward(self,
                embeds: Tensor,
                labels: Tensor,
                identity_mask: Optional[Tensor] = None) -> Dict[str, Tensor]:
        """Compute the two levels of the loss.

        Args:
            embeds (Tensor): (M, d) L2-normalised embeddings.
            labels (Tensor): (M,) long; -1 background, 0..N-1 identity.
            identity_mask (Tensor, optional): (M,) bool. A positive with
                False counts as a person in L_det but is left out of
                L_OIM (whose mean runs over the positives kept) and of the
                lookup-table update. None keeps every positive (the paper).

        Returns:
            dict[str, Tensor]: ``loss_det`` and ``loss_oim``, scalars.
        """
        check_identity_labels(labels, self.num_ids)
        takes_identity = self.identity_rows(labels, identity_mask)
        self._remember(embeds, labels, takes_identity)
        scores, log_person, log_bg = self._log_probs(embeds)
        is_person = labels >= 0
        zero = embeds.sum() * 0  # keeps the graph when a term is empty
        if labels.numel() == 0:
            loss_det = zero
        else:
            loss_det = -torch.where(is_person, log_person, log_bg).mean()
        if takes_identity.any():
            id_scores = scores[takes_identity, :self.num_ids]
            log_p_id = id_scores.log_softmax(dim=1).gather(
                1, labels[takes_identity, None]).squeeze(1)
            p_person = log_person[takes_identity].detach().exp()
            weight = self.oim_weight * p_person**2
            loss_oim = -(weight * log_p_id).mean()
        else:
            loss_oim = zero
        return dict(
            loss_det=self.loss_weight * loss_det,
            loss_oim=self.loss_weight * loss_oim)

    @torch.no_grad()
    def update_memory(self, embeds: Tensor, labels: Tensor) -> None:
        """Momentum-update the lookup table and refresh the background queue
        by SMR with one batch (gathered from all ranks first).

        Args:
            embeds (Tensor): (M, d) L2-normalised embeddings.
            labels (Tensor): (M,) long; -1 background, 0..N-1 identity.
        """
        check_identity_labels(labels, self.num_ids)
        embeds, labels = gather_across_ranks(
            embeds.to(self.lookup_table), labels)
        candidates = embeds[labels < 0]
        importance = self.smr_importance(candidates)
        self._update_lookup_table(embeds, labels)
        self._refresh_queue(candidates, importance)
        self.bg_importance.mul_(self.smr_decay)

    def smr_importance(self, candidates: Tensor) -> Tensor:
        """ω = max(x·W_id) / (max(x·W_bg) + ε) of each candidate (K, d)."""
        person_sim = (candidates @ self.lookup_table.t()).amax(dim=1)
        bg_sim = (candidates @ self.bg_queue.t()).amax(dim=1)
        return person_sim / (bg_sim + self.smr_eps)

    @torch.no_grad()
    def memory_stats(self) -> Dict[str, float]:
        """``MemoryBankLoss.memory_stats`` plus ``bg_queue_fill``,
        ``bg_importance`` (mean ω of the written slots) and ``lut_bg_cos``,
        the mean cosine between a written table row and a written queue
        row: near 0 while detection can separate the two, near 1 when the
        memory has collapsed (every score then N/(N+B))."""
        stats = super().memory_stats()
        written = is_written(self.bg_queue)
        stats['bg_queue_fill'] = float(written.float().mean())
        stats['bg_importance'] = float(self.bg_importance[written].mean())
        lut = self.lookup_table[is_written(self.lookup_table)]
        queue = self.bg_queue[written]
        pairs = len(lut) * len(queue)
        stats['lut_bg_cos'] = float(lut.sum(0) @ queue.sum(0) /
                                    pairs) if pairs else float('nan')
        return stats

    def _refresh_queue(self, candidates: Tensor, importance: Tensor) -> None:
        """Insert candidates by the SMR rule.

        Inserting one by one (replace the lowest ω if ω ≥ it) keeps the B
        largest ω of stored ∪ candidates, a later entry winning a tie. The
        slots freed are filled in the order the one-by-one rule frees them:
        lowest stored ω first, lower slot index first among equals.
        """
        if candidates.shape[0] == 0:
            return
        size = self.bg_queue_size
        pool = torch.cat([self.bg_importance, importance])
        # stable sort of the reversed pool: among equal ω the later entry
        # of the original order comes first
        order = pool.flip(0).sort(descending=True, stable=True).indices
        kept = torch.zeros_like(pool, dtype=torch.bool)
        kept[pool.numel() - 1 - order[:size]] = True
        freed = (~kept[:size]).nonzero().squeeze(1)
        freed = freed[self.bg_importance[freed].sort(stable=True).indices]
        newcomers = kept[size:].nonzero().squeeze(1)
        self.bg_queue[freed] = candidates[newcomers]
        self.bg_importance[freed] = importance[newcomers]

    def extra_repr(self) -> str:
        return (
            f'num_ids={self.num_ids}, bg_queue_size={self.bg_queue_size}, '
            f'feat_dim={self.feat_dim}, temperature={self.temperature:.4g},'
            f' momentum={self.momentum}, smr_decay={self.smr_decay}, '
            f'oim_weight={self.oim_weight}')
