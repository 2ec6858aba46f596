"""`kedro mlflow ui`: the MLflow UI on the project's tracking store."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Optional
from urllib.parse import urlparse

import click

from .project import current_project

# mlflow 1.x has no `python -m mlflow`; its click group works on every version.
_MLFLOW_CLI = "import sys; from mlflow.cli import cli; sys.exit(cli())"


@click.command(name="ui")
@click.option("--env", "-e", default=None, help="Kedro environment whose mlflow.yml to read.")
@click.option("--port", "-p", type=int, default=None, help="Port (default: mlflow.yml, else free).")
@click.option("--host", default=None, help="Host (default: mlflow.yml, else 127.0.0.1).")
def ui(env: Optional[str], port: Optional[int], host: Optional[str]) -> None:
    """Serve the MLflow UI on the project's tracking store; Ctrl-C stops it."""
    from kedro_mlflow.config.kedro_compat import load_project_context
    from kedro_mlflow.framework.context import get_mlflow_config

    project = current_project("ui")
    config = get_mlflow_config(load_project_context(project.project_path, env=env))
    uri = config.mlflow_tracking_uri
    if urlparse(uri).scheme in ("http", "https"):
        click.echo(f"This project tracks to the server {uri}: open it in a browser.")
        return
    host = host or config.ui.host or "127.0.0.1"
    port = port or config.ui.port or _free_port(host)
    command = [sys.executable, "-c", _MLFLOW_CLI, "ui", "--backend-store-uri", uri]
    command += ["--host", host, "--port", str(port)]
    environment = dict(os.environ)
    # mlflow starts gunicorn by name: this interpreter's scripts must come first.
    environment["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), environment["PATH"]])
    click.echo(f"MLflow UI on http://{host}:{port} for {uri} (Ctrl-C to stop)")
    # Its own process group: on Ctrl-C the whole server (gunicorn and its workers) is
    # stopped by us, and nothing is left holding the port.
    process = subprocess.Popen(
        command, env=environment, cwd=str(project.project_path), start_new_session=True
    )
    # A process manager's SIGTERM and a closed terminal's SIGHUP stop it as Ctrl-C does:
    # the server is in a session of its own and would outlive us otherwise.
    for stop_signal in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(stop_signal, _interrupt)
    try:
        code = process.wait()
    except KeyboardInterrupt:
        code = _stop(process)
        click.echo("MLflow UI stopped.")
    if code not in (0, -signal.SIGINT, -signal.SIGTERM):
        raise click.ClickException(f"the MLflow UI exited with status {code}")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def _stop(process: "subprocess.Popen[bytes]") -> int:
    group = os.getpgid(process.pid)
    os.killpg(group, signal.SIGTERM)
    try:
        return process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(group, signal.SIGKILL)
        return process.wait()
    finally:
        # gunicorn's workers may outlive the mlflow process by a moment
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)
