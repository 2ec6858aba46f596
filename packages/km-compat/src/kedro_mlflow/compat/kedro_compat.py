"""Everything that differs between kedro 0.16 and 0.17, in one place.

No other module of kedro-mlflow looks at the kedro version: they call the
functions here. Kedro is imported lazily so that importing this module costs
nothing at CLI start-up.
"""

import os
import re
import sys
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Dict, FrozenSet, NamedTuple, Optional, Tuple, Union

from kedro import __version__ as KEDRO_VERSION_STRING
from kedro.config import MissingConfigException

from .versions import release_tuple

if TYPE_CHECKING:  # kedro.io and kedro.pipeline are not imported at CLI start-up
    from kedro.framework.context import KedroContext
    from kedro.io import DataCatalog
    from kedro.pipeline import Pipeline
    from kedro.pipeline.node import Node

__all__ = [
    "MissingConfigException",
    "NodeParts",
    "ProjectMetadata",
    "active_context",
    "catalog_dataset",
    "catalog_datasets",
    "context_for_run",
    "context_package_name",
    "context_pipelines",
    "context_project_path",
    "dataset_description",
    "dataset_filepath",
    "dataset_load_path",
    "dataset_protocol",
    "dataset_version",
    "dataset_versioned_path",
    "declare_context_hooks",
    "disabled_plugin_hooks",
    "find_project",
    "load_project_context",
    "node_function",
    "node_outputs",
    "node_parts",
    "plugin_hooks_auto_registered",
    "project_conf_root",
    "register_project_pipelines",
    "with_filepath",
    "wrapped_dataset",
]


KEDRO_VERSION: Tuple[int, int, int] = release_tuple(KEDRO_VERSION_STRING)


def is_kedro_016() -> bool:
    """True on kedro 0.16.x: `.kedro.yml` projects, `load_context`, no sessions."""
    return KEDRO_VERSION < (0, 17, 0)


def context_project_path(context: "KedroContext") -> Path:
    """The root folder of the project a KedroContext belongs to."""
    return Path(context.project_path)


def context_package_name(context: "KedroContext") -> str:
    """The python package of the project a KedroContext belongs to."""
    # The project's metadata file is the one answer on every version: kedro 0.17.7
    # deprecates the context's property, and its CLI sessions leave it None.
    project = find_project(context_project_path(context))
    if project is not None:
        return project.package_name
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return str(context.package_name)


def context_pipelines(context: "KedroContext") -> Dict[str, "Pipeline"]:
    """The project's registered pipelines, ``{name: Pipeline}``, as `kedro run` sees them."""
    # Every version answers through the context: 0.16-0.17.2 build them there, and
    # 0.17.3+ hands out kedro.framework.project.pipelines (with a deprecation warning).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return dict(context.pipelines)


def load_project_context(
    project_path: Union[str, Path],
    env: Optional[str] = None,
    extra_params: Optional[Dict[str, Any]] = None,
) -> "KedroContext":
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
    # kedro 0.17 annotates env and extra_params `str = None`, `Dict[str, Any] = None`
    session = KedroSession.create(
        package_name,
        project_path,
        save_on_close=False,
        env=env,  # type: ignore[arg-type]
        extra_params=extra_params,  # type: ignore[arg-type]
    )
    return session.load_context()


def active_context() -> "KedroContext":
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


def node_function(node: "Node") -> Callable:
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
    settings = _metadata_settings(root)
    package = settings.get("package_name") or str(settings.get("context_path", "")).split(".")[0]
    if not package:
        return None
    return ProjectMetadata(root, package, root / str(settings.get("source_dir", "src")))


def _metadata_settings(root: Path) -> Dict[str, Any]:
    """The project's `.kedro.yml`, else its pyproject.toml `[tool.kedro]` table."""
    kedro_yml = root / ".kedro.yml"
    pyproject = root / "pyproject.toml"
    if kedro_yml.is_file():
        import yaml

        return yaml.safe_load(kedro_yml.read_text(encoding="utf-8")) or {}
    if pyproject.is_file():
        import tomli

        with open(pyproject, "rb") as handle:
            return tomli.load(handle).get("tool", {}).get("kedro", {})
    return {}


def disabled_plugin_hooks(project_path: Union[str, Path]) -> FrozenSet[str]:
    """The plugins whose auto-registered hooks the project turns off.

    kedro 0.16 reads `disable_hooks_for_plugins` from `.kedro.yml` or `[tool.kedro]`;
    kedro 0.17 reads `DISABLE_HOOKS_FOR_PLUGINS` from the package's settings.py.
    """
    root = Path(project_path).expanduser().resolve()
    if is_kedro_016():
        names = _metadata_settings(root).get("disable_hooks_for_plugins") or []
    else:
        project = find_project(root)
        if project is None:
            return frozenset()
        import importlib

        try:
            settings = importlib.import_module(f"{project.package_name}.settings")
        except ImportError:
            return frozenset()
        names = getattr(settings, "DISABLE_HOOKS_FOR_PLUGINS", ())
    return frozenset(str(name) for name in names)


