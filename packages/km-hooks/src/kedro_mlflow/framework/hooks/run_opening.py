"""Which MLflow run a kedro run logs to: a new one, a child of the active one, or the
run mlflow.yml's ``run.id`` (or MLflow's ``MLFLOW_RUN_ID``) names."""

import os
import re
from typing import Any, Dict, Optional

import mlflow
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from kedro_mlflow.compat.redaction import redact_uri
from kedro_mlflow.config import KedroMlflowConfig, KedroMlflowConfigError
from kedro_mlflow.config.tracking_setup import config_error

# What `mlflow run` and orchestrators set for the process that logs into their run.
MLFLOW_RUN_ID_VARIABLE = "MLFLOW_RUN_ID"
# The run ids MLflow accepts (it makes 32 hexadecimal characters).
_RUN_ID = re.compile(r"[A-Za-z0-9][\w\-]{0,255}")


def run_to_continue(config: KedroMlflowConfig) -> Optional[str]:
    """The id of the run to log into: mlflow.yml's ``run.id``, else $MLFLOW_RUN_ID."""
    return config.run.id or os.environ.get(MLFLOW_RUN_ID_VARIABLE) or None


def check_can_open_run(config: KedroMlflowConfig) -> None:
    """Refuse, before any node runs, a kedro run that would have to nest under the
    active MLflow run while mlflow.yml's ``run.nested`` is false."""
    active = mlflow.active_run()
    if active is None or config.run.nested:
        return
    if active.info.run_id == run_to_continue(config):
        return
    raise config_error(
        config,
        "run.nested",
        f"the MLflow run {active.info.run_id} is active in this process, and run.nested"
        " is false, so this kedro run cannot be logged as its child. End it first"
        " (mlflow.end_run()), set run.nested: true to log the kedro run as its child,"
        f" or set run.id: {active.info.run_id} to log into it.",
    )


def follow_experiment_of(run_id: str) -> None:
    """Make the experiment of ``run_id`` the active one.

    The run $MLFLOW_RUN_ID names belongs to whoever set it (`mlflow run`, an
    orchestrator), in the experiment they chose; mlflow refuses to continue a run of
    another experiment than the active one.
    """
    client = MlflowClient()
    experiment_id = client.get_run(run_id).info.experiment_id
    mlflow.set_experiment(client.get_experiment(experiment_id).name)


def check_run_to_continue(
    config: KedroMlflowConfig, experiment_id: str, planned: Dict[str, str]
) -> None:
    """Before any node runs: the run to continue exists, is not deleted, belongs to the
    experiment mlflow.yml selects, and holds no parameter the kedro run would change.

    ``planned``: the parameters the pipeline's nodes will log. MLflow refuses to change
    a logged parameter; found out at a node, it would leave the old run FAILED.
    """
    wanted = run_to_continue(config)
    if wanted is None:
        return
    from_file = config.run.id is not None
    where = "mlflow.yml's run.id" if from_file else f"${MLFLOW_RUN_ID_VARIABLE}"
    run = _existing_run(config, wanted, where, from_file)
    if from_file and run.info.experiment_id != experiment_id:
        _refuse(
            config,
            from_file,
            f"{where} {wanted!r} is a run of the experiment"
            f" {_experiment_name(config, run.info.experiment_id)!r}, and mlflow.yml selects"
            f" {config.experiment.name!r}: set experiment.name to the run's experiment, or"
            " run.id to a run of the selected one",
        )
    changed = {
        key: (run.data.params[key], value)
        for key, value in planned.items()
        if key in run.data.params and run.data.params[key] != value
    }
    if changed:
        listed = ", ".join(
            f"{key!r} (logged {old!r}, now {new!r})" for key, (old, new) in sorted(changed.items())
        )
        _refuse(
            config,
            from_file,
            f"{where} {wanted!r} already holds parameters this kedro run would change, which"
            f" MLflow refuses: {listed}. Run with the run's values, or start a new run"
            " (run.id: null)",
        )


def _existing_run(config: KedroMlflowConfig, run_id: str, where: str, from_file: bool) -> Any:
    store = redact_uri(config.mlflow_tracking_uri)
    if not _RUN_ID.fullmatch(run_id):
        _refuse(
            config,
            from_file,
            f"{where} {run_id!r} is not an MLflow run id (the 32 hexadecimal characters"
            " the MLflow UI shows for a run)",
        )
    try:
        run = MlflowClient(config.mlflow_tracking_uri).get_run(run_id)
    except MlflowException as error:
        if getattr(error, "error_code", "") != "RESOURCE_DOES_NOT_EXIST":
            raise
        _refuse(config, from_file, f"{where} {run_id!r}: there is no such run in {store}")
    if run.info.lifecycle_stage == "deleted":
        _refuse(
            config,
            from_file,
            f"{where} {run_id!r} is a deleted run of {store}: restore it (mlflow runs"
            f" restore --run-id {run_id}) or start a new run (run.id: null)",
        )
    return run


def _experiment_name(config: KedroMlflowConfig, experiment_id: str) -> str:
    return MlflowClient(config.mlflow_tracking_uri).get_experiment(experiment_id).name


def _refuse(config: KedroMlflowConfig, from_file: bool, problem: str) -> None:
    if from_file:
        raise config_error(config, "run.id", problem)
    raise KedroMlflowConfigError(problem)
