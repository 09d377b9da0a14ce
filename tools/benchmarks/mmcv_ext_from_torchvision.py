"""mmcv's compiled ``_ext`` for a Faster R-CNN, from torchvision's kernels.

mmcv 2.1.0 compiles its CUDA ops from source against the installed torch
(about 15 minutes on 16 cores); OpenMMLab publishes no build for recent
torch releases. Where a GPU machine has torch and torchvision but no time to
build mmcv, ``mmcv-lite`` (``MMCV_WITH_OPS=0``) plus this file copied to
``mmcv/_ext.py`` runs MMDetection's two-stage detectors on torchvision's
CUDA kernels. ``tools/benchmarks/speed.py --device cuda`` was run this way
(``docs/speed_cuda.md`` gives the commands). Only the two ops a Faster
R-CNN calls are provided:

- ``roi_align_forward`` / ``roi_align_backward``: average-pooled RoIAlign,
  ``rois`` (n, 5) as (batch index, x1, y1, x2, y2), adaptive sampling when
  ``sampling_ratio`` is 0, the half-pixel shift when ``aligned``: the
  same definition in both libraries (``torchvision.ops.roi_align``). The
  backward pass is the vector-Jacobian product of that linear map, taken
  by autograd at a zero input (the map does not depend on the input).
- ``nms``: greedy IoU suppression, indices by decreasing score
  (``torchvision.ops.nms``; mmcv's ``offset`` must be 0, as MMDetection's
  ``batched_nms`` passes).

Every other name of ``mmcv._ext`` exists (``mmcv.ops`` checks at import)
and raises ``NotImplementedError`` when called.
"""
from typing import Callable

import torch
from torchvision.ops import nms as tv_nms
from torchvision.ops import roi_align as tv_roi_align

AVG_POOL = 1  # mmcv's pool_mode for 'avg' (0 is 'max')


def _average_pooling_only(pool_mode: int) -> None:
    if pool_mode != AVG_POOL:
        raise NotImplementedError('RoIAlign pool_mode "max": torchvision '
                                  'has only average pooling')


def roi_align_forward(input: torch.Tensor, rois: torch.Tensor,
                      output: torch.Tensor, argmax_y: torch.Tensor,
                      argmax_x: torch.Tensor, aligned_height: int,
                      aligned_width: int, spatial_scale: float,
                      sampling_ratio: int, pool_mode: int,
                      aligned: bool) -> None:
    """Writes RoIAlign of ``input`` over ``rois`` into ``output``."""
    _average_pooling_only(pool_mode)
    output.copy_(
        tv_roi_align(input, rois, (aligned_height, aligned_width),
                     spatial_scale, sampling_ratio, aligned))


def roi_align_backward(grad_output: torch.Tensor, rois: torch.Tensor,
                       argmax_y: torch.Tensor, argmax_x: torch.Tensor,
                       grad_input: torch.Tensor, aligned_height: int,
                       aligned_width: int, spatial_scale: float,
                       sampling_ratio: int, pool_mode: int,
                       aligned: bool) -> None:
    """Writes the gradient of RoIAlign w.r.t. its input into
    ``grad_input`` (zeros of the input's shape)."""
    _average_pooling_only(pool_mode)
    with torch.enable_grad():
        probe = torch.zeros_like(grad_input, requires_grad=True)
        pooled = tv_roi_align(probe, rois, (aligned_height, aligned_width),
                              spatial_scale, sampling_ratio, aligned)
        grad_input.copy_(torch.autograd.grad(pooled, probe, grad_output)[0])


def nms(boxes: torch.Tensor, scores: torch.Tensor, iou_threshold: float,
        offset: int) -> torch.Tensor:
    """Indices of the boxes kept, by decreasing score."""
    if offset != 0:
        raise NotImplementedError(f'nms offset {offset}: torchvision has 0')
    return tv_nms(boxes, scores, iou_threshold)


def __getattr__(name: str) -> Callable:
    """Any other op of ``mmcv._ext``: present, and fails when called."""
    if name.startswith('__'):
        raise AttributeError(name)

    def not_provided(*args, **kwargs):
        raise NotImplementedError(
            f'mmcv._ext.{name}: not provided by {__file__} (only RoIAlign '
            'and NMS); build mmcv with its ops for this model')

    return not_provided
