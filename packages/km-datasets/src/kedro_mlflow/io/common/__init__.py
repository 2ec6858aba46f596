"""What every kedro-mlflow dataset shares: the logging switch, run lookup, catalog helpers.

The hooks use :func:`set_logging` and :func:`name_after_catalog` on a run's catalog,
and :func:`defer_logging` / :func:`flush_deferred` around a tracked run; users rarely
need anything here.
"""

from .base import AbstractMlflowDataSet
from .catalog import iter_mlflow_datasets, name_after_catalog, set_logging
from .deferred import abandon_deferred, defer_logging, flush_deferred, pending_deferred
from .runs import run_to_log, run_to_read, tracking_client

__all__ = [
    "AbstractMlflowDataSet",
    "abandon_deferred",
    "defer_logging",
    "flush_deferred",
    "iter_mlflow_datasets",
    "name_after_catalog",
    "pending_deferred",
    "run_to_log",
    "run_to_read",
    "set_logging",
    "tracking_client",
]
