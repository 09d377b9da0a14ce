"""How much TF's 'SAME' padding matters for converted TF weights.

TF pads a stride-2 3x3 convolution on an even-sized input by 0 before and
1 after; PyTorch (mmdet) by 1 on both sides. This runs the converted
MobileNetV2 on a frame both ways and prints, per output level, the
mean cosine between the two feature vectors at each position and the
relative L2 difference (``TFMobileNetV2`` is the TF-padded one)::

    python tools/analysis/tf_padding_effect.py \
        checkpoints/mobilenetv2_coco-person_mmdet.pth \
        ../shared/data/PETS09-S2L1/PETS09-S2L1.avi --size 448x336
"""
import argparse
import os.path as osp
import sys

import cv2
import torch
import torch.nn.functional as F
from mmdet.registry import MODELS

sys.path.insert(0,
                osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
import hmot_mm  # noqa: E402,F401  (registers TFMobileNetV2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('checkpoint', help='converted MobileNetV2 weights')
    parser.add_argument('video', help='a video (its first frame is used)')
    parser.add_argument('--size', default='448x336', help='WIDTHxHEIGHT')
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split('x'))
    capture = cv2.VideoCapture(args.video)
    ok, frame = capture.read()
    capture.release()
    if not ok:
        raise SystemExit(f'{args.video}: cannot read a frame')
    rgb = cv2.resize(frame, (width, height))[:, :, ::-1].copy()
    x = (torch.from_numpy(rgb).permute(2, 0, 1)[None].float() - 127.5) / 127.5
    state = torch.load(args.checkpoint, weights_only=True)['state_dict']
    outputs = []
    for backbone_type in ('MobileNetV2', 'TFMobileNetV2'):
        backbone = MODELS.build(
            dict(type=backbone_type, out_indices=(1, 2, 4, 7)))
        backbone.load_state_dict(state, strict=True)
        backbone.eval()
        with torch.no_grad():
            outputs.append(backbone(x))
    print(f'{args.size} frame; MobileNetV2 (PyTorch padding) vs '
          'TFMobileNetV2 (TF SAME padding)')
    print('level  channels  feature map  mean cosine  relative L2 difference')
    for level, (a, b) in enumerate(zip(*outputs)):
        cosine = F.cosine_similarity(a, b, dim=1).mean().item()
        rel = ((a - b).norm() / a.norm()).item()
        size = f'{a.shape[3]}x{a.shape[2]}'
        print(f'{level:5d}  {a.shape[1]:8d}  {size:>11}  {cosine:11.3f}  '
              f'{rel:22.3f}')


if __name__ == '__main__':
    main()
