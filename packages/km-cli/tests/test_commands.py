"""`kedro mlflow ...` driven through the real kedro CLI, in a project made by `kedro new`."""

import os
import subprocess
import sys
from pathlib import Path
from typing import List, Optional

import pytest
import yaml
from km_testkit.executables import KEDRO
from km_testkit.projects import DEMO_PACKAGE as PACKAGE  # the `kedro_project` fixture's

from kedro_mlflow.compat.kedro_compat import plugin_hooks_auto_registered
from kedro_mlflow.config import render_mlflow_yml

if sys.version_info >= (3, 8):
    from importlib import metadata
else:  # Python 3.7: the backport, which mlflow already depends on
    import importlib_metadata as metadata


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


def test_init_writes_the_guide_template_for_the_project(kedro_project: Path):
    result = kedro(["mlflow", "init"], kedro_project)
    assert result.returncode == 0, result.stderr
    assert "'conf/local/mlflow.yml' successfully updated." in result.stdout
    written = (kedro_project / "conf/local/mlflow.yml").read_text()
    assert written == render_mlflow_yml(PACKAGE)
    # the values the 0.7.3 guide shows (4.1.2.x), the experiment named after the package
    content = yaml.safe_load(written)
    assert content["mlflow_tracking_uri"] == "mlruns"
    assert "\nmlflow_tracking_uri: mlruns\n" in written
    assert content["credentials"] is None
    assert content["disable_tracking"] == {"pipelines": []}
    # restore_if_deleted: kedro-mlflow 0.8's key, read in this layout too
    assert content["experiment"] == {"name": PACKAGE, "create": True, "restore_if_deleted": True}
    assert content["run"] == {"id": None, "name": None, "nested": True}
    assert content["ui"] == {"port": None, "host": None}
    assert content["hooks"]["node"] == {
        "flatten_dict_params": False,
        "recursive": True,
        "sep": ".",
        "long_parameters_strategy": "fail",
    }
    # run.py is never rewritten; kedro < 0.16.4 users are told what to add to it
    told = "hooks = (mlflow_pipeline_hook, mlflow_node_hook)" in result.stdout
    assert told == (not plugin_hooks_auto_registered())


def test_init_layout_08_writes_the_server_tracking_sections(kedro_project: Path):
    result = kedro(["mlflow", "init", "--layout", "0.8"], kedro_project)
    assert result.returncode == 0, result.stderr
    written = (kedro_project / "conf/local/mlflow.yml").read_text()
    assert written == render_mlflow_yml(PACKAGE, layout="0.8")
    # every key of the 0.8.1 guide's configuration page, at its documented default
    assert yaml.safe_load(written) == {
        "server": {
            "mlflow_tracking_uri": "mlruns",
            "stores_environment_variables": {},
            "credentials": None,
        },
        "tracking": {
            "disable_tracking": {"pipelines": []},
            "experiment": {"name": PACKAGE, "restore_if_deleted": True},
            "run": {"id": None, "name": None, "nested": True},
            "params": {
                "dict_params": {"flatten": False, "recursive": True, "sep": "."},
                "long_params_strategy": "fail",
            },
        },
        "ui": {"port": None, "host": None},
    }
    # and the project reads it: the same settings as the default (0.7) layout gives
    code = (
        "import sys; from kedro_mlflow.config import get_mlflow_config;"
        "from kedro_mlflow.compat.kedro_compat import load_project_context;"
        "c = get_mlflow_config(load_project_context(sys.argv[1]));"
        "print(c.layout, c.mlflow_tracking_uri, c.experiment.name)"
    )
    read = subprocess.run(
        [sys.executable, "-c", code, str(kedro_project)], capture_output=True, text=True
    )
    assert read.returncode == 0, read.stderr
    mlruns = (kedro_project / "mlruns").resolve().as_uri()
    assert read.stdout.split() == ["0.8", mlruns, PACKAGE]


def test_init_refuses_an_unknown_layout(kedro_project: Path):
    result = kedro(["mlflow", "init", "--layout", "0.9"], kedro_project)
    assert result.returncode == 2
    assert "Invalid value for '--layout'" in result.stderr
    assert "0.7" in result.stderr and "0.8" in result.stderr  # the choices, in click's words
    assert not (kedro_project / "conf/local/mlflow.yml").exists()


def test_init_keeps_an_existing_file_unless_forced(kedro_project: Path):
    target = kedro_project / "conf/local/mlflow.yml"
    target.write_text("experiment:\n  name: mine\n")
    kept = kedro(["mlflow", "init"], kedro_project)
    assert kept.returncode == 0, kept.stderr
    assert "'conf/local/mlflow.yml' already exists and was kept" in kept.stdout
    assert "kedro mlflow init --env local --force" in kept.stdout
    assert target.read_text() == "experiment:\n  name: mine\n"
    forced = kedro(["mlflow", "init", "--force"], kedro_project)
    assert forced.returncode == 0, forced.stderr
    assert "'conf/local/mlflow.yml' successfully updated." in forced.stdout
    assert target.read_text() == render_mlflow_yml(PACKAGE)


