"""Everything that differs between the mlflow versions kedro-mlflow supports (1.9 to 2.x).

No other module of kedro-mlflow looks at the mlflow version or reaches into mlflow's
private state: they call the functions here. Only modules that need mlflow anyway (the
datasets, the hooks, km-pipelineml) import this one, so it imports
mlflow; ``kedro_mlflow.config`` itself never does (the CLI must start fast).
"""

import contextlib
import os
import time
from typing import Any, Callable, Iterator, List, Optional, Tuple, TypeVar

import mlflow
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient
from mlflow.tracking import fluent as _fluent

from .versions import release_tuple

__all__ = [
    "dataset_input",
    "experiment_by_name",
    "forget_active_run",
    "log_model_argument_problem",
    "max_param_length",
    "max_tag_length",
    "metric_history",
    "model_registry_problem",
    "param_key_problem",
    "reopen_run",
    "retry_half_written_metric",
    "store_creation_command",
]


MLFLOW_VERSION: Tuple[int, int, int] = release_tuple(mlflow.__version__)


@contextlib.contextmanager
def reopen_run(run_id: str) -> Iterator[None]:
    """Make the existing run ``run_id`` the active run of this process for the block.

    Flavors' ``log_model`` only logs to the active run. ``mlflow.start_run(run_id=...)``
    would make it so, but it also writes the run's status (RUNNING, then FINISHED at
    ``end_run``): that would finish a run another process is still running, and, on a
    file store, rewrites ``meta.yaml`` while other processes (ParallelRunner's workers)
    read it, which mlflow's file store does not survive. So the run is only pushed on
    mlflow's stack of active runs and popped after: the store is not written, the run
    keeps its status, and no experiment check applies (the run exists already).
    """
    run = MlflowClient().get_run(run_id)
    stack = _fluent._active_run_stack
    stack.append(_fluent.ActiveRun(run))
    try:
        yield
    finally:
        if stack and stack[-1].info.run_id == run_id:
            stack.pop()


def forget_active_run(run_id: str) -> bool:
    """Stop treating ``run_id`` as this process's active run, without telling the store.

    For a tracking server that no longer answers: ``mlflow.end_run`` would first wait out
    the client's retries (about a minute per request from mlflow 1.2x) to record an end
    that cannot be recorded. The run keeps the status the store has. True when
    ``run_id`` was the active run.
    """
    stack = _fluent._active_run_stack
    if not stack or stack[-1].info.run_id != run_id:
        return False
    stack.pop()
    os.environ.pop("MLFLOW_RUN_ID", None)  # as end_run does: nothing resumes the run
    return True


def metric_history(client: MlflowClient, run_id: str, key: str) -> List[Any]:
    """Every value logged for ``key`` in the run (``Metric`` entities); [] if none were.

    mlflow 1.x file stores raise for a metric that was never logged; the other stores
    and versions return an empty history.
    """
    try:
        return list(client.get_metric_history(run_id, key))
    except MlflowException as error:
        if error.error_code == "RESOURCE_DOES_NOT_EXIST":
            return []
        raise


def experiment_by_name(client: MlflowClient, name: str) -> Optional[Any]:
    """The experiment called ``name``, deleted ones included (None when there is none).

    ``get_experiment_by_name`` misses deleted experiments on some stores (the file
    store of mlflow 2.x); the listing that includes them changed name in mlflow 1.28.
    """
    found = client.get_experiment_by_name(name)
    if found is not None:
        return found
    from mlflow.entities import ViewType

    if hasattr(client, "search_experiments"):
        candidates = client.search_experiments(view_type=ViewType.ALL)
    else:
        candidates = client.list_experiments(  # type: ignore[attr-defined]  # mlflow < 1.28
            view_type=ViewType.ALL
        )
    return next((e for e in candidates if e.name == name), None)


def max_param_length() -> int:
    """The longest parameter value the installed mlflow accepts (250, 500, then 6000)."""
    from mlflow.utils import validation

    return int(getattr(validation, "MAX_PARAM_VAL_LENGTH", 250))


def param_key_problem(key: str) -> Optional[str]:
    """Why the installed mlflow would refuse ``key`` as a parameter (or tag) name, or None.

    MLflow checks a whole ``log_batch`` at once: one bad name loses every other value of
    the batch. Checking each name first keeps the others.
    """
    from mlflow.utils import validation

    try:
        validation._validate_param_name(key)
    except MlflowException as error:
        return " ".join(str(error.message).split())
    limit = int(getattr(validation, "MAX_ENTITY_KEY_LENGTH", 250))
    if len(key) > limit:
        return f"the name is {len(key)} characters long, more than the {limit} mlflow accepts"
    return None


