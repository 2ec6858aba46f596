import textwrap
from pathlib import Path

import pytest
from kedro.config import ConfigLoader


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project root with the two standard environments and nothing in them."""
    root = tmp_path / "project"
    (root / "conf" / "base").mkdir(parents=True)
    (root / "conf" / "local").mkdir(parents=True)
    return root


@pytest.fixture
def loader(project: Path) -> ConfigLoader:
    """kedro's own ConfigLoader over conf/base then conf/local, as a project has."""
    return ConfigLoader([str(project / "conf" / "base"), str(project / "conf" / "local")])


@pytest.fixture(autouse=True)
def _no_tracking_uri_from_outside(monkeypatch):
    # The defaults under test depend on it; a developer's shell may set it.
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
