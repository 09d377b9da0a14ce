"""mmdet's MobileNetV2 padded as TensorFlow pads, for weights trained there."""
import math

import torch
import torch.nn.functional as F
from mmdet.models.backbones import MobileNetV2
from mmdet.registry import MODELS


def pad_like_tf(conv: torch.nn.Conv2d) -> None:
    """Make a strided ``conv`` pad as TF's 'SAME' does.

    TF gives out = ceil(in / s) and pads
    total = max((out - 1)·s + k − in, 0) pixels, total // 2 before and the
    rest after; PyTorch pads k // 2 on both sides. For a stride-2 3×3
    convolution on an even size TF pads (0, 1), PyTorch (1, 1): every
    output samples the input one pixel earlier.
    """
    k, s = conv.kernel_size[0], conv.stride[0]
    conv.padding = (0, 0)

    def pad(module: torch.nn.Module, inputs: tuple) -> tuple:
        x = inputs[0]
        pads = []
        for size in (x.shape[3], x.shape[2]):  # F.pad takes W first
            total = max((math.ceil(size / s) - 1) * s + k - size, 0)
            pads += [total // 2, total - total // 2]
        return (F.pad(x, pads), )

    conv.register_forward_pre_hook(pad)


@MODELS.register_module()
class TFMobileNetV2(MobileNetV2):
    """:class:`mmdet.models.backbones.MobileNetV2` whose stride-2
    convolutions pad as TensorFlow's 'SAME', so that weights converted
    from a TF graph (``tools/model_converters/ssdlite_person_to_mmdet.py``)
    see the features they were trained on. Same arguments and state-dict
    keys as ``MobileNetV2``.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for module in self.modules():
            if isinstance(module, torch.nn.Conv2d) and module.stride[0] > 1 \
                    and module.kernel_size[0] > 1:
                pad_like_tf(module)
