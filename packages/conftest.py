"""Fixtures shared by the packages' tests: real kedro projects made by `kedro new`."""

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

PACKAGE = "km_demo"
KEDRO = str(Path(sys.executable).with_name("kedro"))


# A CI started in the background (`cmd &` without job control) ignores SIGINT, and every
# child inherits that: the tests that stop a command with Ctrl-C need it delivered.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


def new_kedro_project(folder: Path) -> Path:
    """A project made in ``folder`` by the installed kedro's own `kedro new`, offline."""
    config = {
        "output_dir": str(folder),
        "project_name": "KM Demo",
        "repo_name": "km-demo",
        "python_package": PACKAGE,
        "include_example": False,  # required by kedro 0.16, ignored by 0.17
    }
    (folder / "new.yml").write_text(yaml.safe_dump(config))
    subprocess.run(
        [KEDRO, "new", "--config", str(folder / "new.yml")],
        check=True,
        capture_output=True,
        cwd=folder,
        env={**os.environ, "HOME": str(folder)},  # cookiecutter writes replay files there
    )
    return folder / "km-demo"


@pytest.fixture(scope="session")
def new_project_template(tmp_path_factory) -> Path:
    """One `kedro new` project, copied for each test that asks for `kedro_project`."""
    return new_kedro_project(tmp_path_factory.mktemp("template"))


@pytest.fixture
def kedro_project(new_project_template: Path, tmp_path: Path) -> Path:
    """A fresh copy of the `kedro new` project, for one test."""
    project = tmp_path / "km-demo"
    shutil.copytree(new_project_template, project)
    return project


def install_pipelines(project: Path, source: str) -> None:
    """Make `source` (a module defining `pipelines()` -> {name: Pipeline}) the project's
    registered pipelines, wherever its kedro version registers them."""
    from kedro_mlflow.compat.kedro_compat import find_project, register_project_pipelines

    (project / "src" / PACKAGE / "km_pipelines.py").write_text(source)
    register_project_pipelines(find_project(project), f"{PACKAGE}.km_pipelines", "pipelines")


@pytest.fixture
def pipelines_installer():
    """`install_pipelines(project, source)`, for tests that need real pipelines."""
    return install_pipelines
