# Faster R-CNN R50-C4: ResNet res5 is the RoI head's shared head, as in the
# person-search models (OIM, HOIM) the loss comes from.
_base_ = 'mmdet::_base_/models/faster-rcnn_r50-caffe-c4.py'
custom_imports = dict(imports=['hmot_mm'], allow_failed_imports=False)

model = dict(
    roi_head=dict(
        type='iHOIMRoIHead',
        bbox_head=dict(
            type='iHOIMBBoxHead',
            num_shared_fcs=0,
            with_avg_pool=True,
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
