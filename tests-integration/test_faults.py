"""Fault scenarios: the real `kedro` CLI, real stores and servers, things going wrong.

Each test makes a project with `kedro mlflow new`, registers the pipelines below and runs
`kedro run` in a subprocess, then reads the MLflow run back from the store:

- a node that raises: the run ends FAILED, with the parameters of the nodes that ran;
- the tracking server killed in the middle of a run: the next node boundary stops the
  run, saying what was not sent; what reached the server before is still there after a
  restart, and the next run works;
- a tracking server nobody listens to: the run fails at once, before any node runs;
- an artifact location that cannot be written: the run fails, naming the artifact;
- Ctrl-C during a node: the run is not left RUNNING.

Each scenario that involves a store runs against the project's file store, a SQLite-backed
`mlflow server` and a PostgreSQL-backed one (the killed server: the two servers).

The nodes write a marker file in ``$KM_FAULTS_MARKS`` as they start (``<node>.started``)
and finish (``<node>.done``); the waiting node waits for ``go`` there. The longest test
comes first, so that pytest-xdist runs the others beside it.
"""

import contextlib
import http.server
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import uuid
from pathlib import Path
from typing import Callable, Dict, Iterator, List, NamedTuple, Optional

import pytest
import yaml
from backends import BACKENDS, SERVER_FIXTURES
from km_testkit.executables import KEDRO
from km_testkit.mlflow_servers import MlflowServer, supports_serve_artifacts
from km_testkit.ports import free_port
from km_testkit.projects import new_project
from km_testkit.versions import MLFLOW_VERSION
from mlflow.tracking import MlflowClient

from kedro_mlflow.compat.mlflow_compat import max_param_length

pytestmark = pytest.mark.slow

PACKAGE = "km_faults"
EXPERIMENT = PACKAGE  # the experiment name `kedro mlflow new` writes in mlflow.yml
HANG_GUARD = 90  # seconds; every failure below is expected well within it

PIPELINES = '''"""The fault scenarios' pipelines (written by tests-integration/test_faults.py)."""

import os
import time
from pathlib import Path

import pandas as pd
from kedro.pipeline import Pipeline, node

MARKS = Path(os.environ["KM_FAULTS_MARKS"])


def _mark(name):
    MARKS.mkdir(parents=True, exist_ok=True)
    (MARKS / name).write_text("")


def prepare(alpha):
    _mark("prepare.started")
    _mark("prepare.done")
    return alpha * 2


def explode(a, beta):
    _mark("explode.started")
    raise ValueError(f"explode refuses beta={beta} (on purpose)")


def wait(a, beta):
    _mark("wait.started")
    deadline = time.monotonic() + 60
    while not (MARKS / "go").exists():
        if time.monotonic() > deadline:
            raise TimeoutError("wait: nobody created the go flag within 60 s")
        time.sleep(0.05)
    _mark("wait.done")
    return a + beta


def report(b, gamma):
    _mark("report.started")
    _mark("report.done")
    return b * gamma


def table(a):
    _mark("table.started")
    return pd.DataFrame({"a": [a], "twice": [2 * a]})


def pipelines():
    first = node(prepare, "params:alpha", "a", name="prepare")
    last = node(report, ["b", "params:gamma"], "c", name="report")
    return {
        "__default__": Pipeline([first, node(wait, ["a", "params:beta"], "b", name="wait"), last]),
        "boom": Pipeline([first, node(explode, ["a", "params:beta"], "b", name="explode"), last]),
        "artifact": Pipeline([first, node(table, "a", "fault_table", name="table")]),
    }
'''

PARAMETERS = {"alpha": 0.5, "beta": 3, "gamma": 7}

CATALOG = """
# ---- test_faults.py ----
fault_table:
  type: kedro_mlflow.io.artifacts.MlflowArtifactDataSet
  data_set:
    type: pandas.CSVDataSet
    filepath: data/08_reporting/fault_table.csv
"""


