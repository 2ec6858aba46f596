"""km-config is imported by the CLI's entry points: it must not drag mlflow in."""

import subprocess
import sys


def test_importing_the_config_does_not_import_mlflow_or_pandas():
    code = (
        "import sys, kedro_mlflow.config, kedro_mlflow.framework.context;"
        "print(sorted(m for m in ('mlflow', 'pandas', 'sklearn') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
