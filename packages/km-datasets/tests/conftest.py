"""A real MLflow file store per test, and no run or tracking URI leaking between tests."""

from pathlib import Path

import pytest
from km_testkit.mlflow_state import clear_tracking_variables, end_active_runs, tracking_at
from mlflow.tracking import MlflowClient


@pytest.fixture(autouse=True)
def _no_run_left_active(tracking_uri):  # runs end in the store they were started in
    end_active_runs()
    yield
    end_active_runs()


@pytest.fixture(autouse=True)
def tracking_uri(tmp_path: Path, monkeypatch) -> str:
    """A fresh file store in the test's folder, set as MLflow's tracking URI."""
    clear_tracking_variables(monkeypatch)
    # an experiment selected by an earlier test belongs to another store
    with tracking_at((tmp_path / "mlruns").as_uri(), monkeypatch) as uri:
        yield uri


@pytest.fixture
def client(tracking_uri: str) -> MlflowClient:
    return MlflowClient(tracking_uri)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A folder for the datasets' local files."""
    folder = tmp_path / "data"
    folder.mkdir()
    return folder


def artifact_names(client: MlflowClient, run_id: str, path=None):
    """Every artifact file of a run, as paths relative to its artifact root."""
    names = []
    for info in client.list_artifacts(run_id, path):
        if info.is_dir:
            names += artifact_names(client, run_id, info.path)
        else:
            names.append(info.path)
    return sorted(names)


# An explicit environment spares mlflow 2.x its requirement inference (a subprocess
# that loads the model: seconds per save); one test per flavor keeps the default.
QUICK_SAVE_ARGS = {
    "conda_env": {"name": "km-test", "dependencies": ["python", "pip", {"pip": ["mlflow"]}]}
}


@pytest.fixture
def log_records(caplog, monkeypatch):
    """caplog for kedro-mlflow's loggers, re-enabled if an earlier test's logging config
    (a kedro project's, dictConfig with disable_existing_loggers) switched them off."""
    import logging

    for name, logger in list(logging.root.manager.loggerDict.items()):
        if name.startswith("kedro_mlflow") and isinstance(logger, logging.Logger):
            monkeypatch.setattr(logger, "disabled", False)
            monkeypatch.setattr(logger, "propagate", True)
    caplog.set_level(logging.INFO, logger="kedro_mlflow")
    return caplog
