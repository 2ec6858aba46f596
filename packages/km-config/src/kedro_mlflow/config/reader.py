"""Read mlflow.yml through a project's own kedro config loader.

Going through the project's loader keeps the user's choices (environments,
TemplatedConfigLoader globals). Each file's top-level keys are read once beside it,
only to say which file an error comes from (see :mod:`.sources`).
"""

import logging
from pathlib import Path
from typing import Any, List, Optional, Set

from kedro_mlflow.compat.kedro_compat import MissingConfigException

from .credentials import CredentialsSource
from .errors import KedroMlflowConfigError
from .mlflow_config import KedroMlflowConfig
from .sources import FileKeys, files_defining, find_config_files, read_file_keys

__all__ = ["MLFLOW_PATTERNS", "read_mlflow_config"]

MLFLOW_PATTERNS = ("mlflow*", "mlflow*/**")

logger = logging.getLogger(__name__)
_told_no_file: Set[str] = set()


def read_mlflow_config(
    config_loader: Any, project_path: Path, package_name: Optional[str]
) -> KedroMlflowConfig:
    """Load and validate the project's mlflow.yml (all of its environments merged).

    With no mlflow.yml at all, the defaults apply and the log says, once per
    project, how to write one.
    """
    project_path = Path(project_path)
    files = find_config_files(getattr(config_loader, "conf_paths", []), MLFLOW_PATTERNS)
    file_keys = read_file_keys(files)
    try:
        data = config_loader.get(*MLFLOW_PATTERNS)
    except MissingConfigException:
        _tell_no_file(project_path)
        data = {}
    except Exception as error:  # the loader's parse and duplicate-key errors
        raise _unreadable(files, file_keys, error) from error
    try:
        return KedroMlflowConfig.from_dict(
            data,
            project_path=project_path,
            package_name=package_name,
            credentials_loader=CredentialsSource(config_loader),
            source_files=files,
            key_sources=file_keys.key_sources,
        )
    except KedroMlflowConfigError as error:
        located = files_defining(files, file_keys.key_sources, error.key)
        raise error.located(located) from None


def _tell_no_file(project_path: Path) -> None:
    key = str(project_path)
    if key in _told_no_file:
        return
    _told_no_file.add(key)
    logger.info(
        "No mlflow.yml found in %s: kedro-mlflow runs on its defaults."
        " Run `kedro mlflow init` to write one and change them.",
        project_path / "conf",
    )


def _unreadable(files: List[Path], file_keys: FileKeys, error: Exception) -> KedroMlflowConfigError:
    """The loader refused the files: name the first one whose top level is unreadable."""
    if file_keys.problems:  # kept in file order: name the first unreadable file
        path, problem = next(iter(file_keys.problems.items()))
        return KedroMlflowConfigError(problem, files=path)
    detail = " ".join(str(error).split())
    return KedroMlflowConfigError(f"the files cannot be read: {detail}", files=files)
