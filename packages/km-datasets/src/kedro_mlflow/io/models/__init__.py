"""Model datasets: models saved and loaded with their MLflow flavor.

- :class:`MlflowModelLoggerDataSet`: a model logged to an MLflow run;
- :class:`MlflowModelSaverDataSet`: a model saved to a local folder (kedro-versioned);
- :class:`MlflowModelRegistryDataSet`: a model of the MLflow model registry (load only).
"""

from .logger_dataset import MlflowModelLoggerDataSet
from .registry_dataset import MlflowModelRegistryDataSet
from .saver_dataset import MlflowModelSaverDataSet

__all__ = ["MlflowModelLoggerDataSet", "MlflowModelRegistryDataSet", "MlflowModelSaverDataSet"]
