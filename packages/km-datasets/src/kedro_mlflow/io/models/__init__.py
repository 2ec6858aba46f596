"""Model datasets: models saved and loaded with their MLflow flavor.

- :class:`MlflowModelLoggerDataSet`: a model logged to an MLflow run;
- :class:`MlflowModelSaverDataSet`: a model saved to a local folder (kedro-versioned);
- :class:`MlflowModelRegistryDataSet`: a model of the MLflow model registry (load only).
"""

from .mlflow_abstract_model_dataset import MlflowAbstractModelDataSet
from .mlflow_model_logger_dataset import MlflowModelLoggerDataSet
from .mlflow_model_saver_dataset import MlflowModelSaverDataSet
from .registry_dataset import MlflowModelRegistryDataSet

__all__ = [
    "MlflowAbstractModelDataSet",
    "MlflowModelLoggerDataSet",
    "MlflowModelRegistryDataSet",
    "MlflowModelSaverDataSet",
]
