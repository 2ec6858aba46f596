"""Everything that differs between kedro 0.16 and 0.17, in one place.

No other module of kedro-mlflow looks at the kedro version: they call the
functions here. Kedro is imported lazily so that importing this module costs
nothing at CLI start-up.
"""

import os
import sys
import warnings
from pathlib import Path
from typing import Any, Dict, NamedTuple, Optional, Tuple, Union

from kedro import __version__ as KEDRO_VERSION_STRING
from kedro.config import MissingConfigException

from .versions import release_tuple

__all__ = [
    "KEDRO_VERSION",
    "MissingConfigException",
    "ProjectMetadata",
    "active_context",
    "context_env",
    "context_for_run",
    "context_package_name",
    "context_project_path",
    "find_project",
    "is_kedro_016",
    "load_project_context",
    "plugin_hooks_auto_registered",
    "run_project",
]


KEDRO_VERSION: Tuple[int, int, int] = release_tuple(KEDRO_VERSION_STRING)


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
    # The project's metadata file is the one answer on every version: kedro 0.17.7
    # deprecates the context's property, and its CLI sessions leave it None.
    project = find_project(context_project_path(context))
    if project is not None:
        return project.package_name
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


def node_function(node: Any) -> Any:
    """The user function a kedro ``Node`` wraps, without its decorators.

    ``Node.func`` is public from kedro 0.16.x; 0.16.0 keeps it in ``Node._func``.
    """
    try:
        return node.func
    except AttributeError:
        return node._func


class ProjectMetadata(NamedTuple):
    """What kedro-mlflow needs to know of a project before loading it."""

    project_path: Path
    package_name: str
    source_dir: Path


def find_project(path: Union[str, Path]) -> Optional[ProjectMetadata]:
    """The kedro project whose root is ``path``, read from its metadata file, or None.

    kedro 0.16.0-0.16.4 projects have `.kedro.yml` (0.16.0 names only the context
    class); 0.16.5+ may use `pyproject.toml` `[tool.kedro]` instead; 0.17 uses only that.
    Reading the files, not kedro's private helpers, works for every layout.
    """
    root = Path(path).expanduser().resolve()
    settings: Dict[str, Any] = {}
    kedro_yml = root / ".kedro.yml"
    pyproject = root / "pyproject.toml"
    if kedro_yml.is_file():
        import yaml

        settings = yaml.safe_load(kedro_yml.read_text(encoding="utf-8")) or {}
    elif pyproject.is_file():
        import tomli

        with open(pyproject, "rb") as handle:
            settings = tomli.load(handle).get("tool", {}).get("kedro", {})
    package = settings.get("package_name") or str(settings.get("context_path", "")).split(".")[0]
    if not package:
        return None
    return ProjectMetadata(root, package, root / str(settings.get("source_dir", "src")))


def plugin_hooks_auto_registered() -> bool:
    """kedro >= 0.16.4 registers plugins' hooks from their `kedro.hooks` entry points."""
    return KEDRO_VERSION >= (0, 16, 4)


def context_for_run(run_params: Dict[str, Any]) -> Any:
    """The KedroContext of the run a pipeline hook is called for.

    kedro 0.17 runs inside a session that knows its context; kedro 0.16 has no such
    handle, so the context is loaded again from the run's own parameters.
    """
    if not is_kedro_016():
        from kedro.framework.session import get_current_session

        session = get_current_session(silent=True)
        if session is not None:
            return session.load_context()
    return load_project_context(
        run_params["project_path"],
        env=run_params.get("env"),
        extra_params=run_params.get("extra_params"),
    )


def run_project(
    project_path: Union[str, Path],
    pipeline_name: Optional[str] = None,
    env: Optional[str] = None,
    extra_params: Optional[Dict[str, Any]] = None,
    runner: Any = None,
) -> Dict[str, Any]:
    """Run a registered pipeline of a project in this process, as `kedro run` does."""
    project_path = Path(project_path).expanduser().resolve()
    options: Dict[str, Any] = {"pipeline_name": pipeline_name}
    if runner is not None:
        options["runner"] = runner
    if is_kedro_016():
        return load_project_context(project_path, env, extra_params).run(**options)

    from kedro.framework.session import KedroSession

    package_name = _bootstrap_project(project_path)
    env = env or os.environ.get("KEDRO_ENV") or None
    with KedroSession.create(
        package_name, project_path, env=env, extra_params=extra_params
    ) as session:
        return session.run(**options)
