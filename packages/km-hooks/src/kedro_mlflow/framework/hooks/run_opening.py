"""Which MLflow run a kedro run logs to: a new one, a child of the active one, or the
run mlflow.yml's ``run.id`` (or MLflow's ``MLFLOW_RUN_ID``) names."""

import os
from typing import Any, Optional

# What `mlflow run` and orchestrators set for the process that logs into their run.
MLFLOW_RUN_ID_VARIABLE = "MLFLOW_RUN_ID"


def run_to_continue(config: Any) -> Optional[str]:
    """The id of the run to log into: mlflow.yml's ``run.id``, else $MLFLOW_RUN_ID."""
    return config.run.id or os.environ.get(MLFLOW_RUN_ID_VARIABLE) or None


def check_can_open_run(config: Any) -> None:
    """Refuse, before any node runs, a kedro run that would have to nest under the
    active MLflow run while mlflow.yml's ``run.nested`` is false."""
    import mlflow

    from kedro_mlflow.config.tracking_setup import config_error

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
    import mlflow
    from mlflow.tracking import MlflowClient

    client = MlflowClient()
    experiment_id = client.get_run(run_id).info.experiment_id
    mlflow.set_experiment(client.get_experiment(experiment_id).name)