@pytest.fixture(scope="session")
def faults_template(tmp_path_factory) -> Path:
    """One project made by `kedro mlflow new`, with the pipelines above registered."""
    from kedro_mlflow.compat.kedro_compat import find_project, register_project_pipelines

    folder = tmp_path_factory.mktemp("faults-template")
    project = new_project(folder, "km-faults", PACKAGE)
    (project / "src" / PACKAGE / "fault_pipelines.py").write_text(PIPELINES)
    register_project_pipelines(find_project(project), f"{PACKAGE}.fault_pipelines", "pipelines")
    (project / "conf" / "base" / "parameters.yml").write_text(yaml.safe_dump(PARAMETERS))
    with open(project / "conf" / "base" / "catalog.yml", "a") as catalog:
        catalog.write(CATALOG)
    return project


@pytest.fixture
def project(faults_template: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "km-faults"
    shutil.copytree(str(faults_template), str(copy))
    return copy


@pytest.fixture
def marks(tmp_path: Path) -> Path:
    return tmp_path / "marks"


class Tracking(NamedTuple):
    """Where a scenario's project tracks: the URI, and its experiment there."""

    backend: str  # one of BACKENDS
    uri: str
    experiment: str
    server: Optional[MlflowServer] = None  # None: the project's file store


def use_experiment(project: Path, name: str) -> None:
    """Point the project's mlflow.yml at experiment ``name``."""
    mlflow_yml = project / "conf" / "local" / "mlflow.yml"
    text = mlflow_yml.read_text()
    assert f"  name: {EXPERIMENT}\n" in text
    mlflow_yml.write_text(text.replace(f"  name: {EXPERIMENT}\n", f"  name: {name}\n"))


@pytest.fixture(params=BACKENDS)
def tracking(request, project: Path) -> Tracking:
    """The scenario's store: the project's own, or a session server (own experiment)."""
    if request.param == "file-store":
        return Tracking(request.param, store_uri(project), EXPERIMENT)
    server = request.getfixturevalue(SERVER_FIXTURES[request.param])
    experiment = f"{EXPERIMENT}_{uuid.uuid4().hex[:8]}"  # the server is shared by the session
    use_experiment(project, experiment)
    return Tracking(request.param, server.url, experiment, server)


def env_for(tracking: Tracking, marks: Path) -> Dict[str, str]:
    """kedro_env tracking to ``tracking`` (the file store is mlflow.yml's default)."""
    return kedro_env(marks, None if tracking.server is None else tracking.uri)


def kedro_env(marks: Path, tracking_uri: Optional[str] = None) -> Dict[str, str]:
    """This environment without MLflow settings, plus the marks folder (and a tracking URI)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("MLFLOW_")}
    env["KM_FAULTS_MARKS"] = str(marks)
    env["PYTHONUNBUFFERED"] = "1"
    if tracking_uri is not None:
        env["MLFLOW_TRACKING_URI"] = tracking_uri  # mlflow.yml's null means this variable
    return env


def _hangup_as_at_a_terminal() -> None:
    signal.signal(signal.SIGHUP, signal.SIG_DFL)


class KedroRun:
    """`kedro run` in the background; its output goes to a file (no pipe to fill up)."""

    def __init__(self, project: Path, env: Dict[str, str], *options: str) -> None:
        self.log = project / "kedro-run.log"
        self.started = time.monotonic()
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                [KEDRO, "run", *options],
                cwd=str(project),
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                # as at a terminal: a CI started under nohup would pass SIGHUP on ignored
                preexec_fn=_hangup_as_at_a_terminal,
            )
        self.seconds = 0.0

    def wait(self, timeout: float = HANG_GUARD) -> int:
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            pytest.fail(f"`kedro run` still running after {timeout} s:\n{self.output[-3000:]}")
        self.seconds = time.monotonic() - self.started
        return code

    @property
    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        """Kill the run if it still runs (a test that failed half-way)."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def background() -> Iterator[Callable[..., KedroRun]]:
    """Start `kedro run` in the background; whatever still runs is killed afterwards."""
    started: List[KedroRun] = []

    def start(project: Path, env: Dict[str, str], *options: str) -> KedroRun:
        started.append(KedroRun(project, env, *options))
        return started[-1]

    yield start
    for run in started:
        run.stop()


def kedro_run(project: Path, env: Dict[str, str], *options: str) -> KedroRun:
    run = KedroRun(project, env, *options)
    run.wait()
    return run


def wait_for(condition, what: str, timeout: float = HANG_GUARD) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.1)


