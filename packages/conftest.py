"""Fixtures shared by the packages' tests: real kedro projects made by `kedro new`.

The helpers behind them (``new_kedro_project``, ``install_pipelines``) are the test
kit's (testkit/, `km_testkit.projects`), so that the benchmarks make the same projects.
"""

import os
import shutil
import signal
from pathlib import Path

import pytest
from km_testkit.projects import install_pipelines, new_kedro_project

# A CI started in the background (`cmd &` without job control) ignores SIGINT, and every
# child inherits that: the tests that stop a command with Ctrl-C need it delivered.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

# `kedro mlflow ui` opens a web browser unless told not to: in tests, $BROWSER is a
# command that does nothing (a test that checks the browser sets its own).
os.environ["BROWSER"] = "true"


@pytest.fixture(scope="session")
def new_project_template(tmp_path_factory) -> Path:
    """One `kedro new` project, copied for each test that asks for `kedro_project`."""
    return new_kedro_project(tmp_path_factory.mktemp("template"))


@pytest.fixture
def kedro_project(new_project_template: Path, tmp_path: Path) -> Path:
    """A fresh copy of the `kedro new` project (package ``km_demo``), for one test."""
    project = tmp_path / "km-demo"
    shutil.copytree(new_project_template, project)
    return project


@pytest.fixture
def pipelines_installer():
    """`install_pipelines(project, source)`, for tests that need real pipelines."""
    return install_pipelines
