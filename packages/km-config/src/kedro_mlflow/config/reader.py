"""Read mlflow.yml through a project's own kedro config loader.

Going through the project's loader keeps the user's choices (environments,
TemplatedConfigLoader globals); reading the files again ourselves only serves to
say which file an error comes from.
"""

import logging
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Set

import yaml

from kedro_mlflow.compat.kedro_compat import MissingConfigException

from .errors import KedroMlflowConfigError
from .schema import KedroMlflowConfig

MLFLOW_PATTERNS = ("mlflow*", "mlflow*/**")
CREDENTIALS_PATTERNS = ("credentials*", "credentials*/**")
_READABLE_SUFFIXES = (".yml", ".yaml", ".json")

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
    try:
        data = config_loader.get(*MLFLOW_PATTERNS)
    except MissingConfigException:
        _tell_no_file(project_path)
        data = {}
    except Exception as error:  # the loader's parse and duplicate-key errors
        raise _unreadable(files, error) from error
    try:
        return KedroMlflowConfig.from_dict(
            data,
            project_path=project_path,
            package_name=package_name,
            credentials_loader=CredentialsSource(config_loader),
            source_files=files,
        )
    except KedroMlflowConfigError as error:
        raise error.located(files_defining(files, error.key)) from None


def read_credentials(config_loader: Any) -> Dict[str, Any]:
    """All entries of the project's credentials files (empty when there are none)."""
    try:
        return dict(config_loader.get(*CREDENTIALS_PATTERNS) or {})
    except MissingConfigException:
        return {}


class CredentialsSource:
    """Reads the project's credentials when called, and knows which files hold them.

    Only the reading is deferred (``setup()`` needs it); nothing read is kept.
    """

    def __init__(self, config_loader: Any) -> None:
        self._config_loader = config_loader

    def __call__(self) -> Dict[str, Any]:
        return read_credentials(self._config_loader)

    @property
    def files(self) -> List[Path]:
        """The credentials files, lowest-precedence environment first."""
        conf_paths = getattr(self._config_loader, "conf_paths", [])
        return find_config_files(conf_paths, CREDENTIALS_PATTERNS)


def find_config_files(conf_paths: Iterable[Any], patterns: Iterable[str]) -> List[Path]:
    """The files the patterns match, lowest-precedence environment first."""
    found: List[Path] = []
    for conf_path in conf_paths:
        for pattern in patterns:
            # pathlib's trailing "**" matches folders only; kedro's glob means files too
            if pattern.endswith("**"):
                pattern += "/*"
            for path in sorted(Path(conf_path).glob(pattern)):
                if path.is_file() and path.suffix in _READABLE_SUFFIXES and path not in found:
                    found.append(path.resolve())
    return found


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


def _load_raw(path: Path) -> Any:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _unreadable(files: List[Path], error: Exception) -> KedroMlflowConfigError:
    for path in files:
        try:
            content = _load_raw(path)
        except yaml.YAMLError as yaml_error:
            detail = " ".join(str(yaml_error).split())
            return KedroMlflowConfigError(f"this is not valid YAML: {detail}", files=path)
        if content is not None and not isinstance(content, Mapping):
            return KedroMlflowConfigError(
                f"expected a mapping of keys at the top of the file, got {type(content).__name__}",
                files=path,
            )
    detail = " ".join(str(error).split())
    return KedroMlflowConfigError(f"the files cannot be read: {detail}", files=files)


def files_defining(files: List[Path], key: Optional[str]) -> List[Path]:
    """The file whose value for the error's top-level key wins, else all files."""
    if not key:
        return files
    top = key.split(".")[0].split("[")[0]
    for path in reversed(files):  # the last environment read overrides the others
        try:
            content = _load_raw(path)
        except (OSError, yaml.YAMLError):
            continue
        if isinstance(content, Mapping) and top in content:
            return [path]
    return files
