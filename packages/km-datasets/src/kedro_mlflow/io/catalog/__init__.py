"""kedro-mlflow 0.7.3's catalog helper, kept at its import path."""

from .switch_catalog_logging import switch_catalog_logging

__all__ = ["switch_catalog_logging"]
