"""Fixtures shared by the integration tests: real `mlflow server`s and a request count.

The servers, ports, executables and mlflow-state helpers come from the test kit
(testkit/, `km_testkit`); the modules here are the scenarios' own (backends,
distributions, iris_model, guide_project).
"""

import os
import signal
import sys
import uuid
from pathlib import Path
from typing import Iterator

import mlflow
import pytest
from km_testkit.mlflow_servers import MlflowServer, PostgresServer, RequestCounter, postgres_missing
from km_testkit.mlflow_state import clear_tracking_variables, tracking_at
from mlflow.tracking import MlflowClient

# pytest imports test files by path (--import-mode=importlib), which puts no folder on
# sys.path: the scenarios' own helper modules (backends.py, iris_model.py, ...) are
# imported by name from here.
sys.path.insert(0, str(Path(__file__).resolve().parent))

# A CI started in the background (`cmd &` without job control) ignores SIGINT, and every
# child inherits that: the tests that stop a command with Ctrl-C need it delivered.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

# `kedro mlflow ui` opens a web browser unless told not to: in tests, $BROWSER is a
# command that does nothing (a test that checks the browser sets its own).
os.environ["BROWSER"] = "true"


@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory) -> Iterator[MlflowServer]:
    """One `mlflow server` (SQLite store, 127.0.0.1) for the whole session."""
    with MlflowServer(tmp_path_factory.mktemp("mlflow-server")) as server:
        yield server


@pytest.fixture(scope="session")
def postgres_mlflow_server(tmp_path_factory) -> Iterator[MlflowServer]:
    """One `mlflow server` over a PostgreSQL store (both on 127.0.0.1) for the whole session.

    Artifacts are served by the server where mlflow can (1.23+), else written to its
    folder. The PostgreSQL tools are the machine's, or those nox provisioned when it has
    none (km_testkit.postgres_tools): missing tools fail the tests, they never skip them.
    """
    missing = postgres_missing()
    if missing:
        pytest.fail(f"postgres_mlflow_server: {missing}", pytrace=False)
    folder = tmp_path_factory.mktemp("mlflow-postgres-server")
    with PostgresServer() as database, MlflowServer(folder, backend_uri=database.uri) as server:
        server.database = database  # its files are part of what the server keeps
        yield server


@pytest.fixture(scope="session")
def request_counter(mlflow_server: MlflowServer) -> Iterator[RequestCounter]:
    """A counting proxy in front of the session's server."""
    with RequestCounter(mlflow_server.url) as counter:
        yield counter


@pytest.fixture(scope="session")
def postgres_request_counter(postgres_mlflow_server: MlflowServer) -> Iterator[RequestCounter]:
    """A counting proxy in front of the session's PostgreSQL-backed server."""
    with RequestCounter(postgres_mlflow_server.url) as counter:
        yield counter


class ServerTracking:
    """What a test tracking to the server gets: its URI, a client, its own experiment."""

    def __init__(self, counter: RequestCounter, server: MlflowServer, experiment: str) -> None:
        self.counter = counter
        self.server = server
        self.uri = counter.url
        self.client = MlflowClient(counter.url)
        self.experiment_name = experiment
        self.experiment_id = self.client.create_experiment(experiment)


@pytest.fixture(params=["sqlite-server", "postgresql-server"])
def server_tracking(request, monkeypatch) -> Iterator[ServerTracking]:
    """MLflow pointed at a server through a counting proxy, in an experiment of its own.

    Each test using it runs against the SQLite-backed and the PostgreSQL-backed server.
    The count starts at zero once the experiment is selected.
    """
    if request.param == "sqlite-server":
        mlflow_server = request.getfixturevalue("mlflow_server")
        request_counter = request.getfixturevalue("request_counter")
    else:
        mlflow_server = request.getfixturevalue("postgres_mlflow_server")
        request_counter = request.getfixturevalue("postgres_request_counter")
    clear_tracking_variables(monkeypatch)
    with tracking_at(request_counter.url, monkeypatch):
        tracking = ServerTracking(request_counter, mlflow_server, f"test-{uuid.uuid4().hex[:12]}")
        mlflow.set_experiment(tracking.experiment_name)
        request_counter.reset()
        yield tracking


@pytest.fixture
def local_data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    return folder


def pytest_terminal_summary(terminalreporter) -> None:
    """One line per scenario group (test module) of tests-integration, with counts."""
    here = Path(__file__).resolve().parent.name + "/"
    groups: dict = {}
    for outcome in ("passed", "failed", "error", "skipped"):
        for report in terminalreporter.stats.get(outcome, []):
            nodeid = getattr(report, "nodeid", "")
            if not nodeid.startswith(here) or getattr(report, "when", "call") not in (
                "call",
                "setup",
            ):
                continue
            if outcome == "passed" and report.when != "call":
                continue
            group = nodeid[len(here) :].split("::")[0][: -len(".py")].replace("test_", "", 1)
            counts = groups.setdefault(group, {"passed": 0, "failed": 0, "skipped": 0})
            counts["failed" if outcome == "error" else outcome] += 1
    if not groups:
        return
    terminalreporter.section("tests-integration scenario groups")
    for group, counts in sorted(groups.items()):
        terminalreporter.write_line(
            f"{group}: {counts['passed']} passed, {counts['failed']} failed,"
            f" {counts['skipped']} skipped"
        )