def plugin_hooks_auto_registered() -> bool:
    """kedro >= 0.16.4 registers plugins' hooks from their `kedro.hooks` entry points."""
    return KEDRO_VERSION >= (0, 16, 4)


def register_project_pipelines(project: ProjectMetadata, module: str, function: str) -> Path:
    """Make ``module.function()`` the pipelines of a project made by `kedro new`.

    Each kedro version's template registers pipelines in its own file:
    `pipeline_registry.py` (0.17.2+), `ProjectHooks.register_pipelines` in `hooks.py`
    (0.16.5-0.17.1), `create_pipelines` in `pipeline.py` (0.16.0-0.16.4). The function
    is written there in the template's own style; the file written is returned.
    """
    package = project.source_dir / project.package_name
    registry, hooks = package / "pipeline_registry.py", package / "hooks.py"
    if registry.is_file():
        registry.write_text(_REGISTRY.format(module=module, function=function), encoding="utf-8")
        return registry
    if hooks.is_file() and _HOOKS_REGISTRY.search(hooks.read_text(encoding="utf-8")):
        text = _HOOKS_REGISTRY.sub(
            lambda match: match.group(1) + _HOOKS_METHOD_BODY,
            hooks.read_text(encoding="utf-8"),
            count=1,
        )
        import_line = f"from {module} import {function} as build_pipelines\n"
        if import_line not in text:  # the project's own import group, after kedro's
            text = text.replace(
                "\n\n\nclass ProjectHooks", f"\n{import_line}\n\nclass ProjectHooks", 1
            )
        hooks.write_text(text, encoding="utf-8")
        return hooks
    legacy = package / "pipeline.py"
    legacy.write_text(_LEGACY_REGISTRY.format(module=module, function=function), encoding="utf-8")
    return legacy


_REGISTRY = '''"""The project's pipelines."""

from typing import Dict

from kedro.pipeline import Pipeline

from {module} import {function} as build_pipelines


def register_pipelines() -> Dict[str, Pipeline]:
    """The project's pipelines, by name (``__default__`` runs with `kedro run`)."""
    return build_pipelines()
'''

_LEGACY_REGISTRY = '''"""The project's pipelines."""

from typing import Dict

from kedro.pipeline import Pipeline

from {module} import {function} as build_pipelines


def create_pipelines(**kwargs) -> Dict[str, Pipeline]:
    """The project's pipelines, by name (``__default__`` runs with `kedro run`)."""
    return build_pipelines()
'''

# The method's signature line, then its body up to the next hook of the class.
_HOOKS_REGISTRY = re.compile(
    r"(    @hook_impl\n    def register_pipelines\(self\)[^\n]*\n)(.*?)(?=\n    @hook_impl|\Z)",
    re.DOTALL,
)
_HOOKS_METHOD_BODY = '''        """The project's pipelines, by name."""
        return build_pipelines()
'''


def declare_context_hooks(project: ProjectMetadata, import_line: str, hooks: str) -> Optional[Path]:
    """On kedro < 0.16.4, list ``hooks`` in the ProjectContext of a `kedro new` project.

    Those versions register only the hooks a project declares. Returns run.py when it
    was edited, None when the kedro version registers plugins' hooks itself.
    """
    if plugin_hooks_auto_registered():
        return None
    run_py = project.source_dir / project.package_name / "run.py"
    text = run_py.read_text(encoding="utf-8")
    declaration = f"    hooks = ({hooks})\n"
    if declaration in text:
        return run_py
    text = re.sub(
        r"(\n    package_name = [^\n]*\n)", lambda m: m.group(1) + declaration, text, count=1
    )
    text = re.sub(
        r"(\nfrom kedro\.pipeline import Pipeline\n)",
        lambda m: m.group(1) + import_line + "\n",
        text,
        count=1,
    )
    run_py.write_text(text, encoding="utf-8")
    return run_py


def context_for_run(run_params: Dict[str, Any]) -> "KedroContext":
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


