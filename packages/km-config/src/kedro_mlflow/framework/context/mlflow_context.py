"""kedro-mlflow 0.7.3's import path of get_mlflow_config (kept for its users)."""

from kedro_mlflow.config.project_config import get_mlflow_config

__all__ = ["get_mlflow_config"]
