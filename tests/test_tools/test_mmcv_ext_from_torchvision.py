"""``tools/benchmarks/mmcv_ext_from_torchvision.py`` in mmcv's place: its
RoIAlign (forward and backward) and NMS against mmcv's compiled ops.

torchvision does not import beside this CPU torch, so ``torchvision.ops``
is a stand-in with torchvision's signatures whose kernels are mmcv's own
(``roi_align`` differentiable through mmcv's backward kernel). What is
checked is the shim's side: argument order, in-place outputs, and the
vector-Jacobian product it takes by autograd at a zero input."""
import sys
import types

import pytest
import torch
from conftest import load_tool
from mmcv.ops import RoIAlign, batched_nms
from mmcv.utils import ext_loader

EXT = ext_loader.load_ext('_ext',
                          ['roi_align_forward', 'roi_align_backward', 'nms'])


def kernel_options(size, scale, ratio, aligned):
    """mmcv's RoIAlign kernel options, average pooling."""
    return dict(
        aligned_height=size[0],
        aligned_width=size[1],
        spatial_scale=scale,
        sampling_ratio=ratio,
        pool_mode=1,
        aligned=aligned)


class _MmcvRoIAlign(torch.autograd.Function):
    """torchvision.ops.roi_align's signature on mmcv's kernels."""

    @staticmethod
    def forward(ctx, x, rois, size, scale, ratio, aligned):
        out = x.new_zeros((len(rois), x.shape[1]) + tuple(size))
        unused = x.new_zeros(0)
        EXT.roi_align_forward(x, rois, out, unused, unused,
                              **kernel_options(size, scale, ratio, aligned))
        ctx.save_for_backward(rois)
        ctx.args = (x.shape, size, scale, ratio, aligned)
        return out

    @staticmethod
    def backward(ctx, grad):
        (rois, ) = ctx.saved_tensors
        shape, size, scale, ratio, aligned = ctx.args
        grad_input, unused = grad.new_zeros(shape), grad.new_zeros(0)
        EXT.roi_align_backward(grad.contiguous(), rois, unused, unused,
                               grad_input,
                               **kernel_options(size, scale, ratio, aligned))
        return grad_input, None, None, None, None, None


@pytest.fixture
def shim(monkeypatch):
    ops = types.ModuleType('torchvision.ops')
    ops.roi_align = lambda x, rois, size, scale, ratio, aligned: \
        _MmcvRoIAlign.apply(x, rois, tuple(size), scale, ratio, aligned)
    ops.nms = lambda boxes, scores, thr: EXT.nms(
        boxes, scores, iou_threshold=float(thr), offset=0)
    package = types.ModuleType('torchvision')
    package.ops = ops
    monkeypatch.setitem(sys.modules, 'torchvision', package)
    monkeypatch.setitem(sys.modules, 'torchvision.ops', ops)
    return load_tool('tools/benchmarks/mmcv_ext_from_torchvision.py')


@pytest.mark.parametrize('aligned', [True, False])
def test_roi_align_forward_and_backward_are_mmcvs(shim, aligned):
    torch.manual_seed(0)
    x = torch.randn(2, 4, 20, 30)
    rois = torch.tensor([[0, 1., 2, 15, 18], [1, 3, 4, 25, 19.5],
                         [0, 0.2, 0.3, 5, 29]])
    weights = torch.randn(3, 4, 7, 5)  # a loss with a non-uniform gradient
    expected_x = x.clone().requires_grad_()
    expected = RoIAlign((7, 5), 0.5, 0, aligned=aligned)(expected_x, rois)
    (expected * weights).sum().backward()

    shape = kernel_options((7, 5), 0.5, 0, aligned)
    unused = x.new_zeros(0)
    out = x.new_zeros(expected.shape)
    shim.roi_align_forward(x, rois, out, unused, unused, **shape)
    grad = torch.zeros_like(x)
    shim.roi_align_backward(weights, rois, unused, unused, grad, **shape)
    torch.testing.assert_close(out, expected.detach())
    torch.testing.assert_close(grad, expected_x.grad)
    with pytest.raises(NotImplementedError, match='max'):
        shim.roi_align_forward(x, rois, out, unused, unused,
                               **dict(shape, pool_mode=0))


def test_nms_keeps_mmcvs_boxes_and_other_ops_fail_by_name(shim):
    torch.manual_seed(0)
    boxes = torch.rand(60, 4) * 100
    boxes[:, 2:] += boxes[:, :2]
    scores = torch.rand(60)
    expected = EXT.nms(boxes, scores, iou_threshold=0.3, offset=0)
    kept = shim.nms(boxes, scores, iou_threshold=0.3, offset=0)
    assert torch.equal(kept, expected) and 0 < len(kept) < 60
    with pytest.raises(NotImplementedError, match='offset 1'):
        shim.nms(boxes, scores, iou_threshold=0.3, offset=1)
    # through MMDetection's entry point, per class
    classes = torch.randint(0, 3, (60, ))
    _, reference = batched_nms(boxes, scores, classes,
                               dict(type='nms', iou_threshold=0.3))
    per_class = torch.cat([
        torch.nonzero(classes == c)[:,
                                    0][shim.nms(boxes[classes == c],
                                                scores[classes == c], 0.3, 0)]
        for c in range(3)
    ])
    assert set(per_class.tolist()) == set(reference.tolist())
    assert hasattr(shim, 'deform_conv_forward')  # mmcv.ops checks names
    with pytest.raises(NotImplementedError, match='deform_conv_forward'):
        shim.deform_conv_forward()
