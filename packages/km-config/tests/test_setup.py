"""setup(): credentials exported, tracking URI and experiment set, in a real MLflow store."""

import base64
import contextlib
import http.server
import os
import pickle
import socket
import threading
import time
from pathlib import Path
from typing import Callable, Iterator

import attrs
import mlflow
import pytest
from km_testkit.mlflow_state import end_active_runs
from km_testkit.ports import free_port
from mlflow.tracking import MlflowClient

from kedro_mlflow.config import KedroMlflowConfigError, read_mlflow_config
from kedro_mlflow.config.tracking_setup import check_reachable

from .conftest import write

SECRET = "s3cr3t-value-that-must-not-leak"


@pytest.fixture(autouse=True)
def _no_run_left_active():
    yield
    end_active_runs()


def test_setup_points_mlflow_at_the_project_store(project: Path, loader):
    write(project / "conf/local/mlflow.yml", "experiment:\n  name: churn\n")
    config = read_mlflow_config(loader, project, "pkg")
    experiment_id = config.setup()
    assert mlflow.get_tracking_uri() == (project / "mlruns").resolve().as_uri()
    with mlflow.start_run() as run:
        mlflow.log_param("alpha", 0.5)
    stored = MlflowClient(config.mlflow_tracking_uri).get_run(run.info.run_id)
    assert stored.info.experiment_id == experiment_id
    assert stored.data.params == {"alpha": "0.5"}
    assert (project / "mlruns").is_dir()
    assert MlflowClient(config.mlflow_tracking_uri).get_experiment(experiment_id).name == "churn"


def test_setup_twice_reuses_the_experiment(project: Path, loader):
    config = read_mlflow_config(loader, project, "pkg")
    assert config.setup() == config.setup()


def test_relative_sqlite_store_is_created_in_the_project(
    project: Path, loader, tmp_path, monkeypatch
):
    write(project / "conf/local/mlflow.yml", "mlflow_tracking_uri: sqlite:///mlflow.db\n")
    monkeypatch.chdir(tmp_path)  # the cwd must not matter
    config = read_mlflow_config(loader, project, "pkg")
    experiment_id = config.setup()
    assert (project / "mlflow.db").is_file()
    client = MlflowClient(config.mlflow_tracking_uri)
    assert client.get_experiment_by_name("pkg").experiment_id == experiment_id


def test_missing_experiment_without_create_is_an_error(project: Path, loader):
    path = write(
        project / "conf/local/mlflow.yml",
        """
        experiment:
          name: does_not_exist
          create: false
    """,
    )
    config = read_mlflow_config(loader, project, "pkg")
    with pytest.raises(KedroMlflowConfigError) as info:
        config.setup()
    assert info.value.key == "experiment.name"
    assert info.value.files == [path.resolve()]
    assert "'does_not_exist' does not exist" in str(info.value)
    assert MlflowClient(config.mlflow_tracking_uri).get_experiment_by_name("does_not_exist") is None


def test_existing_experiment_without_create_is_used(project: Path, loader):
    write(project / "conf/local/mlflow.yml", "experiment:\n  name: made\n  create: false\n")
    config = read_mlflow_config(loader, project, "pkg")
    made = MlflowClient(config.mlflow_tracking_uri).create_experiment("made")
    assert config.setup() == made


def test_deleted_experiment_is_restored_with_create(project: Path, loader):
    write(project / "conf/local/mlflow.yml", "experiment:\n  name: gone\n")
    config = read_mlflow_config(loader, project, "pkg")
    client = MlflowClient(config.mlflow_tracking_uri)
    deleted = client.create_experiment("gone")
    client.delete_experiment(deleted)
    assert client.get_experiment(deleted).lifecycle_stage == "deleted"
    assert config.setup() == deleted  # the same experiment, not a new one
    assert client.get_experiment(deleted).lifecycle_stage == "active"
    with mlflow.start_run() as run:
        pass
    assert client.get_run(run.info.run_id).info.experiment_id == deleted


def test_deleted_experiment_without_create_says_how_to_restore_it(project: Path, loader):
    path = write(project / "conf/local/mlflow.yml", "experiment:\n  name: gone\n  create: false\n")
    config = read_mlflow_config(loader, project, "pkg")
    client = MlflowClient(config.mlflow_tracking_uri)
    deleted = client.create_experiment("gone")
    client.delete_experiment(deleted)
    with pytest.raises(KedroMlflowConfigError, match=r"is deleted.*restore") as info:
        config.setup()
    assert info.value.files == [path.resolve()]
    assert client.get_experiment(deleted).lifecycle_stage == "deleted"


def test_credentials_are_exported_and_never_kept(project: Path, loader, monkeypatch):
    monkeypatch.delenv("KM_TEST_ACCESS_KEY", raising=False)
    monkeypatch.delenv("KM_TEST_SECRET_KEY", raising=False)
    write(
        project / "conf/local/credentials.yml",
        f"""
        my_mlflow_credentials:
          KM_TEST_ACCESS_KEY: the-key
          KM_TEST_SECRET_KEY: {SECRET}
    """,
    )
    write(project / "conf/local/mlflow.yml", "credentials: my_mlflow_credentials\n")
    config = read_mlflow_config(loader, project, "pkg")
    config.setup()
    assert os.environ["KM_TEST_ACCESS_KEY"] == "the-key"
    assert os.environ["KM_TEST_SECRET_KEY"] == SECRET
    with mlflow.start_run():
        mlflow.log_param("p", 1)
    for shown in (repr(config), str(config.to_dict()), str(attrs.asdict(config))):
        assert SECRET not in shown and "the-key" not in shown
    assert SECRET.encode() not in pickle.dumps(config.to_dict())
    for path in (project / "mlruns").rglob("*"):
        if path.is_file():
            assert SECRET not in path.read_text(errors="ignore"), path


