from .motmetrics_metric import MotMetricsMetric

__all__ = ['MotMetricsMetric']
