"""Eight first `kedro run`s at once on a store nobody has used yet: SQLite and PostgreSQL.

mlflow.yml points each run straight at the database (``sqlite:///<file>`` or
``postgresql://...``, no tracking server), so each process creates MLflow's store
itself, and a fresh store means creating its schema (an alembic migration) and its
Default experiment. Eight processes doing that at once break each other (``table
latest_metrics already exists`` on SQLite, ``UniqueViolation`` on PostgreSQL) unless
the first initialisation is serialised, which kedro-mlflow does in ``setup_tracking``.
The experiment does not exist either: the runs also race to create it.

One iris project made by `kedro mlflow new` is copied eight times (runs of one project
would write the same data files); each copy trains with its own seed. All eight must
exit 0 and the store must hold eight FINISHED runs afterwards.
"""

import shutil
import subprocess
import time
import uuid
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

import pytest
from km_testkit.executables import KEDRO
from km_testkit.mlflow_state import environ_without_tracking
from km_testkit.projects import new_project
from mlflow.tracking import MlflowClient

from kedro_mlflow.config.errors import KedroMlflowConfigError
from kedro_mlflow.config.store_initialisation import first_store_use, lock_file, sqlite_initialised

pytestmark = pytest.mark.slow

RUNS = 8
SEEDS = [301 + index for index in range(RUNS)]
DEADLINE = 400  # seconds for the eight runs together; then the ones left are killed
PACKAGE = "iris_first"  # also the experiment's name: `kedro mlflow new` writes it


def clean_env(home: Path) -> Dict[str, str]:
    env = environ_without_tracking()
    env["HOME"] = str(home)  # cookiecutter writes replay files there
    return env


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """An iris project from `kedro mlflow new --config`, as a user makes it."""
    folder = tmp_path_factory.mktemp("first-runs-template")
    return new_project(folder, "iris-first", PACKAGE, env=clean_env(folder))


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_store(request, tmp_path: Path) -> Iterator[str]:
    """The URI of a store nobody has used: a SQLite file not there yet, or a new database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store' / 'mlflow.db'}"
        return
    database = request.getfixturevalue("postgres_mlflow_server").database
    yield database.create_database(f"first_runs_{uuid.uuid4().hex[:10]}")


def copies(template: Path, folder: Path, uri: str) -> List[Path]:
    """Eight copies of the project, each with mlflow.yml pointing at ``uri``."""
    projects = []
    for index in range(RUNS):
        project = Path(shutil.copytree(str(template), str(folder / f"run-{index}")))
        mlflow_yml = project / "conf" / "local" / "mlflow.yml"
        text = mlflow_yml.read_text()
        assert "mlflow_tracking_uri: null" in text
        mlflow_yml.write_text(
            text.replace("mlflow_tracking_uri: null", f"mlflow_tracking_uri: {uri}")
        )
        projects.append(project)
    return projects


def run_all_at_once(projects: List[Path], env: Dict[str, str]) -> List[Tuple[int, str]]:
    """`kedro run --pipeline=training --params seed:N` in each project, all started together.

    Returns each run's (exit status, output), in the projects' order.
    """
    started = []
    for project, seed in zip(projects, SEEDS):
        log = open(project / "kedro-run.log", "w")  # noqa: SIM115 - closed below
        process = subprocess.Popen(
            [KEDRO, "run", "--pipeline=training", "--params", f"seed:{seed}"],
            cwd=str(project),
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        started.append((process, log))
    deadline = time.monotonic() + DEADLINE
    results = []
    for process, log in started:
        try:
            process.wait(timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        results.append((process.returncode, Path(log.name).read_text(errors="replace")))
    return results


def last_error_line(output: str) -> str:
    """The last line of ``output`` that names an error (else its last line)."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    errors = [
        line
        for line in lines
        if ("Error" in line or "error" in line) and not line.startswith("(Background")
    ]
    return (errors or lines or ["(no output)"])[-1][:300]


def test_eight_concurrent_first_runs_on_a_fresh_store_all_succeed(
    template: Path, fresh_store: str, tmp_path: Path
):
    if fresh_store.startswith("sqlite:"):
        Path(fresh_store[len("sqlite:///") :]).parent.mkdir()
    projects = copies(template, tmp_path, fresh_store)

    started = time.perf_counter()
    results = run_all_at_once(projects, clean_env(tmp_path))
    took = time.perf_counter() - started

    failed = [(seed, code, out) for seed, (code, out) in zip(SEEDS, results) if code]
    assert not failed, (
        f"{len(failed)} of {RUNS} first runs on {fresh_store} failed in {took:.0f} s (seed,"
        f" exit status, last line; -9: killed at the deadline):"
        f" {[(s, c, last_error_line(o)) for s, c, o in failed]};"
        f" the first one's output:\n{failed[0][2][-4000:]}"
    )
    client = MlflowClient(fresh_store)
    experiment = client.get_experiment_by_name(PACKAGE)
    assert experiment is not None
    runs = client.search_runs([experiment.experiment_id], max_results=100)
    assert sorted(r.info.status for r in runs) == ["FINISHED"] * RUNS, [
        (r.info.run_id, r.info.status) for r in runs
    ]
    seeds = sorted(int(r.data.params["seed"]) for r in runs)
    assert seeds == SEEDS, seeds


# The lock itself, in this process: no lock for a store that exists, none left on error.


def test_an_existing_sqlite_store_is_opened_without_taking_the_lock(tmp_path: Path):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    MlflowClient(uri).search_runs(["0"])  # creates the store
    assert sqlite_initialised(tmp_path / "mlflow.db")
    with first_store_use(uri):
        MlflowClient(uri)
    assert not lock_file(tmp_path / "mlflow.db").exists()


def test_the_sqlite_lock_is_released_when_creating_the_store_fails(tmp_path: Path):
    import fcntl

    database = tmp_path / "mlflow.db"
    with pytest.raises(RuntimeError, match="on purpose"), first_store_use(f"sqlite:///{database}"):
        assert lock_file(database).exists()
        raise RuntimeError("on purpose")
    with open(lock_file(database)) as handle:  # a lock still held would refuse this
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


def test_the_postgresql_lock_is_released_when_creating_the_store_fails(postgres_mlflow_server):
    import sqlalchemy

    database = postgres_mlflow_server.database
    uri = database.create_database(f"lock_release_{uuid.uuid4().hex[:10]}")
    held = sqlalchemy.text(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    )
    engine = sqlalchemy.create_engine(uri)
    try:
        with pytest.raises(RuntimeError, match="on purpose"), first_store_use(uri):
            with engine.connect() as connection:
                assert connection.execute(held).scalar() == 1
            raise RuntimeError("on purpose")
        with engine.connect() as connection:
            assert connection.execute(held).scalar() == 0
    finally:
        engine.dispose()


def test_a_creation_race_on_a_store_that_cannot_be_locked_says_what_to_run_first():
    uri = "mysql://someone:secret@127.0.0.1:1/mlflow"  # not connected to: nothing is locked
    with pytest.raises(KedroMlflowConfigError) as raised, first_store_use(uri):
        raise RuntimeError("(MySQLdb.OperationalError) Table 'experiments' already exists")
    message = str(raised.value)
    assert "mlflow db upgrade mysql://someone:***@127.0.0.1:1/mlflow" in message
    assert "mlflow experiments " in message
    assert "secret" not in message
    assert raised.value.key == "mlflow_tracking_uri"
