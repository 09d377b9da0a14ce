# Faster R-CNN R50-FPN whose R-CNN head has one embedding branch beside box
# regression; detection scores come from the iHOIM memory bank.
_base_ = 'mmdet::_base_/models/faster-rcnn_r50_fpn.py'
custom_imports = dict(imports=['hmot_mm'], allow_failed_imports=False)

model = dict(
    roi_head=dict(
        type='iHOIMRoIHead',
        bbox_head=dict(
            type='iHOIMBBoxHead',
            num_classes=1,
            reg_class_agnostic=True,
            embed_dim=256,
            loss_reid=dict(
                type='iHOIMLoss',
                num_ids=517,
                bg_queue_size=500,
                temperature=1 / 30,
                momentum=0.5,
                smr_decay=0.99))))

custom_hooks = [dict(type='MemoryBufferHook')]
