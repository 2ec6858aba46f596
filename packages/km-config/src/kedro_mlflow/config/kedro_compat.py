"""Everything that differs between kedro 0.16 and 0.17, in one place.

No other module of kedro-mlflow looks at the kedro version: they call the
functions here. Kedro is imported lazily so that importing this module costs
nothing at CLI start-up.
"""

import os
import sys
import warnings
from pathlib import Path
from typing import Any, Dict, Optional, Tuple, Union

from kedro import __version__ as KEDRO_VERSION_STRING
from kedro.config import MissingConfigException

__all__ = [
    "KEDRO_VERSION",
    "MissingConfigException",
    "active_context",
    "context_env",
    "context_package_name",
    "context_project_path",
    "is_kedro_016",
    "load_project_context",
]


def _parse(version: str) -> Tuple[int, int, int]:
    parts = []
    for piece in version.split(".")[:3]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits or 0))
    while len(parts) < 3:
        parts.append(0)
    return parts[0], parts[1], parts[2]


KEDRO_VERSION: Tuple[int, int, int] = _parse(KEDRO_VERSION_STRING)


def is_kedro_016() -> bool:
    """True on kedro 0.16.x: `.kedro.yml` projects, `load_context`, no sessions."""
    return KEDRO_VERSION < (0, 17, 0)


def context_project_path(context: Any) -> Path:
    """The root folder of the project a KedroContext belongs to."""
    return Path(context.project_path)


def context_env(context: Any) -> str:
    """The kedro environment a KedroContext was loaded for."""
    return str(context.env)


def context_package_name(context: Any) -> str:
    """The python package of the project a KedroContext belongs to."""
    # kedro 0.17.x deprecates the property without offering a replacement on the context.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return str(context.package_name)


def load_project_context(
    project_path: Union[str, Path],
    env: Optional[str] = None,
    extra_params: Optional[Dict[str, Any]] = None,
) -> Any:
    """Load the KedroContext of the project at ``project_path``, as `kedro run` would.

    ``env`` defaults to ``$KEDRO_ENV``, then ``local`` (kedro 0.17.0-0.17.2 ignore the
    variable on their own; this makes every version behave like 0.17.3+).
    """
    project_path = Path(project_path).expanduser().resolve()
    env = env or os.environ.get("KEDRO_ENV") or None
    if is_kedro_016():
        from kedro.framework.context import load_context

        return load_context(project_path, env=env, extra_params=extra_params)

    from kedro.framework.session import KedroSession

    package_name = _bootstrap_project(project_path)
    session = KedroSession.create(
        package_name, project_path, save_on_close=False, env=env, extra_params=extra_params
    )
    return session.load_context()


def active_context() -> Any:
    """The context of the kedro run or session in progress, else of the project in the cwd."""
    if not is_kedro_016():
        from kedro.framework.session import get_current_session

        session = get_current_session(silent=True)
        if session is not None:
            return session.load_context()
    return load_project_context(Path.cwd())


def _bootstrap_project(project_path: Path) -> str:
    """Put the project's sources on sys.path and its settings in place; return its package."""
    try:  # kedro >= 0.17.3
        from kedro.framework.startup import bootstrap_project
    except ImportError:
        from kedro.framework.startup import _get_project_metadata

        metadata = _get_project_metadata(project_path)
        source_dir = str(metadata.source_dir)
        if source_dir not in sys.path:
            sys.path.insert(0, source_dir)
        return metadata.package_name
    return bootstrap_project(project_path).package_name
