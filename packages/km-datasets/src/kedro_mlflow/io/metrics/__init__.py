"""Metrics datasets: numbers a node returns, logged to an MLflow run and read back.

- :class:`MlflowMetricsDataSet`: a dict of metrics, each a value or a history;
- :class:`MlflowMetricDataSet`: one number;
- :class:`MlflowMetricHistoryDataSet`: one metric's whole history.
"""

from .history_dataset import MlflowMetricHistoryDataSet
from .metric_dataset import MlflowMetricDataSet
from .mlflow_metrics_dataset import MlflowMetricsDataSet

__all__ = ["MlflowMetricDataSet", "MlflowMetricHistoryDataSet", "MlflowMetricsDataSet"]
