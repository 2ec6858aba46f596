"""The documented way to read a project's kedro-mlflow configuration."""

from .mlflow_context import get_mlflow_config

__all__ = ["get_mlflow_config"]
