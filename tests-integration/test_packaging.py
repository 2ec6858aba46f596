"""The combined install: every package in the one `kedro_mlflow` namespace, from this repo."""

import json
import shutil
import subprocess
import sys

if sys.version_info >= (3, 8):
    from importlib import metadata
else:  # Python 3.7: the backport, which mlflow already depends on
    import importlib_metadata as metadata
from pathlib import Path
from typing import List

import pytest
from distributions import META
from distributions import PACKAGES as DISTRIBUTIONS

REPO = Path(__file__).resolve().parents[1]
SUBPACKAGES = {
    "km-config": ["kedro_mlflow.config", "kedro_mlflow.framework.context"],
    "km-datasets": [
        "kedro_mlflow.io.artifacts",
        "kedro_mlflow.io.metrics",
        "kedro_mlflow.io.models",
        "kedro_mlflow.io.common",
    ],
    "km-pipelineml": ["kedro_mlflow.pipeline", "kedro_mlflow.mlflow"],
    "km-hooks": ["kedro_mlflow.framework.hooks"],
    "km-cli": ["kedro_mlflow.framework.cli"],
}
NAMESPACE_LEVELS = ["kedro_mlflow", "kedro_mlflow.framework", "kedro_mlflow.io"]


def _files(distribution: str) -> List[str]:
    return [str(f) for f in metadata.files(distribution) or [] if ".dist-info" not in str(f)]


@pytest.mark.parametrize("distribution", [*DISTRIBUTIONS, META])
def test_installed_from_this_repository_not_from_an_index(distribution: str):
    direct_url = metadata.distribution(distribution).read_text("direct_url.json")
    assert direct_url, f"{distribution} has no direct_url.json: it came from an index"
    url = json.loads(direct_url)["url"]
    assert url == (REPO / "packages" / distribution).as_uri()


def test_every_subpackage_imports_from_the_combined_install():
    import importlib

    for modules in SUBPACKAGES.values():
        for module in modules:
            assert importlib.import_module(module).__file__


@pytest.mark.parametrize("level", NAMESPACE_LEVELS)
def test_namespace_levels_stay_namespaces(level: str):
    import importlib

    module = importlib.import_module(level)
    assert getattr(module, "__file__", None) is None, f"{level} has an __init__.py"


def test_no_two_distributions_ship_the_same_file():
    owners = {}
    for distribution in DISTRIBUTIONS:
        for path in _files(distribution):
            assert path not in owners, f"{path}: {owners.get(path)} and {distribution}"
            owners[path] = distribution
    assert not any(path.endswith("kedro_mlflow/__init__.py") for path in owners)


def test_two_packages_in_separate_folders_share_the_namespace(tmp_path: Path):
    """PEP 420 across folders: km-config in one path entry, km-datasets in another.

    Both folders come before site-packages, so each subpackage must be found in its
    own folder through the one merged namespace.
    """
    folders = {}
    for distribution in ("km-config", "km-datasets"):
        target = tmp_path / distribution
        for relative in _files(distribution):
            source = Path(metadata.distribution(distribution).locate_file(relative))
            if source.suffix == ".py":
                (target / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(source, target / relative)
        folders[distribution] = target
    script = (
        "import kedro_mlflow.config, kedro_mlflow.io.artifacts;"
        "print(kedro_mlflow.config.__file__);"
        "print(kedro_mlflow.io.artifacts.__file__)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={"PYTHONPATH": f"{folders['km-config']}:{folders['km-datasets']}"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    config_file, artifacts_file = result.stdout.split()
    # each subpackage comes from its own folder, under one kedro_mlflow namespace
    assert config_file.startswith(f"{folders['km-config']}/kedro_mlflow/config/")
    assert artifacts_file.startswith(f"{folders['km-datasets']}/kedro_mlflow/io/artifacts/")
