"""Frames of MOT sequences, one sample per image, with dense identities."""
from typing import List, Optional

from mmdet.datasets import CocoDataset
from mmdet.registry import DATASETS

from ..utils import ConfigError


@DATASETS.register_module()
class MOTFrameDataset(CocoDataset):
    """A COCO(-VID) annotation file of MOT frames whose every annotation
    carries ``instance_id``, the dense identity index 0..N−1 that the
    iHOIM/OIM lookup table is indexed by.

    mmdet's ``CocoDataset`` drops ``instance_id``; this keeps it in each
    instance so ``LoadTrackAnnotations`` + ``PackReIDDetInputs`` put it in
    ``gt_instances.instances_ids``. Frames of a video sequence carry
    ``frame_index``; load them with ``LoadFrame``. Boxes are filtered as
    ``CocoDataset`` does (``ignore``, empty or outside the image);
    ``iscrowd`` boxes become ignore regions (``ignore_flag``, identity −1)
    that the assigners' ``ignore_iof_thr`` keeps out of training.

    Args:
        num_ids (int, optional): N of the model's lookup table. If given,
            it must equal the ``num_ids`` the converter recorded in the
            file; if not, the recorded one is taken. An identity outside
            0..N−1 is an error.
        **kwargs: as :class:`CocoDataset`.
    """

    METAINFO = dict(classes=('pedestrian', ), palette=[(220, 20, 60)])

    def __init__(self, *args, num_ids: Optional[int] = None, **kwargs):
        self.num_ids = num_ids
        super().__init__(*args, **kwargs)

    def load_data_list(self) -> List[dict]:
        self._recorded_num_ids = None
        data_list = super().load_data_list()
        recorded = self._recorded_num_ids
        if None not in (self.num_ids, recorded) and recorded != self.num_ids:
            raise ConfigError(
                f'{self.ann_file} holds {recorded} identities (num_ids '
                f'written by the converter) but the config says num_ids='
                f'{self.num_ids}; set the model\'s and the dataset\'s '
                f'num_ids to {recorded}')
        if self.num_ids is None:
            self.num_ids = recorded
        if self.num_ids is not None:
            for info in data_list:
                for instance in info['instances']:
                    if instance['ignore_flag']:
                        continue  # an ignore region has no identity
                    if not 0 <= instance['instance_id'] < self.num_ids:
                        raise ValueError(
                            f'{self.ann_file}: image {info["img_path"]} has '
                            f'instance_id {instance["instance_id"]}, outside '
                            f'0..{self.num_ids - 1} (num_ids={self.num_ids})')
        return data_list

    def parse_data_info(self, raw_data_info: dict) -> dict:
        if self._recorded_num_ids is None:  # self.coco lives during loading
            self._recorded_num_ids = self.coco.dataset.get('num_ids')
        img_info = raw_data_info['raw_img_info']
        data_info = super().parse_data_info(
            dict(raw_img_info=img_info, raw_ann_info=[]))
        data_info['frame_index'] = img_info.get('frame_index')
        width, height = img_info['width'], img_info['height']
        instances = []
        for ann in raw_data_info['raw_ann_info']:
            if 'instance_id' not in ann:
                raise KeyError(f'{self.ann_file}: annotation {ann.get("id")} '
                               'has no instance_id')
            x1, y1, w, h = ann['bbox']
            inter_w = max(0, min(x1 + w, width) - max(x1, 0))
            inter_h = max(0, min(y1 + h, height) - max(y1, 0))
            if (ann.get('ignore', False) or inter_w * inter_h == 0 or w < 1
                    or h < 1 or ann['category_id'] not in self.cat_ids):
                continue
            instances.append(
                dict(
                    bbox=[x1, y1, x1 + w, y1 + h],
                    bbox_label=self.cat2label[ann['category_id']],
                    ignore_flag=int(ann.get('iscrowd', False)),
                    instance_id=int(ann['instance_id'])))
        data_info['instances'] = instances
        return data_info
