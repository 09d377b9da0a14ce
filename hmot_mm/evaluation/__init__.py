from .metrics import MotMetricsMetric
from .mot_eval import evaluate, evaluate_folders, format_table

__all__ = ['MotMetricsMetric', 'evaluate', 'evaluate_folders', 'format_table']
