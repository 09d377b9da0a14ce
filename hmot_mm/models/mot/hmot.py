"""HMOT: the hierarchical single-branch network with motion proposals and
DeepSORT association (paper Fig. 1 and 2)."""
import copy
from typing import Optional

import numpy as np
import torch
from mmdet.models.mot import BaseMOTModel
from mmdet.registry import MODELS
from mmdet.structures import TrackSampleList
from mmdet.utils import OptConfigType, OptMultiConfig
from mmengine.structures import InstanceData
from torch import Tensor


@MODELS.register_module()
class HMOT(BaseMOTModel):
    """One-stage tracker: a two-stage detector whose R-CNN head returns
    embeddings (``iHOIMRoIHead``) and a :class:`MotionProposalTracker`.

    Per frame: backbone + neck → RPN proposals → **plus the tracker's
    motion proposals** (Kalman-predicted boxes of live tracks, scaled to the
    network input by ``scale_factor``, score 1) → R-CNN head → boxes,
    p(person) scores and embeddings → DeepSORT association. Training is the
    detector's (on frames, ``DetDataSample``); ``motion_proposals=False`` is
    the ablation "−MM".

    With ``motion_proposals_in_rpn_cap`` the motion proposals count against
    the RPN's cap ``c`` (``test_cfg.rpn.max_per_img``): for ``k`` of them the
    RPN keeps its ``max(c - k, c // 2)`` highest-scoring proposals, so the
    R-CNN head sees no more RoIs than the detector alone until the tracks
    outnumber half the cap (a crowd beyond that adds its excess).

    Args:
        detector (dict): a two-stage detector config.
        tracker (dict): a tracker with ``motion_proposals()``, ``track()``,
            ``tentative`` and ``reset()`` (:class:`MotionProposalTracker`).
        motion_proposals (bool): feed predictions back as proposals.
        motion_proposals_in_rpn_cap (bool): the motion proposals take the
            places of the RPN's lowest-scoring proposals (see above) instead
            of joining all of them.
        data_preprocessor (dict, optional): a ``TrackDataPreprocessor``;
            by default the detector's own preprocessor settings, moved here
            as ``TrackDataPreprocessor(use_det_processor=True)``.
        init_cfg (dict, optional): initialisation config.
    """

    def __init__(self,
                 detector: dict,
                 tracker: Optional[dict] = None,
                 motion_proposals: bool = True,
                 motion_proposals_in_rpn_cap: bool = False,
                 data_preprocessor: OptConfigType = None,
                 init_cfg: OptMultiConfig = None) -> None:
        detector = copy.deepcopy(detector)
        detector_preprocessor = detector.pop('data_preprocessor', None)
        if data_preprocessor is None and detector_preprocessor is not None:
            data_preprocessor = dict(
                detector_preprocessor,
                type='mmdet.TrackDataPreprocessor',
                use_det_processor=True)
        super().__init__(data_preprocessor, init_cfg)
        if tracker is None:
            raise ValueError('HMOT needs a tracker config, e.g. '
                             "tracker=dict(type='MotionProposalTracker')")
        self.detector = MODELS.build(detector)
        if not (hasattr(self.detector, 'rpn_head')
                and hasattr(self.detector, 'roi_head')):
            raise TypeError('HMOT needs a two-stage detector (rpn_head and '
                            f'roi_head); got {type(self.detector).__name__}')
        # mmdet's MobileNetV2 stops its frozen stages' gradients only in
        # train(), which mmengine calls after wrapping the model in DDP: DDP
        # would then wait for gradients those parameters never get. Applying
        # the freeze now gives DDP the set that trains.
        self.detector.backbone.train(self.training)
        self.tracker = MODELS.build(tracker)
        self.motion_proposals = motion_proposals
        self.motion_proposals_in_rpn_cap = motion_proposals_in_rpn_cap
        self._frame_shape = None

    def loss(self, inputs: Tensor, data_samples, **kwargs) -> dict:
        """Train the detector on single frames."""
        return self.detector.loss(inputs, data_samples, **kwargs)

    def predict(self, inputs: Tensor, data_samples: TrackSampleList,
                **kwargs) -> TrackSampleList:
        """Track the frames of one video clip.

        Args:
            inputs (Tensor): (1, T, C, H, W) frames.
            data_samples (list[TrackDataSample]): one sample of T frames.

        Returns:
            list[TrackDataSample]: each frame gains ``pred_track_instances``
            (``bboxes``, ``instances_id``, ``scores``, ``labels``), the same
            of the tracks not reported yet as ``pred_tentative_instances``
            (the tracker's ``tentative``), and ``pred_instances``
            (detections with ``embeds``).
        """
        if inputs.dim() != 5 or inputs.size(0) != 1 or len(data_samples) != 1:
            raise ValueError('HMOT tracks one video at a time: inputs must '
                             'be (1, T, C, H, W)')
        track_sample = data_samples[0]
        for t in range(len(track_sample)):
            frame = track_sample[t]
            self._start_or_check_sequence(frame)
            detections = self.detect(inputs[:, t].contiguous(), frame)
            bboxes, ids, scores = self.tracker.track(
                detections.bboxes.cpu().numpy(),
                detections.scores.cpu().numpy(),
                detections.embeds.cpu().numpy(),
                detections.from_motion.cpu().numpy())
            frame.pred_instances = detections
            frame.pred_track_instances = self._track_instances(
                bboxes, ids, scores, inputs.device)
            frame.pred_tentative_instances = self._track_instances(
                *self.tracker.tentative, inputs.device)
        return [track_sample]

    @staticmethod
    def _track_instances(bboxes: np.ndarray, ids: np.ndarray,
                         scores: np.ndarray, device) -> InstanceData:
        return InstanceData(
            bboxes=torch.as_tensor(bboxes, dtype=torch.float32, device=device),
            instances_id=torch.as_tensor(ids, device=device),
            scores=torch.as_tensor(scores, dtype=torch.float32, device=device),
            labels=torch.zeros(len(ids), dtype=torch.long, device=device))

    def _start_or_check_sequence(self, frame) -> None:
        shape = tuple(frame.metainfo['ori_shape'][:2])
        if frame.metainfo.get('frame_id', 0) == 0:
            self.tracker.reset()
            self._frame_shape = shape
        elif shape != self._frame_shape:
            where = frame.metainfo.get(
                'img_path', f'frame {frame.metainfo.get("frame_id", 0) + 1}')
            raise ValueError(
                f'{where}: size {shape} differs from the sequence\'s first '
                f'frame {self._frame_shape}; a sequence keeps one frame size')

    def detect(self, img: Tensor, frame) -> InstanceData:
        """Detections of one frame (image coordinates) with embeddings,
        the motion proposals joined to the RPN's; ``from_motion`` marks
        the boxes regressed from a motion proposal, known from the RoI
        head's ``proposal_index`` (a head that does not report it marks
        none)."""
        detector = self.detector
        x = detector.extract_feat(img)
        proposals = detector.rpn_head.predict(x, [frame], rescale=False)[0]
        extra = self.scaled_motion_proposals(frame, proposals)
        if extra is not None and self.motion_proposals_in_rpn_cap:
            cap = detector.test_cfg.rpn.max_per_img
            proposals = proposals[:max(cap - len(extra), cap // 2)]
        num_rpn = len(proposals)
        if extra is not None:
            proposals = InstanceData.cat([proposals, extra])
        detections = detector.roi_head.predict(
            x, [proposals], [frame], rescale=True)[0]
        if 'proposal_index' in detections:
            detections.from_motion = detections.proposal_index >= num_rpn
        else:
            detections.from_motion = torch.zeros(
                len(detections), dtype=torch.bool, device=img.device)
        return detections

    def scaled_motion_proposals(self, frame,
                                like: InstanceData) -> Optional[InstanceData]:
        """The tracker's predicted boxes at network input scale, score 1,
        clipped to the image; boxes a coasting prediction has shrunk below
        a pixel (or made non-finite) are dropped."""
        if not self.motion_proposals:
            return None
        boxes = self.tracker.motion_proposals()
        if len(boxes) == 0:
            return None
        w_scale, h_scale = frame.metainfo['scale_factor']
        height, width = frame.metainfo['img_shape'][:2]
        boxes = torch.as_tensor(
            boxes, dtype=like.bboxes.dtype, device=like.bboxes.device)
        boxes = boxes * boxes.new_tensor([w_scale, h_scale, w_scale, h_scale])
        boxes[:, 0::2] = boxes[:, 0::2].clamp(0, width)
        boxes[:, 1::2] = boxes[:, 1::2].clamp(0, height)
        valid = torch.isfinite(boxes).all(
            dim=1) & (boxes[:, 2] - boxes[:, 0] >= 1) & (
                boxes[:, 3] - boxes[:, 1] >= 1)
        boxes = boxes[valid]
        return InstanceData(
            bboxes=boxes,
            scores=boxes.new_ones(len(boxes)),
            labels=torch.zeros(
                len(boxes), dtype=torch.long, device=boxes.device))
