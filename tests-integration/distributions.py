"""This repository's distributions, for the tests that build, install or inspect them."""

import re
from pathlib import Path

import tomli  # km-compat's dependency (Python < 3.11 has no tomllib)

from kedro_mlflow.config.installation import DISTRIBUTIONS, META

# The km-* packages, each released on its own, in the order they build on each other.
PACKAGES = list(DISTRIBUTIONS)
ALL = [*PACKAGES, META]

PACKAGES_DIR = Path(__file__).resolve().parents[1] / "packages"
# What hatch's version source reads from the file `[tool.hatch.version] path` names.
_VERSION_LINE = re.compile(r'^__version__ = "(?P<version>[^"]+)"$', re.MULTILINE)


def pyproject(distribution: str) -> dict:
    with open(PACKAGES_DIR / distribution / "pyproject.toml", "rb") as handle:
        return tomli.load(handle)


def version_file(distribution: str) -> Path:
    """The one file that holds the distribution's version (`__version__`)."""
    relative = pyproject(distribution)["tool"]["hatch"]["version"]["path"]
    return PACKAGES_DIR / distribution / relative


def source_version(distribution: str) -> str:
    """The distribution's version in this checkout: what its next build is."""
    match = _VERSION_LINE.search(version_file(distribution).read_text(encoding="utf-8"))
    assert match, f'{version_file(distribution)} has no `__version__ = "X.Y.Z"` line'
    return match.group("version")


def version_module(distribution: str) -> str:
    """The module that holds the version, as imported (kedro_mlflow.compat._version)."""
    relative = version_file(distribution).relative_to(PACKAGES_DIR / distribution / "src")
    return ".".join(relative.with_suffix("").parts)
