"""The console scripts of the running Python environment (its `kedro`, its `mlflow`).

Tests call them by path, not through PATH, so that a command always runs with the
environment under test, whichever shell started pytest.
"""

import sys
from pathlib import Path
from typing import Optional


def venv_script(name: str, python: Optional[str] = None) -> str:
    """The console script ``name`` beside ``python`` (default: this interpreter)."""
    return str(Path(python or sys.executable).with_name(name))


# `kedro` of this environment.
KEDRO = venv_script("kedro")
# `mlflow` of this environment (mlflow 1.x has no `python -m mlflow`).
MLFLOW = venv_script("mlflow")
