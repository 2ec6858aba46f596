"""mlflow_compat: the one module that knows how mlflow versions differ, on a real store."""

import threading
from pathlib import Path
from typing import Tuple
from urllib.parse import urlparse

import mlflow
import pytest
from km_testkit.mlflow_state import tracking_at
from mlflow.tracking import MlflowClient

from kedro_mlflow.compat import mlflow_compat
from kedro_mlflow.compat.mlflow_compat import (
    metric_history,
    reopen_run,
    retry_half_written_metric,
)
from kedro_mlflow.compat.versions import release_tuple


@pytest.fixture
def client(tmp_path: Path, monkeypatch) -> MlflowClient:
    with tracking_at((tmp_path / "mlruns").as_uri(), monkeypatch) as uri:
        yield MlflowClient(uri)


def test_version_is_the_installed_one():
    assert mlflow.__version__.startswith(".".join(map(str, mlflow_compat.MLFLOW_VERSION)))
    assert (1, 9, 0) <= mlflow_compat.MLFLOW_VERSION < (3, 0, 0)


@pytest.mark.parametrize(
    "text, expected",
    [("1.9.0", (1, 9, 0)), ("2.12.2", (2, 12, 2)), ("2.0.0rc1", (2, 0, 0)), ("1.30", (1, 30, 0))],
)
def test_versions_are_parsed(text, expected):
    assert release_tuple(text) == expected


@pytest.mark.parametrize("status", ["FAILED", "FINISHED", "RUNNING"])
def test_reopen_run_makes_the_run_active_and_leaves_its_status(client, status):
    run_id = client.create_run(experiment_id="0").info.run_id
    if status != "RUNNING":
        client.set_terminated(run_id, status)
    with reopen_run(run_id):
        assert mlflow.active_run().info.run_id == run_id
        mlflow.log_param("inside", 1)
        assert client.get_run(run_id).info.status == status
    assert mlflow.active_run() is None
    stored = client.get_run(run_id)
    assert stored.info.status == status
    assert stored.data.params == {"inside": "1"}


def test_reopen_run_does_not_write_the_runs_meta_file(client, tmp_path):
    run = client.create_run(experiment_id="0").info
    client.set_terminated(run.run_id, "FINISHED")
    meta = tmp_path / "mlruns" / "0" / run.run_id / "meta.yaml"
    before = (meta.read_text(), meta.stat().st_mtime_ns)
    with reopen_run(run.run_id):
        mlflow.log_metric("m", 1.0)
    assert (meta.read_text(), meta.stat().st_mtime_ns) == before


def test_reopen_run_of_another_experiment_than_the_selected_one(client):
    other = client.create_experiment("other")
    run_id = client.create_run(experiment_id=other).info.run_id
    mlflow.set_experiment("selected")
    with reopen_run(run_id):
        mlflow.log_metric("m", 1.0)
    assert client.get_run(run_id).data.metrics == {"m": 1.0}
    with mlflow.start_run() as new:  # the selection is still in force
        pass
    assert client.get_experiment(new.info.experiment_id).name == "selected"


def test_reopen_run_inside_an_active_run_gives_it_back(client):
    run_id = client.create_run(experiment_id="0").info.run_id
    with mlflow.start_run() as outer:
        with pytest.raises(RuntimeError), reopen_run(run_id):
            assert mlflow.active_run().info.run_id == run_id
            raise RuntimeError("boom")
        assert mlflow.active_run().info.run_id == outer.info.run_id
    assert mlflow.active_run() is None


def test_metric_history_of_a_metric_never_logged_is_empty(client):
    run_id = client.create_run(experiment_id="0").info.run_id
    client.log_metric(run_id, "logged", 1.0, step=3)
    assert metric_history(client, run_id, "never") == []
    (point,) = metric_history(client, run_id, "logged")
    assert (point.key, point.value, point.step) == ("logged", 1.0, 3)


def _half_written_metric(client: MlflowClient) -> Tuple[str, Path]:
    """A file-store run whose metric file exists but holds no line yet, as in the instant
    between a ParallelRunner worker creating it and writing its value."""
    run = client.create_run(client.create_experiment("half-written"))
    run_folder = Path(urlparse(run.info.artifact_uri).path).parent
    metric = run_folder / "metrics" / "eval.rmse"
    metric.parent.mkdir(exist_ok=True)
    metric.write_text("")
    return run.info.run_id, metric


def test_a_half_written_metric_fails_mlflows_artifact_logging(client, tmp_path):
    run_id, _ = _half_written_metric(client)
    (tmp_path / "report.txt").write_text("report")
    with pytest.raises(Exception, match=r"is malformed\. No data found"):
        client.log_artifact(run_id, str(tmp_path / "report.txt"))


def test_artifact_logging_is_retried_until_the_metric_is_written(client, tmp_path):
    run_id, metric = _half_written_metric(client)
    (tmp_path / "report.txt").write_text("report")
    # the worker's line lands while the first attempts fail
    writer = threading.Timer(0.1, lambda: metric.write_text("1700000000000 0.5 0\n"))
    writer.start()
    try:
        retry_half_written_metric(lambda: client.log_artifact(run_id, str(tmp_path / "report.txt")))
    finally:
        writer.join()
    assert [a.path for a in client.list_artifacts(run_id)] == ["report.txt"]
    assert client.get_run(run_id).data.metrics == {"eval.rmse": 0.5}


def test_other_errors_are_not_retried():
    calls = []

    def failing():
        calls.append(1)
        raise ValueError("something else")

    with pytest.raises(ValueError, match="something else"):
        retry_half_written_metric(failing)
    assert calls == [1]
