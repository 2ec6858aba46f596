"""An iris classifier trained by one pipeline and served by another (kedro-mlflow example)."""

from .pipeline import create_pipelines

__all__ = ["create_pipelines"]