def project_conf_root(project: ProjectMetadata) -> Path:
    """The folder that holds the project's configuration environments (kedro's CONF_ROOT).

    kedro 0.17 reads ``CONF_ROOT`` from the package's settings.py (0.17.0-0.17.2 fall
    back to the context class's attribute); kedro 0.16 reads the ``CONF_ROOT``
    attribute of the project's context class (``context_path`` in `.kedro.yml` or
    `[tool.kedro]`). Both default to ``conf``. A relative value is taken from the
    project's root.
    """
    import importlib

    source_dir = str(project.source_dir)
    if source_dir not in sys.path:
        sys.path.insert(0, source_dir)
    conf_root: Any = None
    if is_kedro_016():
        context_path = str(_metadata_settings(project.project_path).get("context_path", ""))
        module_name, _, class_name = context_path.rpartition(".")
        if module_name:
            context_class = getattr(importlib.import_module(module_name), class_name)
            conf_root = getattr(context_class, "CONF_ROOT", None)
    else:
        settings_module = f"{project.package_name}.settings"
        try:
            settings = importlib.import_module(settings_module)
        except ModuleNotFoundError as error:
            if error.name != settings_module:
                raise
        else:
            conf_root = getattr(settings, "CONF_ROOT", None)
            if conf_root is None and KEDRO_VERSION < (0, 17, 3):
                context_class = getattr(settings, "CONTEXT_CLASS", None)
                conf_root = getattr(context_class, "CONF_ROOT", None)
    return project.project_path / str(conf_root or "conf")


def wrapped_dataset(dataset: Any) -> Any:
    """The file dataset an ``MlflowArtifactDataSet`` saves through, else ``dataset`` itself.

    Duck-typed on km-datasets' public ``data_set`` property, so that a package that only
    reads the catalog (km-pipelineml) needs no import of km-datasets.
    """
    from kedro.io import AbstractDataSet

    inner = getattr(dataset, "data_set", None)
    if type(dataset).__name__ == "MlflowArtifactDataSet" and isinstance(inner, AbstractDataSet):
        return inner
    return dataset


# --- catalogs, datasets and nodes: the private attributes kedro 0.16/0.17 offer no
# public way to (the same names on both versions).


def catalog_datasets(catalog: "DataCatalog") -> Dict[str, Any]:
    """``{name: dataset}`` of a ``DataCatalog`` (a copy).

    The public ``catalog.datasets`` mangles names that hold dots; the private mapping
    keeps them as the catalog file writes them.
    """
    return dict(catalog._data_sets)


def catalog_dataset(catalog: "DataCatalog", name: str) -> Any:
    """The dataset ``catalog`` holds under ``name``, or None."""
    return catalog._data_sets.get(name)


def dataset_description(dataset: Any) -> Dict[str, Any]:
    """What the dataset says of itself (its ``repr`` fields: filepath, protocol...)."""
    return dict(dataset._describe())


def dataset_filepath(dataset: Any) -> Any:
    """A file dataset's path (``str`` or ``PurePath``) as kedro keeps it, else None."""
    return getattr(dataset, "_filepath", None)


def dataset_protocol(dataset: Any) -> Optional[str]:
    """A file dataset's fsspec protocol ("file", "s3"...), else None."""
    return getattr(dataset, "_protocol", None)


def dataset_version(dataset: Any) -> Any:
    """A versioned dataset's kedro ``Version`` (None when it is not versioned)."""
    return getattr(dataset, "_version", None)


def dataset_load_path(dataset: Any) -> Any:
    """Where a dataset loads from: its resolved load version's path when versioned.

    Raises kedro's ``VersionNotFoundError`` when a versioned dataset has no version yet.
    """
    if dataset_version(dataset) is not None:
        return dataset._get_load_path()
    return dataset_filepath(dataset)


def dataset_versioned_path(dataset: Any, version: str) -> Any:
    """The path a versioned dataset gives to ``version``."""
    return dataset._get_versioned_path(version)


def with_filepath(dataset: Any, path: Any) -> Any:
    """A deep copy of a file dataset that reads and writes ``path``, unversioned."""
    import copy
    from pathlib import PurePosixPath

    clone = copy.deepcopy(dataset)
    clone._filepath = PurePosixPath(path)
    if hasattr(clone, "_version"):
        clone._version = None
    return clone


class NodeParts(NamedTuple):
    """How a kedro ``Node`` was declared: what its function is called with, and returns.

    ``inputs`` and ``outputs`` are as written in ``node(...)`` (a name, a list or a
    dict, or None); ``decorated`` says whether kedro wraps the function at run time.
    None in every field: the node is of a form this does not know.
    """

    inputs: Any
    outputs: Any
    decorated: Optional[bool]


def node_parts(node: "Node") -> NodeParts:
    """The declared inputs and outputs of ``node`` (kedro keeps them privately)."""
    if not all(hasattr(node, name) for name in ("_outputs", "_outputs_to_dictionary")):
        return NodeParts(None, None, None)
    return NodeParts(
        getattr(node, "_inputs", None),
        node._outputs,
        bool(getattr(node, "_decorators", None)),
    )


def node_outputs(node: "Node", result: Any) -> Dict[str, Any]:
    """``{dataset: value}`` of a node function's ``result``, mapped and checked by kedro."""
    return node._outputs_to_dictionary(result)