def test_init_silent_writes_without_saying_so(kedro_project: Path):
    target = kedro_project / "conf/local/mlflow.yml"
    result = kedro(["mlflow", "init", "--silent"], kedro_project)
    assert result.returncode == 0, result.stderr
    assert "mlflow.yml" not in result.stdout
    assert target.read_text() == render_mlflow_yml(PACKAGE)
    # as in 0.7.3, --silent still says an existing file was kept (nothing was written)
    target.write_text("experiment:\n  name: mine\n")
    kept = kedro(["mlflow", "init", "-s"], kedro_project)
    assert kept.returncode == 0, kept.stderr
    assert "already exists and was kept" in kept.stdout
    forced = kedro(["mlflow", "init", "-s", "-f"], kedro_project)
    assert forced.returncode == 0, forced.stderr
    assert "mlflow.yml" not in forced.stdout
    assert target.read_text() == render_mlflow_yml(PACKAGE)


def test_init_in_another_environment(kedro_project: Path):
    (kedro_project / "conf/staging").mkdir()
    result = kedro(["mlflow", "init", "--env", "staging"], kedro_project)
    assert result.returncode == 0, result.stderr
    assert "'conf/staging/mlflow.yml' successfully updated." in result.stdout
    assert (kedro_project / "conf/staging/mlflow.yml").read_text() == render_mlflow_yml(PACKAGE)
    assert not (kedro_project / "conf/local/mlflow.yml").exists()


def test_init_in_a_missing_environment_fails_and_writes_nothing(kedro_project: Path):
    conf = kedro_project / "conf"
    before = sorted(conf.rglob("*"))
    result = kedro(["mlflow", "init", "-e", "staging"], kedro_project)
    assert result.returncode == 1
    assert "the environment folder 'conf/staging' does not exist" in result.stderr
    assert "(base, local)" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert "successfully updated" not in result.stdout
    assert sorted(conf.rglob("*")) == before
    assert list(kedro_project.rglob("mlflow.yml")) == []


def _move_conf_root(project: Path, name: str) -> None:
    """Make ``name`` the project's CONF_ROOT where its kedro version reads it."""
    (project / "conf").rename(project / name)
    settings = project / "src" / PACKAGE / "settings.py"
    if settings.is_file():  # kedro 0.17: settings.py
        settings.write_text(settings.read_text() + f"\nCONF_ROOT = {name!r}\n")
        return
    run_py = project / "src" / PACKAGE / "run.py"  # kedro 0.16: the ProjectContext class
    text = run_py.read_text()
    anchor = "class ProjectContext(KedroContext):\n"
    assert anchor in text
    run_py.write_text(text.replace(anchor, anchor + f"    CONF_ROOT = {name!r}\n", 1))


def test_init_writes_under_the_configured_conf_root(kedro_project: Path):
    _move_conf_root(kedro_project, "settings")
    result = kedro(["mlflow", "init"], kedro_project)
    assert result.returncode == 0, result.stderr
    assert "'settings/local/mlflow.yml' successfully updated." in result.stdout
    assert (kedro_project / "settings/local/mlflow.yml").read_text() == render_mlflow_yml(PACKAGE)
    assert not (kedro_project / "conf").exists()
    # the same folder kedro itself reads its configuration from
    (kedro_project / "settings/base/parameters.yml").write_text("marker: 7\n")
    code = (
        "import sys; from kedro_mlflow.compat.kedro_compat import load_project_context;"
        "print(load_project_context(sys.argv[1]).params['marker'])"
    )
    params = subprocess.run(
        [sys.executable, "-c", code, str(kedro_project)], capture_output=True, text=True
    )
    assert params.returncode == 0, params.stderr
    assert params.stdout.strip().splitlines()[-1] == "7"
    missing = kedro(["mlflow", "init", "--env", "prod"], kedro_project)
    assert missing.returncode == 1
    assert "'settings/prod' does not exist" in missing.stderr


def test_kedro_info_lists_the_plugin(kedro_project: Path):
    """km-cli's own distribution always; ``kedro_mlflow`` and its version (as the 0.7.3
    guide shows, 2.1.3) when the meta-package is installed; never a failure without it."""
    result = kedro(["info"], kedro_project)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    from kedro_mlflow.framework.cli._version import __version__

    assert f"km_cli: {__version__}" in result.stdout  # the code's version, as installed
    meta = _installed_version("kedro-mlflow")
    listed = [line for line in result.stdout.splitlines() if line.startswith("kedro_mlflow:")]
    if meta is None:  # km-cli alone (`nox -s unit`): nothing named kedro_mlflow
        assert listed == []
    else:  # the combined install
        assert len(listed) == 1 and listed[0].startswith(f"kedro_mlflow: {meta} ")


def _installed_version(distribution: str) -> Optional[str]:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


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
