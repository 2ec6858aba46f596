"""Kedro projects made as users make them, offline: `kedro new` or `kedro mlflow new`."""

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Dict, Iterator, Optional, Tuple

import yaml

KEDRO = str(Path(sys.executable).with_name("kedro"))


# The stores every scenario suite runs against, and the session fixture of each server.
BACKENDS = ["file-store", "sqlite-server", "postgresql-server"]
SERVER_FIXTURES = {"sqlite-server": "mlflow_server", "postgresql-server": "postgres_mlflow_server"}


def new_config(folder: Path, repo_name: str, package: str) -> Path:
    """The `--config` file of `kedro new` / `kedro mlflow new` for a project in ``folder``."""
    config = folder / "new.yml"
    config.write_text(
        yaml.safe_dump(
            {
                "output_dir": str(folder),
                "project_name": repo_name.replace("-", " ").title(),
                "repo_name": repo_name,
                "python_package": package,
                "include_example": False,  # asked by kedro 0.16, ignored by 0.17
            }
        )
    )
    return config


def new_project(
    folder: Path,
    repo_name: str,
    package: str,
    mlflow: bool = True,
    kedro: str = KEDRO,
    env: Optional[Dict[str, str]] = None,
) -> Path:
    """``folder/repo_name``, made by `kedro mlflow new` (or plain `kedro new`)."""
    command = [kedro, "mlflow", "new"] if mlflow else [kedro, "new"]
    done = subprocess.run(
        [*command, "--config", str(new_config(folder, repo_name, package))],
        cwd=str(folder),
        # cookiecutter writes replay files in $HOME
        env={**(os.environ if env is None else env), "HOME": str(folder)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout
    return folder / repo_name


@contextlib.contextmanager
def kedro_mlflow_ui(project: Path) -> Iterator[Tuple["subprocess.Popen[str]", str]]:
    """`kedro mlflow ui` in ``project``, once it answers HTTP: (process, base URL).

    Stopped with Ctrl-C (SIGINT) when the block ends; ``process.returncode`` tells how.
    """
    process = subprocess.Popen(
        [KEDRO, "mlflow", "ui"],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        said = ""
        while not said.startswith("MLflow UI on "):  # kedro may warn about other things first
            said = process.stdout.readline()
            assert said, "kedro mlflow ui ended without serving"
        base = said.split()[3]
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{base}/", timeout=5) as answer:
                    assert answer.status == 200
                    break
            except OSError:
                assert process.poll() is None, process.stdout.read()
                assert time.monotonic() < deadline, "the UI did not answer"
                time.sleep(0.5)
        yield process, base
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)
