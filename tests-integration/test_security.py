"""Security: credentials stay out of everything MLflow keeps; the UI listens on loopback.

A secret from credentials.yml is exported for the run (as `mlflow.yml`'s `credentials`
asks) and then searched for, byte for byte, in every file of the tracking store and of
the server's database and artifacts, in the run's params and tags, in the kedro run's
output and in the project's logs.
"""

import os
import subprocess
import sys
from pathlib import Path
from typing import Iterator, List

import pytest
from km_testkit.executables import KEDRO
from km_testkit.ports import free_port
from km_testkit.projects import kedro_mlflow_ui, new_project, typed
from mlflow.tracking import MlflowClient

pytestmark = pytest.mark.slow

SECRET = "km-s3cr3t-0f-7h3-734m"  # must appear nowhere but credentials.yml


def files_holding(folder: Path, needle: bytes) -> List[str]:
    return [
        str(path) for path in folder.rglob("*") if path.is_file() and needle in path.read_bytes()
    ]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    project = new_project(tmp_path, "km-secure", "km_secure")
    (project / "conf/local/credentials.yml").write_text(
        f"team_mlflow:\n  MLFLOW_TRACKING_PASSWORD: {SECRET}\n"
    )
    mlflow_yml = project / "conf/local/mlflow.yml"
    mlflow_yml.write_text(
        mlflow_yml.read_text().replace("credentials: null", "credentials: team_mlflow")
    )
    return project


def kedro_run(project: Path, tracking_uri: str = "") -> str:
    output = typed(project, "run", "--pipeline=training", tracking_uri=tracking_uri)
    assert "logged as the MLflow model" in output
    return output


def check_run_metadata(client: MlflowClient, experiment: str) -> None:
    (run,) = client.search_runs([client.get_experiment_by_name(experiment).experiment_id])
    assert run.info.status == "FINISHED"
    everything = [*run.data.params.items(), *run.data.tags.items()]
    assert not [item for item in everything if SECRET in item[0] or SECRET in item[1]]


def test_credentials_stay_out_of_the_file_store_and_the_logs(project: Path):
    output = kedro_run(project)
    assert SECRET not in output
    assert files_holding(project / "mlruns", SECRET.encode()) == []
    assert files_holding(project / "logs", SECRET.encode()) == []
    check_run_metadata(MlflowClient((project / "mlruns").as_uri()), "km_secure")
    # the secret was there to leak: only credentials.yml holds it
    assert files_holding(project / "conf", SECRET.encode()) == [
        str(project / "conf/local/credentials.yml")
    ]


@pytest.mark.parametrize("server", ["mlflow_server", "postgres_mlflow_server"])
def test_credentials_stay_out_of_a_tracking_server(project: Path, server: str, request):
    mlflow_server = request.getfixturevalue(server)
    output = kedro_run(project, mlflow_server.url)
    assert SECRET not in output
    # the server's artifacts, its log, and its SQLite file or PostgreSQL's data folder
    kept = [mlflow_server.folder]
    if hasattr(mlflow_server, "database"):
        kept.append(mlflow_server.database.folder)
    for folder in kept:
        assert files_holding(folder, SECRET.encode()) == []
    check_run_metadata(MlflowClient(mlflow_server.url), "km_secure")