def runs_of(tracking_uri: str, experiment_name: str = EXPERIMENT) -> List:
    """The runs of the project's experiment, newest first."""
    client = MlflowClient(tracking_uri)
    experiment = client.get_experiment_by_name(experiment_name)
    if experiment is None:
        return []
    runs = client.search_runs([experiment.experiment_id])
    return sorted(runs, key=lambda run: run.info.start_time, reverse=True)


def only_run(tracking_uri: str, experiment_name: str = EXPERIMENT):
    runs = runs_of(tracking_uri, experiment_name)
    assert len(runs) == 1, [(run.info.run_id, run.info.status) for run in runs]
    return runs[0]


def store_uri(project: Path) -> str:
    """The project's default store: mlruns/ in the project (mlflow.yml says null)."""
    return (project / "mlruns").as_uri()


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_a_server_killed_mid_run_fails_the_run_and_keeps_what_was_logged(
    project, marks, tmp_path, background, database, request
):
    folder = tmp_path / "server"
    backend_uri, experiment = None, EXPERIMENT  # the server's own SQLite file
    if database == "postgresql":  # the session's database, under a server of our own
        backend_uri = request.getfixturevalue("postgres_mlflow_server").backend_uri
        experiment = f"{EXPERIMENT}_{uuid.uuid4().hex[:8]}"
        use_experiment(project, experiment)
    server = MlflowServer(folder, workers=1, backend_uri=backend_uri).start()
    # mlflow >= 1.2x retries each request to a dead server for about a minute by default;
    # a short retry budget keeps the test quick. The plugin must not add rounds of its own.
    quick_retries = {
        "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2",
        "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
    }
    try:
        running = background(project, {**kedro_env(marks, server.url), **quick_retries})
        wait_for(lambda: (marks / "wait.started").exists(), "the node `wait` to start")

        def first_params_logged() -> bool:
            runs = runs_of(server.url, experiment)
            return bool(runs) and "alpha" in runs[0].data.params

        wait_for(first_params_logged, "the first node's parameters to reach the server")
        run_id = runs_of(server.url, experiment)[0].info.run_id
        os.killpg(server._process.pid, signal.SIGKILL)  # the server and its workers, at once
        server._process.wait(timeout=30)
        killed = time.monotonic()
        (marks / "go").write_text("")
        code = running.wait()
        failed_after = time.monotonic() - killed
    finally:
        server.stop()

    assert code != 0, running.output
    # the next node boundary after the kill stops the run: `report` never starts
    assert (marks / "wait.done").exists() and not (marks / "report.started").exists()
    error = running.output.strip().splitlines()[-1]
    assert "TrackingServerLost" in error, error
    assert f"the tracking server {server.url} stopped answering during the run" in error
    assert "Everything logged so far had reached it." in error or "Not sent:" in error, error
    assert f"MLflow run {run_id} could not be marked FAILED" in running.output
    assert "Pipeline execution completed successfully" not in running.output
    assert "/runs/update" not in running.output  # no attempt to end the run on a dead server
    print(f"{database}: the run failed {failed_after:.1f} s after the server was killed")
    assert failed_after < 60, f"failed {failed_after:.0f} s after the kill"  # a hang guard

    with MlflowServer(folder, workers=1, backend_uri=backend_uri) as restarted:
        before = MlflowClient(restarted.url).get_run(run_id)
        assert before.data.params["alpha"] == "0.5"
        assert before.data.tags["kedro_command"] == "kedro run"
        assert before.info.status == "RUNNING"  # nobody could tell the store otherwise

        again = kedro_run(project, kedro_env(marks, restarted.url))
        assert again.process.returncode == 0, again.output
        latest = runs_of(restarted.url, experiment)[0]
        assert latest.info.run_id != run_id
        assert latest.info.status == "FINISHED"
        assert latest.data.params == {"alpha": "0.5", "beta": "3", "gamma": "7"}


