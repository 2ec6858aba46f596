"""`kedro mlflow ...` driven through the real kedro CLI, in a project made by `kedro new`."""

import os
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest

from kedro_mlflow.config import render_mlflow_yml
from kedro_mlflow.config.kedro_compat import plugin_hooks_auto_registered

PACKAGE = "km_demo"  # the package of the `kedro_project` fixture (packages/conftest.py)
KEDRO = str(Path(sys.executable).with_name("kedro"))


def kedro(args: List[str], cwd: Path) -> "subprocess.CompletedProcess[str]":
    return subprocess.run(
        [KEDRO, *args], cwd=cwd, capture_output=True, text=True, env=dict(os.environ)
    )


def test_help_outside_a_project_hides_project_commands(tmp_path: Path):
    result = kedro(["mlflow", "-h"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Use MLflow-specific commands inside a kedro project." in result.stdout
    lines = [line.split()[0] for line in result.stdout.splitlines() if line.startswith("  ")]
    assert "new" in lines
    assert "init" not in lines and "ui" not in lines


def test_help_inside_a_project_lists_init_and_ui(kedro_project: Path):
    result = kedro(["mlflow", "-h"], kedro_project)
    assert result.returncode == 0, result.stderr
    lines = [line.split()[0] for line in result.stdout.splitlines() if line.startswith("  ")]
    assert {"init", "ui"} <= set(lines)


@pytest.mark.parametrize("command", ["init", "ui"])
def test_project_command_outside_a_project_fails_clearly(tmp_path: Path, command: str):
    result = kedro(["mlflow", command], tmp_path)
    assert result.returncode == 1
    assert f"`kedro mlflow {command}` works at the root of a kedro project" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_init_writes_the_schema_defaults_for_the_project(kedro_project: Path):
    result = kedro(["mlflow", "init"], kedro_project)
    assert result.returncode == 0, result.stderr
    assert "'conf/local/mlflow.yml' successfully updated." in result.stdout
    written = (kedro_project / "conf/local/mlflow.yml").read_text()
    assert written == render_mlflow_yml(PACKAGE)
    # run.py is never rewritten; kedro < 0.16.4 users are told what to add to it
    told = "hooks = (mlflow_pipeline_hook, mlflow_node_hook)" in result.stdout
    assert told == (not plugin_hooks_auto_registered())


def test_init_keeps_an_existing_file_unless_forced(kedro_project: Path):
    target = kedro_project / "conf/local/mlflow.yml"
    target.write_text("experiment:\n  name: mine\n")
    kept = kedro(["mlflow", "init"], kedro_project)
    assert kept.returncode == 0, kept.stderr
    assert "already exists and was kept" in kept.stdout
    assert "kedro mlflow init --env local --force" in kept.stdout
    assert target.read_text() == "experiment:\n  name: mine\n"
    forced = kedro(["mlflow", "init", "--force"], kedro_project)
    assert forced.returncode == 0, forced.stderr
    assert target.read_text() == render_mlflow_yml(PACKAGE)


def test_init_in_another_environment(kedro_project: Path):
    result = kedro(["mlflow", "init", "--env", "staging"], kedro_project)
    assert result.returncode == 0, result.stderr
    assert "'conf/staging/mlflow.yml' successfully updated." in result.stdout
    assert (kedro_project / "conf/staging/mlflow.yml").read_text() == render_mlflow_yml(PACKAGE)
    assert not (kedro_project / "conf/local/mlflow.yml").exists()


def test_kedro_info_lists_the_plugin(kedro_project: Path):
    result = kedro(["info"], kedro_project)
    assert result.returncode == 0, result.stderr
    assert "km_cli: 0.8.0" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_kedro_loads_the_entry_point_without_mlflow_or_km_config():
    """kedro imports every plugin's entry point on every call: keep it to click."""
    code = (
        "import sys, kedro.framework.cli.cli; before = set(sys.modules); import km_cli;"
        "print(sorted(m for m in set(sys.modules) - before"
        " if m.split('.')[0] in ('mlflow', 'pandas', 'sklearn', 'attr', 'attrs', 'yaml')"
        " or m.startswith('kedro_mlflow.config')))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"
