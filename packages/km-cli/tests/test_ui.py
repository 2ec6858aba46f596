"""`kedro mlflow ui` started as a user does, answering on its port, stopped by Ctrl-C."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import List

import pytest
from mlflow.tracking import MlflowClient

KEDRO = str(Path(sys.executable).with_name("kedro"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=5) as response:
        assert response.status == 200
        return response.read()


def _serve_and_stop(project: Path, args: List[str], port: int, stop: int = signal.SIGINT) -> str:
    """Start the UI, check it serves the project's store, stop it (Ctrl-C by default);
    return its output."""
    experiment = MlflowClient((project / "mlruns").resolve().as_uri()).create_experiment("seen")
    process = subprocess.Popen(
        [KEDRO, "mlflow", "ui", *args],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=dict(os.environ),
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                assert b"<html" in _get(f"http://127.0.0.1:{port}/").lower()
                break
            except OSError:
                assert process.poll() is None, process.stdout.read()
                assert time.monotonic() < deadline, "the UI did not answer"
                time.sleep(0.5)
        api = f"http://127.0.0.1:{port}/api/2.0/mlflow/experiments/get?experiment_id={experiment}"
        assert json.loads(_get(api))["experiment"]["name"] == "seen"
    finally:
        process.send_signal(stop)  # SIGINT: what Ctrl-C sends
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    with pytest.raises(OSError):
        _get(f"http://127.0.0.1:{port}/")
    return output


@pytest.mark.timeout(180)
def test_ui_takes_host_and_port_from_the_environment_mlflow_yml(kedro_project: Path):
    port = _free_port()
    staging = kedro_project / "conf" / "staging"
    staging.mkdir()
    (staging / "mlflow.yml").write_text(f"ui:\n  port: {port}\n  host: 127.0.0.1\n")
    output = _serve_and_stop(kedro_project, ["--env", "staging"], port)
    assert f"MLflow UI on http://127.0.0.1:{port}" in output
    assert "MLflow UI stopped." in output


@pytest.mark.timeout(180)
def test_command_line_port_wins_over_mlflow_yml(kedro_project: Path):
    (kedro_project / "conf/local/mlflow.yml").write_text(f"ui:\n  port: {_free_port()}\n")
    port = _free_port()
    output = _serve_and_stop(kedro_project, ["--port", str(port)], port)
    assert f"MLflow UI on http://127.0.0.1:{port}" in output


@pytest.mark.timeout(180)
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_process_manager_or_a_closed_terminal_stops_the_server_too(
    kedro_project: Path, stop: int
):
    port = _free_port()
    output = _serve_and_stop(kedro_project, ["--port", str(port)], port, stop=stop)
    assert "MLflow UI stopped." in output
