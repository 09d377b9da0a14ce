"""The separate appearance network of a two-stage tracker: person crops in,
L2-normalised embeddings out."""
from typing import Dict, Tuple

import torch
import torch.nn.functional as F
from mmdet.registry import MODELS
from mmengine.model import BaseModule
from torch import Tensor


@MODELS.register_module()
class CropReID(BaseModule):
    """ResNet on person crops → global average pooling → linear → BN →
    L2 norm: the embedding ``f``.

    Trained on crops of the N training identities with

    .. math::
        L = \\mathrm{CE}(W f_{bn}, y) + \\frac{1}{P}\\sum_a
            \\max(0,\\; m + \\max_{p: y_p = y_a} d(a, p)
                       - \\min_{n: y_n \\ne y_a} d(a, n)),

    cross-entropy over the identities plus the batch-hard triplet loss
    (Hermans et al. 2017) on Euclidean distances between embeddings.
    Crops are normalised as the detector's input (the two-stage tracker
    cuts them from it), resized to ``crop_size``.

    Args:
        num_ids (int): N, the training identities (classifier outputs).
        depth (int): ResNet depth (mmdet's ``ResNet``). Defaults to 18.
        embed_dim (int): embedding size. Defaults to 128.
        crop_size (tuple): (height, width) of a crop. Defaults to (256, 128).
        margin (float): triplet margin m. Defaults to 0.3.
        init_cfg (dict, optional): initialisation config.
    """

    def __init__(self,
                 num_ids: int,
                 depth: int = 18,
                 embed_dim: int = 128,
                 crop_size: Tuple[int, int] = (256, 128),
                 margin: float = 0.3,
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        if num_ids < 2:
            raise ValueError(f'num_ids={num_ids}: ReID training needs at '
                             'least two identities')
        self.backbone = MODELS.build(
            dict(type='ResNet', depth=depth, out_indices=(3, )))
        channels = 512 if depth < 50 else 2048
        self.embed = torch.nn.Linear(channels, embed_dim)
        self.bn = torch.nn.BatchNorm1d(embed_dim)
        self.classifier = torch.nn.Linear(embed_dim, num_ids, bias=False)
        self.crop_size = tuple(crop_size)
        self.margin = margin

    def features(self, crops: Tensor) -> Tensor:
        """(n, 3, h, w) crops → (n, d) BN features (before the norm)."""
        x = self.backbone(crops)[0].mean((2, 3))
        return self.bn(self.embed(x))

    def forward(self, crops: Tensor) -> Tensor:
        """(n, 3, h, w) crops → (n, d) L2-normalised embeddings."""
        if len(crops) == 0:
            return crops.new_zeros((0, self.embed.out_features))
        return F.normalize(self.features(crops), dim=1)

    def loss(self, crops: Tensor, labels: Tensor) -> Dict[str, Tensor]:
        """Cross-entropy and batch-hard triplet losses of a P×K batch."""
        feats = self.features(crops)
        loss_cls = F.cross_entropy(self.classifier(feats), labels)
        embeds = F.normalize(feats, dim=1)
        dist = torch.cdist(embeds, embeds)
        same = labels[:, None] == labels[None, :]
        hardest_pos = (dist * same).max(1).values
        hardest_neg = dist.masked_fill(same, float('inf')).min(1).values
        loss_triplet = F.relu(self.margin + hardest_pos - hardest_neg).mean()
        return dict(loss_cls=loss_cls, loss_triplet=loss_triplet)

    def crop(self, img: Tensor, boxes: Tensor) -> Tensor:
        """Cut ``boxes`` (n, 4) x1y1x2y2, in ``img``'s pixels, out of a
        (3, H, W) image and resize each to ``crop_size``, all in one batch.

        A box is rounded to whole pixels and clamped to the image (at least
        one pixel), then resampled as ``F.interpolate(mode='bilinear',
        align_corners=False)`` resamples the cut: output row i of a box
        ``l`` rows tall reads the bilinear blend at source row

        .. math::
            s_i = \\min(l - 1,\\; \\max(0,\\; (i + 1/2)\\, l / h - 1/2))

        of the box (``interpolate`` clamps the upper neighbour to row l − 1,
        which is the same value); columns alike. One ``grid_sample`` call
        reads all boxes.
        """
        height, width = self.crop_size
        if len(boxes) == 0:
            return img.new_zeros((0, img.shape[0], height, width))
        image_h, image_w = img.shape[-2:]
        box = boxes.round().long()
        x1 = box[:, 0].clamp(0, image_w - 1)
        y1 = box[:, 1].clamp(0, image_h - 1)
        x2 = torch.maximum(box[:, 2].clamp(max=image_w), x1 + 1)
        y2 = torch.maximum(box[:, 3].clamp(max=image_h), y1 + 1)
        rows = self._source(y1, y2, height, image_h)  # (n, h)
        cols = self._source(x1, x2, width, image_w)  # (n, w)
        grid = torch.stack(
            torch.broadcast_tensors(cols[:, None, :], rows[:, :, None]), -1)
        crops = F.grid_sample(
            img[None],
            grid.reshape(1, -1, width, 2),
            mode='bilinear',
            align_corners=False)  # (1, 3, n * h, w)
        return crops.reshape(img.shape[0], -1, height,
                             width).transpose(0, 1).contiguous()

    @staticmethod
    def _source(start: Tensor, stop: Tensor, size: int,
                image_size: int) -> Tensor:
        """Per box, the ``size`` output positions' source coordinates
        (n, size), clamped to the box's pixels [start, stop - 1] (at the
        last pixel the blend reads it alone, as ``interpolate``'s clamped
        neighbour does), in ``grid_sample``'s normalised units."""
        length = (stop - start).float()[:, None]
        steps = torch.arange(size, device=start.device) + 0.5
        source = torch.minimum((steps * length / size - 0.5).clamp(min=0),
                               length - 1) + start[:, None]
        return (2 * source + 1) / image_size - 1