def test_a_failing_node_fails_the_run_and_keeps_the_params_of_the_nodes_that_ran(
    project, marks, tracking
):
    done = kedro_run(project, env_for(tracking, marks), "--pipeline=boom")

    assert done.process.returncode != 0, done.output
    assert "explode refuses beta=3 (on purpose)" in done.output
    assert "ValueError" in done.output
    assert not (marks / "report.started").exists()
    run = only_run(tracking.uri, tracking.experiment)
    assert run.info.status == "FAILED"
    # prepare and explode started (their parameters went out first); report never did
    assert run.data.params == {"alpha": "0.5", "beta": "3"}
    assert run.data.tags["pipeline_name"] == "boom"


@pytest.mark.parametrize("where", ["environment", "mlflow.yml"])
def test_an_unreachable_server_fails_fast_before_any_node_runs(project, marks, where):
    uri = f"http://127.0.0.1:{free_port()}"
    if where == "mlflow.yml":
        mlflow_yml = project / "conf" / "local" / "mlflow.yml"
        text = mlflow_yml.read_text()
        default = "mlflow_tracking_uri: null"
        assert default in text
        mlflow_yml.write_text(text.replace(default, f"mlflow_tracking_uri: {uri}"))
        env = kedro_env(marks)
    else:
        env = kedro_env(marks, uri)

    done = kedro_run(project, env)

    assert done.process.returncode != 0, done.output
    assert uri in done.output
    assert "does not answer" in done.output
    assert not marks.exists()  # no node started
    assert done.seconds < 60, f"took {done.seconds:.1f} s"  # a hang guard: about 5 s here


class _BadGateway(http.server.BaseHTTPRequestHandler):
    """A proxy whose backend is gone: 502 to every request."""

    def do_GET(self):
        self.send_error(502)

    do_POST = do_GET

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def _misbehaving_server(kind: str) -> Iterator[str]:
    """The URI of a local server that accepts connections and never answers ("silent"),
    or that answers 502 to everything ("bad-gateway")."""
    if kind == "silent":
        with socket.socket() as silent:
            silent.bind(("127.0.0.1", 0))
            silent.listen(16)
            yield f"http://127.0.0.1:{silent.getsockname()[1]}"
        return
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _BadGateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("kind", ["silent", "bad-gateway"])
def test_a_server_that_does_not_work_fails_within_10_s_before_any_node(
    project, marks, tmp_path, kind
):
    # what `kedro run` takes to fail on a port nobody listens to: start-up and the hook
    baseline = kedro_run(project, kedro_env(marks, f"http://127.0.0.1:{free_port()}"))
    assert baseline.process.returncode != 0, baseline.output
    with _misbehaving_server(kind) as uri:
        done = kedro_run(project, kedro_env(marks, uri))

    assert done.process.returncode != 0, done.output
    error = done.output.strip().splitlines()[-1]
    assert f"the tracking server {uri} (from $MLFLOW_TRACKING_URI" in error, error
    expected = "does not answer (no answer within" if kind == "silent" else "answers HTTP 502"
    assert expected in error, error
    assert not marks.exists()  # no node started
    # The bound itself is the check's timeout, named in the message for the silent one
    # (4 s); timing here is only a hang guard (MLflow's own retries took 13 minutes).
    waited = done.seconds - baseline.seconds
    print(f"{kind} server: failed after {done.seconds:.1f} s, {waited:.1f} s more than a dead port")
    assert waited < 60, f"took {done.seconds:.1f} s, a dead port {baseline.seconds:.1f} s"


