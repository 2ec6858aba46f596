"""credentials.yml, read through the project's config loader when ``setup()`` needs it."""

from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping

from kedro_mlflow.compat.kedro_compat import MissingConfigException

from .sources import files_defining, find_config_files, read_file_keys

__all__ = ["CREDENTIALS_PATTERNS", "CredentialsSource", "credentials_of", "read_credentials"]

CREDENTIALS_PATTERNS = ("credentials*", "credentials*/**")


def read_credentials(config_loader: Any) -> Dict[str, Any]:
    """All entries of the project's credentials files (empty when there are none)."""
    try:
        return dict(config_loader.get(*CREDENTIALS_PATTERNS) or {})
    except MissingConfigException:
        return {}


class CredentialsSource:
    """Reads the project's credentials when called, and knows which files hold them.

    Only the reading is deferred (``setup()`` needs it). Nothing read is kept but the
    names of the entries and the file each comes from, recorded as the files are read.
    """

    def __init__(self, config_loader: Any) -> None:
        self._config_loader = config_loader
        self._read_files: List[Path] = []
        self._key_sources: Dict[Any, Path] = {}

    def __call__(self) -> Dict[str, Any]:
        entries = read_credentials(self._config_loader)
        self._read_files = self.files
        self._key_sources = read_file_keys(self._read_files).key_sources
        return entries

    @property
    def files(self) -> List[Path]:
        """The credentials files, lowest-precedence environment first."""
        conf_paths = getattr(self._config_loader, "conf_paths", [])
        return find_config_files(conf_paths, CREDENTIALS_PATTERNS)

    def files_defining(self, entry: str) -> List[Path]:
        """The file the entry ``entry`` was read from when this source was last called
        (all the files read when none of them alone sets it)."""
        return files_defining(self._read_files, self._key_sources, entry)


def credentials_of(session: Any) -> Callable[[], Mapping[str, Any]]:
    """A credentials source for a ``KedroSession`` or ``KedroContext``."""
    context = session.load_context() if hasattr(session, "load_context") else session
    return CredentialsSource(context.config_loader)
