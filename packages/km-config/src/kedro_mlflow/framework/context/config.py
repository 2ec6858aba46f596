"""kedro-mlflow 0.7.3's import path of the configuration classes (kept for its users)."""

from kedro_mlflow.config import KedroMlflowConfig, KedroMlflowConfigError

__all__ = ["KedroMlflowConfig", "KedroMlflowConfigError"]