@pytest.mark.parametrize("bad", ["long-name", "long-value"])
def test_a_parameter_mlflow_refuses_fails_its_node_and_keeps_the_others(
    project, marks, tracking, bad
):
    """The last node's parameter is refused: the run fails there, before that node runs,
    naming node and key, with the parameters of the nodes before it logged."""
    if bad == "long-name":  # flattened, the key is longer than mlflow's 250 characters
        gamma, expected = {"g" * 300: 7}, "mlflow refuses the name of parameter 'gamma.ggg"
        option = ("flatten_dict_params: false", "flatten_dict_params: true")
    else:  # the strategy is `fail`, the default
        gamma, expected = "x" * (max_param_length() + 1), "LongParameterError"
        option = ("long_parameters_strategy: fail", "long_parameters_strategy: fail")
    parameters = project / "conf" / "base" / "parameters.yml"
    parameters.write_text(yaml.safe_dump({**PARAMETERS, "gamma": gamma}))
    mlflow_yml = project / "conf" / "local" / "mlflow.yml"
    text = mlflow_yml.read_text()
    assert option[0] in text
    mlflow_yml.write_text(text.replace(*option))
    marks.mkdir()
    (marks / "go").write_text("")  # the waiting node goes on at once

    done = kedro_run(project, env_for(tracking, marks))

    assert done.process.returncode != 0, done.output
    error = done.output.strip().splitlines()[-1]
    assert expected in error and "node 'report'" in error, error
    assert "Pipeline execution completed successfully" not in done.output
    assert (marks / "wait.done").exists() and not (marks / "report.started").exists()
    run = only_run(tracking.uri, tracking.experiment)
    assert run.info.status == "FAILED"
    assert run.data.params == {"alpha": "0.5", "beta": "3"}


def _continue_run(project: Path, run_id: str) -> None:
    mlflow_yml = project / "conf" / "local" / "mlflow.yml"
    text = mlflow_yml.read_text()
    assert "  id: null" in text
    mlflow_yml.write_text(text.replace("  id: null", f"  id: {run_id!r}", 1))


@pytest.mark.parametrize("case", ["missing", "deleted", "path-like", "other-experiment"])
def test_a_run_id_that_cannot_be_continued_is_refused_before_any_node(
    project, marks, tracking, case
):
    client = MlflowClient(tracking.uri)
    if case == "missing":
        run_id, expected = uuid.uuid4().hex, "there is no such run in"
    elif case == "path-like":
        run_id, expected = "../../etc/passwd", "is not an MLflow run id"
    else:
        name = tracking.experiment if case == "deleted" else f"other_{uuid.uuid4().hex[:8]}"
        found = client.get_experiment_by_name(name)
        experiment = found.experiment_id if found else client.create_experiment(name)
        run_id = client.create_run(experiment).info.run_id
        client.set_terminated(run_id, "FINISHED")
        if case == "deleted":
            client.delete_run(run_id)
            expected = "is a deleted run of"
        else:
            expected = f"is a run of the experiment {name!r}"
    _continue_run(project, run_id)

    done = kedro_run(project, env_for(tracking, marks))

    assert done.process.returncode != 0, done.output
    error = done.output.strip().splitlines()[-1]
    assert "KedroMlflowConfigError" in error and "mlflow.yml" in error, error
    assert "at key 'run.id'" in error and repr(run_id) in error and expected in error, error
    assert not marks.exists()  # no node started
    if case in ("deleted", "other-experiment"):  # the run is as it was
        assert client.get_run(run_id).info.status == "FINISHED"
        assert client.get_run(run_id).data.params == {}


