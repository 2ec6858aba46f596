"""switch_catalog_logging: turn MLflow logging on or off for a whole catalog."""

from kedro.io import DataCatalog

from kedro_mlflow.io.common import set_logging

__all__ = ["switch_catalog_logging"]


def switch_catalog_logging(catalog: DataCatalog, logging_flag: bool = True) -> None:
    """Switch the logging of every kedro-mlflow dataset of ``catalog`` on or off.

    The hooks do this for the pipelines mlflow.yml's ``disable_tracking`` lists;
    a script or notebook can call it to keep a catalog from logging.
    """
    set_logging(catalog, enabled=logging_flag)
