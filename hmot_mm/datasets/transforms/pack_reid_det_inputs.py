"""PackDetInputs that keeps identities for detectors trained with ReID."""
from mmdet.datasets.transforms import PackDetInputs
from mmdet.registry import TRANSFORMS


@TRANSFORMS.register_module()
class PackReIDDetInputs(PackDetInputs):
    """:class:`PackDetInputs` that also packs ``gt_instances_ids`` (from
    ``LoadTrackAnnotations``) into ``gt_instances.instances_ids``, filtered
    by ``gt_ignore_flags`` like the boxes."""

    mapping_table = dict(
        PackDetInputs.mapping_table, gt_instances_ids='instances_ids')