def test_continuing_a_finished_run_with_changed_params_is_refused_before_any_node(
    project, marks, tracking
):
    first = kedro_run(project, env_for(tracking, marks), "--pipeline=artifact")
    assert first.process.returncode == 0, first.output
    run = only_run(tracking.uri, tracking.experiment)
    assert run.info.status == "FINISHED" and run.data.params == {"alpha": "0.5"}
    shutil.rmtree(marks)
    _continue_run(project, run.info.run_id)

    done = kedro_run(project, env_for(tracking, marks), "--pipeline=artifact", "--params=alpha:0.9")

    assert done.process.returncode != 0, done.output
    error = done.output.strip().splitlines()[-1]
    assert "at key 'run.id'" in error, error
    assert "'alpha' (logged '0.5', now '0.9')" in error, error
    assert not marks.exists()  # no node started
    after = MlflowClient(tracking.uri).get_run(run.info.run_id)
    assert after.info.status == "FINISHED"  # not turned FAILED
    assert after.data.params == {"alpha": "0.5"}
    # the same values continue the run
    again = kedro_run(project, env_for(tracking, marks), "--pipeline=artifact")
    assert again.process.returncode == 0, again.output
    assert only_run(tracking.uri, tracking.experiment).info.run_id == run.info.run_id


def test_an_unwritable_artifact_location_fails_the_run_naming_the_artifact(
    project, marks, tracking
):
    # Runs as root ignore read-only modes: a path under a regular file cannot be created
    # by anyone (ENOTDIR). A server that stores artifacts itself (mlflow >= 1.23) gets the
    # blocker in its artifact folder; otherwise the client writes to the location itself.
    served = tracking.server is not None and supports_serve_artifacts()
    if served:
        blocker = tracking.server.folder / "artifacts" / f"not-a-folder-{uuid.uuid4().hex[:8]}"
        location = f"mlflow-artifacts:/{blocker.name}/artifacts"
    else:
        blocker = project / "not-a-folder"
        location = (blocker / "artifacts").as_uri()
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_text("a file where the artifact root's parent folder should be\n")
    MlflowClient(tracking.uri).create_experiment(tracking.experiment, artifact_location=location)
    # a server answers 500 to the upload: no minute of retries
    env = {**env_for(tracking, marks), "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0"}

    done = kedro_run(project, env, "--pipeline=artifact")

    assert done.process.returncode != 0, done.output
    run = only_run(tracking.uri, tracking.experiment)
    error = done.output.strip().splitlines()[-1]
    assert error.startswith("kedro.io.core.DataSetError: MlflowArtifactDataSet("), error
    assert f"could not be logged to run {run.info.run_id} as 'fault_table.csv'" in error
    if served:  # the client only sees the server's refusal of the upload
        assert f"mlflow-artifacts/artifacts/{blocker.name}/" in error, error
    else:
        assert "NotADirectoryError" in error and str(blocker) in error
    assert run.info.status == "FAILED"
    assert run.data.params == {"alpha": "0.5"}


@pytest.mark.parametrize("stop", ["SIGINT", "SIGTERM", "SIGHUP"])
def test_a_run_stopped_during_a_node_is_not_left_running(
    project, marks, background, tracking, stop
):
    """Ctrl-C at the terminal, SIGTERM from `docker stop`, Kubernetes, a scheduler, or
    SIGHUP when the terminal or ssh session that started `kedro run` is closed."""
    running = background(project, env_for(tracking, marks))
    wait_for(lambda: (marks / "wait.started").exists(), "the node `wait` to start")
    running.process.send_signal(getattr(signal, stop))
    code = running.wait()

    assert not (marks / "wait.done").exists()
    if stop == "SIGINT":
        assert code != 0 and "Aborted!" in running.output, running.output
    else:
        assert code == 128 + getattr(signal, stop), running.output
        assert f"{stop} received: the kedro run stops" in running.output
    run = only_run(tracking.uri, tracking.experiment)
    if "refused the status KILLED" in running.output:
        # mlflow 1.9's SQLite schema has no KILLED: the hook falls back to FAILED
        assert MLFLOW_VERSION < (1, 10) and tracking.backend == "sqlite-server"
        assert run.info.status == "FAILED", running.output
    else:
        assert run.info.status == "KILLED", running.output
    # the parameters of the nodes that started are there, the interrupted one's included
    assert run.data.params == {"alpha": "0.5", "beta": "3"}