def listening_addresses(port: int) -> Iterator[str]:
    """The local IPv4/IPv6 addresses with a socket listening on ``port`` (from /proc)."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not Path(table).exists():
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                yield address


@pytest.mark.timeout(180)
def test_kedro_mlflow_ui_listens_on_loopback_only(project: Path):
    with kedro_mlflow_ui(project) as (_, base):
        assert base.startswith("http://127.0.0.1:"), base
        # 127.0.0.1 in /proc's little-endian hex; never 0.0.0.0 or ::
        assert set(listening_addresses(int(base.rsplit(":", 1)[1]))) == {"0100007F"}


@pytest.mark.timeout(240)
def test_kedro_mlflow_ui_on_a_database_prints_its_uri_without_the_password(
    project: Path, postgres_mlflow_server
):
    """The UI serves a PostgreSQL store whose URI holds a password (the test server trusts
    127.0.0.1, so the password is not checked): every line of its output hides it."""
    import json
    import signal
    import time
    import urllib.request

    database = postgres_mlflow_server.database
    uri = f"postgresql://{database.user}:{SECRET}@127.0.0.1:{database.port}/{database.database}"
    mlflow_yml = project / "conf/local/mlflow.yml"
    mlflow_yml.write_text(
        mlflow_yml.read_text().replace("mlflow_tracking_uri: null", f"mlflow_tracking_uri: {uri}")
    )
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}
    process = subprocess.Popen(
        [KEDRO, "mlflow", "ui", "--port", str(port)],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    api = f"http://127.0.0.1:{port}/api/2.0/mlflow/experiments/get?experiment_id=0"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(api, timeout=5) as answer:
                    default = json.loads(answer.read())["experiment"]
                break
            except OSError:
                assert process.poll() is None, process.stdout.read()
                assert time.monotonic() < deadline, "the UI did not answer"
                time.sleep(0.5)
        assert default["name"] == "Default"  # the database's own experiment
        assert set(listening_addresses(port)) == {"0100007F"}
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert SECRET not in output
    shown = f"postgresql://{database.user}:***@127.0.0.1:{database.port}/{database.database}"
    assert f"MLflow UI on http://127.0.0.1:{port} for {shown}" in output
    assert "without authentication" not in output
    assert files_holding(project / "logs", SECRET.encode()) == []


def failing_run(project: Path, tracking_uri: str = "") -> "subprocess.CompletedProcess[str]":
    """`kedro run` that must fail; its output, and the peak memory of the kedro process
    (KiB, from a parent of its own so that no other process counts)."""
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}
    if tracking_uri:
        env["MLFLOW_TRACKING_URI"] = tracking_uri
    measure = (
        "import resource, subprocess, sys\n"
        "code = subprocess.call(sys.argv[1:])\n"
        "print('PEAK_KIB', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
        "sys.exit(code)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", measure, KEDRO, "run", "--pipeline=training"],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=300,
    )
    assert done.returncode != 0, done.stdout
    return done


def test_a_password_in_the_tracking_uri_is_never_printed(project: Path):
    uri = f"http://alice:{SECRET}@127.0.0.1:{free_port()}"
    done = failing_run(project, uri)
    assert SECRET not in done.stdout
    assert f"http://alice:***@127.0.0.1:{uri.rsplit(':', 1)[1]}" in done.stdout
    assert files_holding(project / "logs", SECRET.encode()) == []


def test_a_yaml_alias_bomb_in_mlflow_yml_is_refused_in_bounded_memory(project: Path):
    # 300-odd bytes that expand to 9**8 (43 million) strings: gigabytes once written out
    levels = ['&a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for name, previous in zip("bcdefgh", "abcdefg"):
        levels.append(f"&{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    mlflow_yml = project / "conf/local/mlflow.yml"
    bomb = "run:\n  name: [" + ", ".join(levels) + "]\n"
    assert len(bomb) < 400
    mlflow_yml.write_text(bomb)

    done = failing_run(project)

    assert len(done.stdout) < 20_000, len(done.stdout)
    assert "the configuration expands to more than 10000 values" in done.stdout
    assert str(mlflow_yml) in done.stdout
    peak_mib = int(done.stdout.split("PEAK_KIB ")[1].split()[0]) / 1024
    print(f"alias bomb refused, kedro run peak memory {peak_mib:.0f} MiB")
    assert peak_mib < 1024, f"{peak_mib:.0f} MiB"  # the unbounded message took 3.1 GB


def test_a_credentials_key_that_is_no_variable_name_is_refused_naming_the_file(project: Path):
    credentials = project / "conf/local/credentials.yml"
    credentials.write_text(f'team_mlflow:\n  "BAD=NAME": {SECRET}\n')
    done = failing_run(project)
    error = done.stdout.strip().splitlines()[-2]  # the last line is the peak memory
    assert f"in '{credentials}' at key 'team_mlflow.BAD=NAME'" in error, error
    assert "cannot be an environment variable name" in error, error
    assert SECRET not in done.stdout
