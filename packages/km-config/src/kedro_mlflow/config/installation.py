"""Is every file of our distributions still on disk? What to run when not.

`pip install kedro-mlflow==0.8.x` over kedro-mlflow 0.7.x installs the km-* wheels
first, then uninstalls 0.7.x, whose RECORD lists some of the same paths
(`kedro_mlflow/io/artifacts/__init__.py`, ...): pip deletes them, and the subpackages
that lose their `__init__.py` turn into empty namespace packages ("cannot import name
... (unknown location)"). uv uninstalls first and is not affected.

`km_hooks` and `km_cli` call `damage_report()` only once an import has failed, so a
sound installation never pays for the check.
"""

import shlex
import sys
from pathlib import Path
from typing import Dict, List, Optional

if sys.version_info >= (3, 8):
    from importlib import metadata
else:  # Python 3.7: the backport, which mlflow already depends on
    import importlib_metadata as metadata

__all__ = ["DISTRIBUTIONS", "META", "damage_report", "missing_files", "repair_command"]

# The one list of our distributions, in the order they build on each other. The
# noxfile reads it (without importing this module), and so do the packaging tests and
# the meta-package. Each km-* one ships the plugin's files; the kedro-mlflow
# meta-package ships only kedro_mlflow.meta (`kedro info`, line magics).
DISTRIBUTIONS = (
    "km-compat",
    "km-config",
    "km-datasets",
    "km-pipelineml",
    "km-hooks",
    "km-cli-entrypoint",
    "km-cli",
)
META = "kedro-mlflow"


def missing_files() -> Dict[str, List[str]]:
    """{distribution: [paths its RECORD lists that are gone]}, for the damaged ones.

    Byte-code caches and paths outside the install folder are left out: deleting
    `__pycache__` is harmless.
    """
    missing: Dict[str, List[str]] = {}
    for name in DISTRIBUTIONS:
        try:
            distribution = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        gone = [
            str(path)
            for path in distribution.files or []
            if "__pycache__" not in path.parts
            and ".." not in path.parts
            and not path.parts[0].endswith(".dist-info")
            and not Path(path.locate()).exists()  # typeshed: locate() -> PathLike
        ]
        if gone:
            missing[name] = sorted(gone)
    return missing


def repair_command(missing: Dict[str, List[str]]) -> str:
    """The pip command that puts back the files of exactly these distributions."""
    pins = [f"{name}=={metadata.version(name)}" for name in missing]
    python = shlex.quote(sys.executable)
    return " ".join([python, "-m", "pip", "install", "--force-reinstall", "--no-deps", *pins])


def damage_report() -> Optional[str]:
    """What is missing and the command that repairs it; None when nothing is missing."""
    missing = missing_files()
    if not missing:
        return None
    count = sum(len(paths) for paths in missing.values())
    folder = metadata.distribution(next(iter(missing))).locate_file("")
    lines = [
        f"kedro-mlflow's installation is damaged: {count} files of"
        f" {', '.join(missing)} are missing from {folder}:"
    ]
    for name, paths in missing.items():
        lines += [f"  {name}: {path}" for path in paths]
    lines += [
        "pip deletes them when it upgrades kedro-mlflow 0.7.x in place (0.7.x listed the"
        " same files, and pip removes it last). Repair with:",
        f"  {repair_command(missing)}",
    ]
    return "\n".join(lines)