def test_credentials_entry_missing_is_an_error(project: Path, loader):
    write(project / "conf/local/credentials.yml", "other: {A: b}\n")
    path = write(project / "conf/local/mlflow.yml", "credentials: my_mlflow_credentials\n")
    config = read_mlflow_config(loader, project, "pkg")
    with pytest.raises(KedroMlflowConfigError) as info:
        config.setup()
    assert info.value.key == "credentials"
    assert info.value.files == [path.resolve()]
    assert "credentials.yml has no entry 'my_mlflow_credentials'" in str(info.value)


def test_credentials_entry_that_is_not_a_mapping_is_an_error(project: Path, loader):
    write(project / "conf/local/credentials.yml", "my_mlflow_credentials: just-a-string\n")
    write(project / "conf/local/mlflow.yml", "credentials: my_mlflow_credentials\n")
    config = read_mlflow_config(loader, project, "pkg")
    with pytest.raises(KedroMlflowConfigError, match="must map environment variable names"):
        config.setup()


@pytest.mark.parametrize("bad", ["BAD=NAME", ""])
def test_credentials_key_that_cannot_be_a_variable_is_an_error(
    project: Path, loader, monkeypatch, bad: str
):
    monkeypatch.delenv("KM_TEST_GOOD_KEY", raising=False)
    credentials = write(
        project / "conf/local/credentials.yml",
        f"""
        my_mlflow_credentials:
          KM_TEST_GOOD_KEY: fine
          "{bad}": {SECRET}
    """,
    )
    write(project / "conf/local/mlflow.yml", "credentials: my_mlflow_credentials\n")
    config = read_mlflow_config(loader, project, "pkg")
    with pytest.raises(KedroMlflowConfigError) as info:
        config.setup()
    assert info.value.files == [credentials.resolve()]
    assert info.value.key == f"my_mlflow_credentials.{bad}"
    assert f"{bad!r} cannot be an environment variable name" in str(info.value)
    assert SECRET not in str(info.value)
    assert "KM_TEST_GOOD_KEY" not in os.environ  # nothing half-exported


@pytest.mark.timeout(60)  # MLflow's own retries would take minutes
def test_unreachable_server_fails_at_once_naming_the_uri(project: Path, loader):
    uri = f"http://127.0.0.1:{free_port()}"
    path = write(project / "conf/local/mlflow.yml", f"mlflow_tracking_uri: {uri}\n")
    config = read_mlflow_config(loader, project, "pkg")
    with pytest.raises(KedroMlflowConfigError) as info:
        config.setup()
    assert info.value.key == "mlflow_tracking_uri"
    assert info.value.files == [path.resolve()]
    assert f"the tracking server {uri} does not answer" in str(info.value)


@pytest.mark.timeout(60)
def test_an_unreachable_server_from_the_environment_is_named_as_such(
    project: Path, loader, monkeypatch
):
    uri = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    write(project / "conf/local/mlflow.yml", "mlflow_tracking_uri: null\n")
    config = read_mlflow_config(loader, project, "pkg")
    with pytest.raises(KedroMlflowConfigError) as info:
        config.setup()
    assert (
        f"the tracking server {uri} (from $MLFLOW_TRACKING_URI, as mlflow_tracking_uri is"
        " null) does not answer" in str(info.value)
    )
    assert "point $MLFLOW_TRACKING_URI or mlflow_tracking_uri at a running one" in str(info.value)


@contextlib.contextmanager
def http_server(answer: Callable[[http.server.BaseHTTPRequestHandler], None]) -> Iterator[int]:
    """A real HTTP server on 127.0.0.1 whose every GET is answered by ``answer``; its port."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            answer(self)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def test_any_http_answer_counts_as_reachable():
    with http_server(lambda request: request.send_error(404)) as port:
        check_reachable(f"http://127.0.0.1:{port}")


def test_a_user_and_password_in_the_uri_go_as_basic_authentication():
    """As MLflow's client sends them: not as part of the host name."""
    seen = []

    def healthy(request: http.server.BaseHTTPRequestHandler) -> None:
        seen.append((request.path, request.headers.get("Authorization")))
        request.send_response(200)
        request.end_headers()

    with http_server(healthy) as port:
        check_reachable(f"http://alice:s%40cret@127.0.0.1:{port}")
    expected = "Basic " + base64.b64encode(b"alice:s@cret").decode("ascii")
    assert seen == [("/health", expected)]


@pytest.mark.timeout(60)
def test_a_server_that_accepts_and_never_answers_is_reported_within_the_timeout():
    # the kernel accepts connections (from the backlog) but nothing ever replies
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    uri = f"http://127.0.0.1:{silent.getsockname()[1]}"
    started = time.monotonic()
    try:
        with pytest.raises(KedroMlflowConfigError, match="no answer within 2 s") as info:
            check_reachable(uri, timeout=2.0)
    finally:
        silent.close()
    assert time.monotonic() - started < 5
    assert f"the tracking server {uri} does not answer" in str(info.value)


def test_a_server_that_answers_502_to_everything_is_reported():
    with http_server(lambda request: request.send_error(502)) as port:
        uri = f"http://127.0.0.1:{port}"
        with pytest.raises(KedroMlflowConfigError) as info:
            check_reachable(uri)
    assert f"the tracking server {uri} answers HTTP 502" in str(info.value)


def test_a_password_in_the_uri_is_never_printed():
    port = free_port()
    with pytest.raises(KedroMlflowConfigError) as info:
        check_reachable(f"http://alice:{SECRET}@127.0.0.1:{port}", timeout=2.0)
    assert SECRET not in str(info.value)
    assert f"http://alice:***@127.0.0.1:{port}" in str(info.value)