def max_tag_length() -> int:
    """The longest tag value the installed mlflow keeps (5000; 2.x cuts longer ones)."""
    from mlflow.utils import validation

    return int(getattr(validation, "MAX_TAG_VAL_LENGTH", 5000))


# What mlflow's file store says when it reads a metric file another process has just
# created and not yet written (it opens the file, then appends the line).
_HALF_WRITTEN_METRIC = "is malformed. No data found"
T = TypeVar("T")


def retry_half_written_metric(call: Callable[[], T], attempts: int = 5) -> T:
    """``call()``, again after a short pause when it failed on a half-written metric file.

    Logging an artifact makes mlflow read the whole run (``get_run``), every metric
    file included. On a file store, a ParallelRunner worker saving a metric at that
    instant leaves one file empty for a moment, and the read fails. Nothing was logged
    by then; once the worker's line is written the read succeeds.
    """
    for attempt in range(1, attempts + 1):
        try:
            return call()
        except Exception as error:
            if _HALF_WRITTEN_METRIC not in str(error) or attempt == attempts:
                raise
            time.sleep(0.05 * attempt)
    raise AssertionError("unreachable")  # pragma: no cover


def dataset_input(name: str, data: Any, source: Optional[str], context: str) -> Optional[Any]:
    """An MLflow ``DatasetInput`` for ``MlflowClient.log_inputs``: ``data`` (a pandas
    DataFrame or numpy array) read from the file ``source`` (None: not a file), used by
    ``context``. None when mlflow has no dataset tracking (before 2.4) or for other data.
    """
    if MLFLOW_VERSION < (2, 4, 0):
        return None
    import warnings

    import mlflow.data
    import numpy as np
    import pandas as pd
    from mlflow.entities import DatasetInput, InputTag
    from mlflow.utils.mlflow_tags import MLFLOW_DATASET_CONTEXT

    with warnings.catch_warnings():  # mlflow warns while it guesses the source's kind
        warnings.simplefilter("ignore")
        if isinstance(data, pd.DataFrame):
            # mlflow.data adds its from_* constructors at import time: mypy cannot see them
            dataset = mlflow.data.from_pandas(  # type: ignore[attr-defined]
                data, source=source, name=name
            )
        elif isinstance(data, np.ndarray):
            dataset = mlflow.data.from_numpy(  # type: ignore[attr-defined]
                data, source=source, name=name
            )
        else:
            return None
    return DatasetInput(
        dataset=dataset._to_mlflow_entity(),
        tags=[InputTag(key=MLFLOW_DATASET_CONTEXT, value=context)],
    )


def store_creation_command(uri: str) -> str:
    """A shell command that makes the installed mlflow create its store at ``uri``.

    Listing the experiments opens the store, and opening an empty database creates
    the schema and the Default experiment (``mlflow db upgrade`` only migrates an
    existing schema). The listing command is ``search`` from mlflow 2.0, ``list`` before.
    """
    command = "search" if MLFLOW_VERSION >= (2, 0, 0) else "list"
    return f"MLFLOW_TRACKING_URI='{uri}' mlflow experiments {command}"


# The mlflow release that added each argument of ``mlflow.pyfunc.log_model`` newer than 1.9.
_LOG_MODEL_ARGUMENT_SINCE = {
    "pip_requirements": (1, 20, 0),
    "extra_pip_requirements": (1, 20, 0),
}


def log_model_argument_problem(argument: str) -> Optional[str]:
    """Why the installed ``mlflow.pyfunc.log_model`` cannot take ``argument``, or None.

    Read from the function itself, so the answer holds for any release; the table above
    only says which release to upgrade to.
    """
    import inspect

    import mlflow.pyfunc

    if argument in inspect.signature(mlflow.pyfunc.log_model).parameters:
        return None
    since = _LOG_MODEL_ARGUMENT_SINCE.get(argument)
    if since is None:
        return f"mlflow.pyfunc.log_model of mlflow {mlflow.__version__} has no {argument} argument"
    return (
        f"{argument} needs mlflow>={'.'.join(map(str, since))} (mlflow.pyfunc.log_model has"
        f" no such argument before); this environment has mlflow {mlflow.__version__}"
    )


def model_registry_problem(model_name: str) -> Optional[str]:
    """Why the current registry cannot register a model called ``model_name``, or None.

    Asks the registry about the name, which writes nothing: a store without a registry
    (a file store before mlflow 2.x), an unreachable server or a bad name fails here,
    before a model is logged, instead of after it.
    """
    try:
        MlflowClient().get_registered_model(model_name)
    except MlflowException as error:
        if error.error_code == "RESOURCE_DOES_NOT_EXIST":
            return None
        return " ".join(str(error.message).split())
    return None
