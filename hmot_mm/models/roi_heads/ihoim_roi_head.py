"""RoI head that carries identity labels to, and embeddings from, an
embedding box head (:class:`iHOIMBBoxHead`, :class:`OIMBBoxHead`)."""
from typing import List, Tuple

from mmdet.models.roi_heads import StandardRoIHead
from mmdet.models.task_modules.samplers import SamplingResult
from mmdet.models.utils import unpack_gt_instances
from mmdet.registry import MODELS
from mmdet.structures import DetDataSample
from mmdet.structures.bbox import bbox2roi
from mmdet.utils import ConfigType, InstanceList
from torch import Tensor


@MODELS.register_module()
class iHOIMRoIHead(StandardRoIHead):
    """Standard RoI head whose box head also returns embeddings.

    Training: every sampled positive RoI gets ``pos_gt_ids``, the dense
    identity (``gt_instances.instances_ids``, 0..N−1) of the ground truth
    it was assigned to; the box head turns them into the memory-bank loss
    labels. Inference: ``pred_instances`` gain ``embeds`` aligned with
    ``bboxes``/``scores``/``labels`` after NMS. Works with an FPN RoI
    extractor or a ResNet res5 ``shared_head`` (C4). Mask heads are not
    supported.
    """

    def loss(self, x: Tuple[Tensor], rpn_results_list: InstanceList,
             batch_data_samples: List[DetDataSample]) -> dict:
        """Assign and sample proposals, attach identities, compute losses.

        Returns:
            dict[str, Tensor]: box regression, detection and ReID losses.
        """
        batch_gt_instances, batch_gt_instances_ignore, _ = \
            unpack_gt_instances(batch_data_samples)
        sampling_results = []
        for i, gt_instances in enumerate(batch_gt_instances):
            if 'instances_ids' not in gt_instances:
                raise KeyError(
                    f'{type(self).__name__} needs gt_instances.instances_ids'
                    ' (dense identities 0..N-1) in every training sample; '
                    'load data with hmot_mm.MOTFrameDataset and '
                    'PackReIDDetInputs')
            rpn_results = rpn_results_list[i]
            rpn_results.priors = rpn_results.pop('bboxes')
            assign_result = self.bbox_assigner.assign(
                rpn_results, gt_instances, batch_gt_instances_ignore[i])
            sampling_result = self.bbox_sampler.sample(
                assign_result,
                rpn_results,
                gt_instances,
                feats=[lvl_feat[i][None] for lvl_feat in x])
            sampling_result.pos_gt_ids = gt_instances.instances_ids[
                sampling_result.pos_assigned_gt_inds]
            sampling_results.append(sampling_result)
        return self.bbox_loss(x, sampling_results)['loss_bbox']

    def _bbox_forward(self, x: Tuple[Tensor], rois: Tensor) -> dict:
        """Returns:
            dict: ``cls_score`` (None for iHOIM), ``bbox_pred``, ``embeds``
            and ``bbox_feats``.
        """
        bbox_feats = self.bbox_roi_extractor(
            x[:self.bbox_roi_extractor.num_inputs], rois)
        if self.with_shared_head:
            bbox_feats = self.shared_head(bbox_feats)
        cls_score, bbox_pred, embeds = self.bbox_head(bbox_feats)
        return dict(
            cls_score=cls_score,
            bbox_pred=bbox_pred,
            embeds=embeds,
            bbox_feats=bbox_feats)

    def bbox_loss(self, x: Tuple[Tensor],
                  sampling_results: List[SamplingResult]) -> dict:
        rois = bbox2roi([res.priors for res in sampling_results])
        bbox_results = self._bbox_forward(x, rois)
        loss_and_target = self.bbox_head.loss_and_target(
            cls_score=bbox_results['cls_score'],
            bbox_pred=bbox_results['bbox_pred'],
            embeds=bbox_results['embeds'],
            rois=rois,
            sampling_results=sampling_results,
            rcnn_train_cfg=self.train_cfg)
        bbox_results.update(loss_bbox=loss_and_target['loss_bbox'])
        return bbox_results

    def predict_bbox(self,
                     x: Tuple[Tensor],
                     batch_img_metas: List[dict],
                     rpn_results_list: InstanceList,
                     rcnn_test_cfg: ConfigType,
                     rescale: bool = False) -> InstanceList:
        """Detect on the proposals of each image.

        Returns:
            list[InstanceData]: ``bboxes``, ``scores``, ``labels``,
            ``embeds`` per image.
        """
        proposals = [res.bboxes for res in rpn_results_list]
        rois = bbox2roi(proposals)
        if rois.shape[0] == 0:
            return [self.bbox_head.empty_result(rois) for _ in proposals]
        num_per_img = tuple(len(p) for p in proposals)
        bbox_results = self._bbox_forward(x, rois)
        cls_scores = bbox_results['cls_score']
        cls_scores = (
            cls_scores.split(num_per_img) if cls_scores is not None else
            (None, ) * len(proposals))
        return self.bbox_head.predict_by_feat(
            rois=rois.split(num_per_img),
            cls_scores=cls_scores,
            bbox_preds=bbox_results['bbox_pred'].split(num_per_img),
            embeds=bbox_results['embeds'].split(num_per_img),
            batch_img_metas=batch_img_metas,
            rcnn_test_cfg=rcnn_test_cfg,
            rescale=rescale)
