from .tf_mobilenet_v2 import TFMobileNetV2

__all__ = ['TFMobileNetV2']
