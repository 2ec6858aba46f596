"""The entry point kedro loads on every call: nothing to resolve, and kedro never breaks.

Run alone (`nox -s unit`: km-cli-entrypoint without km-cli) and in the combined install.
"""

import importlib.util
import subprocess
import sys
from pathlib import Path

from km_testkit.executables import KEDRO


def _km_cli_installed() -> bool:
    try:  # find_spec raises when a parent package is missing too
        return importlib.util.find_spec("kedro_mlflow.framework.cli") is not None
    except ModuleNotFoundError:
        return False


KM_CLI_INSTALLED = _km_cli_installed()


def test_kedro_resolves_no_requirement_to_load_the_entry_point():
    """kedro 0.16/0.17 call pkg_resources' EntryPoint.load(), which first resolves the
    declaring distribution's requirements recursively: that one must have none."""
    code = (
        "import pkg_resources;"
        "eps = [e for e in pkg_resources.iter_entry_points('kedro.global_commands')"
        " if e.module_name == 'km_cli'];"
        "print(len(eps), eps[0].dist.project_name, eps[0].dist.requires());"
        "print(eps[0].load().name)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["1 km-cli-entrypoint []", "kedro-mlflow"]


def test_kedro_works_and_kedro_mlflow_says_what_is_there(tmp_path: Path):
    help_text = subprocess.run([KEDRO, "--help"], cwd=tmp_path, capture_output=True, text=True)
    assert help_text.returncode == 0, help_text.stderr
    assert "mlflow" in help_text.stdout
    result = subprocess.run([KEDRO, "mlflow", "-h"], cwd=tmp_path, capture_output=True, text=True)
    assert "Traceback" not in result.stdout + result.stderr
    if KM_CLI_INSTALLED:  # the combined install: km-cli's commands
        assert result.returncode == 0, result.stderr
        assert "new" in result.stdout
    else:  # alone: kedro still works, and the message says how to get the commands
        assert result.returncode == 1
        assert "`kedro mlflow` needs km-cli: `pip install km-cli`" in result.stderr
