"""The common base of the model datasets (kedro-mlflow 0.7.3's name and import path)."""

from kedro_mlflow.io.common import AbstractMlflowDataSet

__all__ = ["MlflowAbstractModelDataSet"]


class MlflowAbstractModelDataSet(AbstractMlflowDataSet):
    """A dataset that saves and loads a model with an MLflow flavor.

    :class:`MlflowModelLoggerDataSet`, :class:`MlflowModelSaverDataSet` and
    :class:`MlflowModelRegistryDataSet` derive from it, so ``isinstance`` checks
    written for kedro-mlflow 0.7.3 keep holding.
    """
