"""kedro 0.17 imports the plugins' hook entry points on every `kedro` call in a project,
and a project's settings.py imports the documented hooks: neither import may cost
`kedro --help` mlflow, pandas or the other packages of the plugin."""

import subprocess
import sys

import pytest

HEAVY = "('mlflow', 'pandas', 'sklearn', 'attr', 'attrs')"
OTHER_PACKAGES = "('kedro_mlflow.config', 'kedro_mlflow.io', 'kedro_mlflow.pipeline')"


def _modules_imported_by(statement: str) -> str:
    """The heavy modules ``statement`` imports after what the kedro CLI has imported."""
    code = (
        "import sys, kedro.framework.cli.cli, kedro.framework.hooks;"
        f"before = set(sys.modules); {statement};"
        "print(sorted(m for m in set(sys.modules) - before"
        f" if m.split('.')[0] in {HEAVY} or m.startswith({OTHER_PACKAGES})))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_entry_point_module_imports_no_mlflow_and_no_config_package():
    assert _modules_imported_by("import km_hooks") == "[]"


@pytest.mark.parametrize(
    "statement",
    [
        "import kedro_mlflow.framework.hooks",
        # what a project's settings.py (kedro 0.17) or run.py (kedro 0.16) does
        "from kedro_mlflow.framework.hooks import mlflow_pipeline_hook, mlflow_node_hook",
    ],
)
def test_documented_hooks_import_no_mlflow_and_no_config_package(statement: str):
    assert _modules_imported_by(statement) == "[]"
