"""Which MLflow run a dataset reads from or logs to, and the client that talks to the store."""

import logging
import multiprocessing
import os
from typing import Dict, Optional, Tuple

import mlflow
from kedro.io.core import DataSetError
from mlflow.entities import LifecycleStage, Run
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from kedro_mlflow.compat.redaction import redact_uri

logger = logging.getLogger(__name__)

# Opening some stores is costly (mlflow 1.x checks a SQL store's schema on every new
# client), so one client per process and tracking URI is reused. The process id is
# part of the key: a client must not cross a fork (ParallelRunner's workers).
_CLIENTS: Dict[Tuple[int, str], MlflowClient] = {}


def tracking_client() -> MlflowClient:
    """A client of the current tracking URI (``mlflow.get_tracking_uri()``)."""
    uri = mlflow.get_tracking_uri()
    key = (os.getpid(), uri)
    if key not in _CLIENTS:
        _CLIENTS[key] = MlflowClient(tracking_uri=uri)
    return _CLIENTS[key]


def short_message(error: BaseException, limit: int = 400) -> str:
    """An error's message on one line, cut at ``limit`` characters (MLflow's can be long)."""
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


def existing_run(owner: str, run_id: str) -> Run:
    """The run ``run_id`` of the current store, or an error naming the dataset and run_id."""
    try:
        run = tracking_client().get_run(run_id)
    except MlflowException as error:
        raise DataSetError(
            f"{owner}: run_id {run_id!r} names no run of the tracking store"
            f" {redact_uri(mlflow.get_tracking_uri())!r} ({short_message(error)})"
        ) from None
    if run.info.lifecycle_stage == LifecycleStage.DELETED:
        raise DataSetError(
            f"{owner}: run_id {run_id!r} names a deleted run; restore it"
            f" (mlflow runs restore --run-id {run_id}) or choose another run"
        )
    return run


def active_run_id() -> Optional[str]:
    """The id of the active run of this process, if any."""
    run = mlflow.active_run()
    return run.info.run_id if run is not None else None


def run_to_read(owner: str, run_id: Optional[str]) -> str:
    """The run a load reads from: ``run_id`` when given, else the active run."""
    if run_id:
        existing_run(owner, run_id)
        return run_id
    active = active_run_id()
    if active is None:
        raise DataSetError(
            f"{owner}: there is no run to load from: no MLflow run is active and no"
            " run_id was given. Give run_id, or load inside a run (mlflow.start_run(),"
            " or a kedro run with kedro-mlflow's hooks)"
        )
    return active


def run_to_log(owner: str, run_id: Optional[str], start: bool = True) -> str:
    """The run a save logs to: ``run_id`` when given, else the active run, else a new one.

    A new run is started the way ``mlflow.log_metric`` starts one: in the current
    experiment, left active for the next saves until ``mlflow.end_run()`` (or the end of
    the process). The log says which run it is. With ``start=False`` (datasets whose
    guide says they never create a run) the save fails instead, and nothing is logged.
    """
    if run_id:
        existing_run(owner, run_id)
        return run_id
    active = active_run_id()
    if active is not None:
        return active
    if not start:
        raise DataSetError(
            f"{owner}: there is no run to log to: no MLflow run is active and no run_id was"
            " given, and this dataset does not start a run. Start one (mlflow.start_run()),"
            " give run_id, or save in a kedro run tracked by kedro-mlflow's hooks;"
            " nothing was logged"
        )
    return start_run_for(owner)


def start_run_for(owner: str) -> str:
    """Start a run because ``owner`` saves with no run active; say so in the log."""
    if multiprocessing.current_process().name != "MainProcess":
        # A run started in a worker (ParallelRunner) would be one of several, and would
        # never end: the worker exits without running atexit handlers.
        raise DataSetError(
            f"{owner}: no MLflow run is active in this worker process and no run_id was"
            " given. With ParallelRunner, start the run before the kedro run"
            " (kedro-mlflow's hooks do) or give run_id"
        )
    run = mlflow.start_run()
    logger.warning(
        "%s: no MLflow run was active, so run %s was started (experiment %s, tracking"
        " store %s). It stays active for the next saves; call mlflow.end_run() to close it.",
        owner,
        run.info.run_id,
        run.info.experiment_id,
        redact_uri(mlflow.get_tracking_uri()),
    )
    return run.info.run_id
