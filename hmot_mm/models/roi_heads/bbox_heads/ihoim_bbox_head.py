"""Single-branch R-CNN box head: box regression plus one L2-normalised
embedding whose memory-bank softmax also gives the detection score."""
from typing import List, Optional, Tuple

import torch
import torch.nn.functional as F
from mmdet.models.layers import multiclass_nms
from mmdet.models.roi_heads.bbox_heads import BBoxHead
from mmdet.models.task_modules.samplers import SamplingResult
from mmdet.registry import MODELS
from mmdet.structures.bbox import bbox_overlaps, get_box_tensor
from mmdet.utils import ConfigType, InstanceList, OptMultiConfig
from mmengine.config import ConfigDict
from mmengine.structures import InstanceData
from torch import Tensor, nn


@MODELS.register_module()
class iHOIMBBoxHead(BBoxHead):
    r"""Hierarchical single-branch box head (paper Sec. 3.1).

    .. code-block:: none

        RoI feats -> [avg pool] -> shared fcs -+-> fc_reg -> [BN] -> deltas
                                               +-> fc_embed -> [BN] -> L2 -> x

    There is no classification branch: at inference the score of a box is
    p(person) = Σ_{i<N} softmax([LUT; queue]·x / τ)_i from ``loss_reid``
    (an :class:`iHOIMLoss`). Training labels each sampled RoI with the
    dense identity of its matched ground truth, or −1 for background, and
    regresses boxes of positives as Faster R-CNN does.

    With ``num_shared_fcs=2`` this is the Shared2FC head of an FPN model;
    with ``num_shared_fcs=0, with_avg_pool=True`` it sits on a ResNet res5
    shared head (C4), as in the person-search models this loss comes from.

    Args:
        num_shared_fcs (int): fully connected layers before the branches.
        fc_out_channels (int): width of those layers.
        embed_dim (int): d, size of the embedding. Defaults to 256.
        embed_bn (bool): batch-normalise the projection before the L2
            norm, as HOIM's and SeqNet's embedding heads do (Linear → BN →
            L2); the model bases turn it on. BN centres the batch, so the
            RoI embeddings do not start out sharing one large common
            component, the state in which table and queue rows collapse
            onto each other (every score N/(N+B)) and the gradient on
            the embedding vanishes. Defaults to False.
        reg_bn (bool): batch-normalise the box deltas (Linear → BN), as
            HOIM's and SeqNet's box regressors do; the model bases turn it
            on, following HOIM. docs/recipe.md has what it measured on the
            CPU demo. Defaults to False.
        oim_iou_thr (float, optional): the identity term (L_OIM) and the
            lookup-table update take only the positive RoIs that overlap
            their ground truth at IoU ≥ this; L_det and box regression
            still take every positive. The rest of the positives, down to
            the assigner's ``pos_iou_thr``, are persons for detection but
            not samples of their identity (SeqNet, likewise, learns its
            embedding on the boxes of a second, regressed stage). The
            share kept is logged as ``oim_frac`` (not a loss). None (the
            paper): every positive. Defaults to None.
        loss_reid (dict): config of the memory-bank loss; its ``feat_dim``
            defaults to ``embed_dim``.
        num_classes (int): must be 1 (person).
        with_cls (bool): a separate classification branch (OIM baseline).
        reg_class_agnostic (bool): see ``BBoxHead``. Defaults to True.
    """

    def __init__(self,
                 num_shared_fcs: int = 2,
                 fc_out_channels: int = 1024,
                 embed_dim: int = 256,
                 embed_bn: bool = False,
                 reg_bn: bool = False,
                 oim_iou_thr: Optional[float] = None,
                 loss_reid: ConfigType = dict(type='iHOIMLoss'),
                 num_classes: int = 1,
                 with_cls: bool = False,
                 reg_class_agnostic: bool = True,
                 init_cfg: OptMultiConfig = None,
                 **kwargs) -> None:
        if num_classes != 1:
            raise ValueError(f'{type(self).__name__} detects one class '
                             f'(person); got num_classes={num_classes}')
        if oim_iou_thr is not None and not 0 < oim_iou_thr <= 1:
            raise ValueError(
                f'oim_iou_thr must be in (0, 1] or None, got {oim_iou_thr!r}')
        super().__init__(
            num_classes=num_classes,
            with_cls=with_cls,
            reg_class_agnostic=reg_class_agnostic,
            init_cfg=init_cfg,
            **kwargs)
        in_dim = self.in_channels * (1 if self.with_avg_pool else
                                     self.roi_feat_area)
        self.shared_fcs = nn.ModuleList()
        for i in range(num_shared_fcs):
            self.shared_fcs.append(
                nn.Linear(in_dim if i == 0 else fc_out_channels,
                          fc_out_channels))
        last_dim = fc_out_channels if num_shared_fcs else in_dim
        # BBoxHead sized its predictors for the raw RoI feature: resize them
        if self.with_cls:
            self.fc_cls = nn.Linear(last_dim, num_classes + 1)
        if self.with_reg:
            box_dim = self.bbox_coder.encode_size
            self.fc_reg = nn.Linear(
                last_dim,
                box_dim if reg_class_agnostic else box_dim * num_classes)
        self.reg_bn = nn.BatchNorm1d(
            self.fc_reg.out_features) if reg_bn and self.with_reg else None
        self.fc_embed = nn.Linear(last_dim, embed_dim)
        self.embed_bn = nn.BatchNorm1d(embed_dim) if embed_bn else None
        self.oim_iou_thr = oim_iou_thr
        loss_reid = ConfigDict(loss_reid)
        if loss_reid.setdefault('feat_dim', embed_dim) != embed_dim:
            raise ValueError(f'loss_reid.feat_dim={loss_reid.feat_dim} '
                             f'differs from embed_dim={embed_dim}')
        self.loss_reid = MODELS.build(loss_reid)
        if init_cfg is None:
            if not embed_bn:
                # with BN the projection's scale does not matter, and a
                # small one would only blow up its gradient through BN
                self.init_cfg.append(
                    dict(
                        type='Normal',
                        std=0.01,
                        override=dict(name='fc_embed')))
            self.init_cfg.append(
                dict(
                    type='Xavier',
                    distribution='uniform',
                    override=dict(name='shared_fcs')))

    def forward(self, x: Tensor) -> Tuple[Optional[Tensor], Tensor, Tensor]:
        """Args:
            x (Tensor): RoI features (R, C, h, w).

        Returns:
            tuple: ``cls_score`` (R, 2) or None without a cls branch,
            ``bbox_pred`` (R, 4) and ``embeds`` (R, d), L2-normalised.
        """
        if self.with_avg_pool:
            x = self.avg_pool(x)
        x = x.flatten(1)
        for fc in self.shared_fcs:
            x = F.relu(fc(x))
        cls_score = self.fc_cls(x) if self.with_cls else None
        bbox_pred = self.fc_reg(x) if self.with_reg else None
        if self.reg_bn is not None:
            bbox_pred = self.reg_bn(bbox_pred)
        embeds = self.fc_embed(x)
        if self.embed_bn is not None:
            embeds = self.embed_bn(embeds)
        embeds = F.normalize(embeds, dim=1)
        return cls_score, bbox_pred, embeds

    def loss_and_target(self, cls_score: Optional[Tensor], bbox_pred: Tensor,
                        embeds: Tensor, rois: Tensor,
                        sampling_results: List[SamplingResult],
                        rcnn_train_cfg: ConfigDict) -> dict:
        """Box regression (and classification, if present) losses plus the
        memory-bank loss on the embeddings.

        Each ``SamplingResult`` must carry ``pos_gt_ids``: the dense
        identity of the ground truth matched by each positive RoI.

        Returns:
            dict: ``loss_bbox`` (a dict of losses, with ``oim_frac`` when
            ``oim_iou_thr`` is set) and ``bbox_targets``.
        """
        targets = self.get_targets(sampling_results, rcnn_train_cfg)
        losses = self.loss(cls_score, bbox_pred, rois, *targets)
        # RoIs are ordered positives then negatives within each image
        id_labels = torch.cat([
            torch.cat([
                res.pos_gt_ids.long(),
                res.pos_gt_ids.new_full((len(res.neg_priors), ), -1).long()
            ]) for res in sampling_results
        ])
        identity_mask = self.identity_mask(sampling_results)
        if identity_mask is not None:
            # logged on every rank and batch (0 without positives), so
            # that ranks all-reduce the same keys
            is_person = id_labels >= 0
            losses['oim_frac'] = (identity_mask & is_person).sum() / \
                is_person.sum().clamp(min=1)
        losses.update(self.loss_reid(embeds, id_labels, identity_mask))
        return dict(loss_bbox=losses, bbox_targets=targets)

    def identity_mask(
            self, sampling_results: List[SamplingResult]) -> Optional[Tensor]:
        """Which sampled RoIs may enter the identity term: a positive whose
        IoU with its assigned ground truth is at least ``oim_iou_thr``,
        and every negative (the loss ignores the mask there).

        Returns:
            Tensor or None: (R,) bool in the order of the sampled RoIs;
            None when ``oim_iou_thr`` is None (every positive).
        """
        if self.oim_iou_thr is None:
            return None
        return torch.cat([
            torch.cat([
                bbox_overlaps(
                    get_box_tensor(res.pos_priors),
                    get_box_tensor(res.pos_gt_bboxes),
                    is_aligned=True) >= self.oim_iou_thr,
                res.pos_gt_ids.new_ones((len(res.neg_priors), ),
                                        dtype=torch.bool)
            ]) for res in sampling_results
        ])

    def predict_by_feat(self,
                        rois: Tuple[Tensor],
                        cls_scores: Tuple[Optional[Tensor]],
                        bbox_preds: Tuple[Tensor],
                        embeds: Tuple[Tensor],
                        batch_img_metas: List[dict],
                        rcnn_test_cfg: Optional[ConfigDict] = None,
                        rescale: bool = False) -> InstanceList:
        """Decode boxes, score them and run NMS, keeping each kept box's
        embedding.

        Returns:
            list[InstanceData]: per image ``bboxes`` (n, 4), ``scores`` (n,)
            = p(person), ``labels`` (n,), ``embeds`` (n, d) and
            ``proposal_index`` (n,), the RoI each box was regressed from.
        """
        return [
            self._predict_single(*args, rcnn_test_cfg, rescale) for args in
            zip(rois, cls_scores, bbox_preds, embeds, batch_img_metas)
        ]

    def detection_logits(self, cls_score: Optional[Tensor],
                         embeds: Tensor) -> Tensor:
        """(R, 2) logits of [person, background]; their softmax is the
        score. Without a cls branch: [log p(Λ), log p(Φ)] from the memory."""
        if cls_score is not None:
            return cls_score
        return torch.stack(self.loss_reid.person_log_probs(embeds), dim=1)

    def empty_result(self, like: Tensor) -> InstanceData:
        """Detections of an image without RoIs, on ``like``'s device."""
        results = InstanceData()
        results.bboxes = like.new_zeros((0, 4))
        results.scores = like.new_zeros((0, ))
        results.labels = like.new_zeros((0, ), dtype=torch.long)
        results.embeds = like.new_zeros((0, self.fc_embed.out_features))
        results.proposal_index = like.new_zeros((0, ), dtype=torch.long)
        return results

    def _predict_single(self, roi: Tensor, cls_score: Optional[Tensor],
                        bbox_pred: Tensor, embeds: Tensor, img_meta: dict,
                        rcnn_test_cfg: Optional[ConfigDict],
                        rescale: bool) -> InstanceData:
        if roi.shape[0] == 0:
            return self.empty_result(roi)
        raw = self._predict_by_feat_single(
            roi=roi,
            cls_score=self.detection_logits(cls_score, embeds),
            bbox_pred=bbox_pred,
            img_meta=img_meta,
            rescale=rescale,
            rcnn_test_cfg=None)
        if rcnn_test_cfg is None:
            raw.embeds = embeds
            raw.proposal_index = torch.arange(len(roi), device=roi.device)
            return raw
        dets, labels, keep = multiclass_nms(
            raw.bboxes,
            raw.scores,
            rcnn_test_cfg.score_thr,
            rcnn_test_cfg.nms,
            rcnn_test_cfg.max_per_img,
            return_inds=True)
        results = InstanceData()
        results.bboxes = dets[:, :-1]
        results.scores = dets[:, -1]
        results.labels = labels
        results.embeds = embeds[keep // self.num_classes]
        results.proposal_index = keep // self.num_classes
        return results
