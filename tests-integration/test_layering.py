"""tools/check_boundaries.py, the layering check of `nox -s lint`: it passes on the
repository and catches each kind of breach planted in a copy of it."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CHECK = REPO / "tools" / "check_boundaries.py"


def check(root: Path) -> "subprocess.CompletedProcess[str]":
    return subprocess.run(
        [sys.executable, str(CHECK), str(root)], capture_output=True, text=True, timeout=120
    )


@pytest.fixture(scope="module")
def copy(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("repo")
    shutil.copytree(
        REPO / "packages", root / "packages", ignore=shutil.ignore_patterns("__pycache__")
    )
    return root


def test_the_repository_keeps_its_layering_rules():
    result = check(REPO)
    assert result.returncode == 0, result.stdout + result.stderr


BREACHES = {
    "private attribute": "names = list(catalog._data_sets)\n",
    "private attribute by name": "path = getattr(dataset, '_filepath', None)\n",
    "private import": "from kedro.framework.startup import _get_project_metadata\n",
    "version test": "import mlflow\nOLD = mlflow.__version__ < '2'\n",
    "import outside __all__": "from kedro_mlflow.config.schema import _fail\n",
}


@pytest.mark.parametrize("kind", sorted(BREACHES))
def test_a_planted_breach_is_reported(copy: Path, kind: str):
    planted = copy / "packages/km-datasets/src/kedro_mlflow/io/common/planted.py"
    planted.write_text(f'"""A breach."""\n\n{BREACHES[kind]}')
    try:
        result = check(copy)
    finally:
        planted.unlink()
    assert result.returncode == 1, result.stdout
    (line,) = [line for line in result.stdout.splitlines() if "planted.py" in line]
    assert line.startswith("packages/km-datasets/src/kedro_mlflow/io/common/planted.py:")


def test_the_same_code_inside_km_compat_is_allowed(copy: Path):
    planted = copy / "packages/km-compat/src/kedro_mlflow/compat/planted.py"
    # private: a public name no package uses would be a breach of its own (below)
    planted.write_text('"""Allowed here."""\n\n_OLD = catalog._data_sets\n')
    try:
        result = check(copy)
    finally:
        planted.unlink()
    assert result.returncode == 0, result.stdout


# A public name of km-compat that only tests use (a helper of the test kit's kind).
TEST_ONLY = (
    '"""Planted."""\n\n__all__ = ["scoring_helper"]\n\n\ndef scoring_helper():\n    return 1\n'
)


def test_a_public_name_of_km_compat_no_package_uses_is_reported(copy: Path):
    planted = copy / "packages/km-compat/src/kedro_mlflow/compat/planted.py"
    planted.write_text(TEST_ONLY)
    try:
        result = check(copy)
    finally:
        planted.unlink()
    assert result.returncode == 1, result.stdout
    (line,) = [line for line in result.stdout.splitlines() if "planted.py" in line]
    assert line.startswith("packages/km-compat/src/kedro_mlflow/compat/planted.py:6:"), line
    assert "kedro_mlflow.compat.planted.scoring_helper is used by no other module" in line
    assert "test kit" in line


USES = {
    "from-import": "from kedro_mlflow.compat.planted import scoring_helper\n",
    "module alias": "from kedro_mlflow.compat import planted\nVALUE = planted.scoring_helper\n",
    "import as": "import kedro_mlflow.compat.planted as helpers\nVALUE = helpers.scoring_helper\n",
    "dotted": "import kedro_mlflow.compat.planted\n"
    "VALUE = kedro_mlflow.compat.planted.scoring_helper\n",
}


@pytest.mark.parametrize("use", sorted(USES))
def test_a_public_name_of_km_compat_a_package_uses_is_allowed(copy: Path, use: str):
    planted = copy / "packages/km-compat/src/kedro_mlflow/compat/planted.py"
    user = copy / "packages/km-datasets/src/kedro_mlflow/io/common/planted_user.py"
    planted.write_text(TEST_ONLY)
    user.write_text(f'"""Uses it."""\n\n{USES[use]}')
    try:
        result = check(copy)
    finally:
        planted.unlink()
        user.unlink()
    assert result.returncode == 0, result.stdout
