"""kedro 0.17 imports the plugins' hook entry points on every `kedro` call in a project."""

import subprocess
import sys


def test_entry_point_module_imports_no_mlflow_and_no_config_package():
    code = (
        "import sys, kedro.framework.cli.cli, kedro.framework.hooks;"
        "before = set(sys.modules); import km_hooks;"
        "print(sorted(m for m in set(sys.modules) - before"
        " if m.split('.')[0] in ('mlflow', 'pandas', 'sklearn', 'attr', 'attrs')"
        " or m.startswith(('kedro_mlflow.config', 'kedro_mlflow.io', 'kedro_mlflow.pipeline'))))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"
