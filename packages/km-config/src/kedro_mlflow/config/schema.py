"""The mlflow.yml schema: every key, its default, how it is checked, and a line of help.

The classes are the single source of truth for the file: the loader validates
against them, and ``kedro mlflow init`` renders its template from them.
"""

import difflib
import functools
import reprlib
import types
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Mapping, NamedTuple, Optional, Type, TypeVar

import attrs

from .errors import KedroMlflowConfigError
from .layouts import FLAT, detect_layout, flat_from_server_tracking, key_in_layout
from .sources import read_file_keys
from .tracking_uri import defers_to_environment, resolve_tracking_uri

LONG_PARAMETERS_STRATEGIES = ("fail", "tag", "truncate")

_QUOTE_HINT = (
    "YAML reads unquoted yes/no/on/off/true/false as booleans and bare digits as"
    " numbers: quote the value"
)

T = TypeVar("T")


# Error messages quote what the file holds, within bounds: a value may be huge (YAML
# aliases repeat a list within a list, a few hundred bytes expand to millions of items).
_QUOTE = reprlib.Repr()
_QUOTE.maxlevel, _QUOTE.maxlist, _QUOTE.maxdict, _QUOTE.maxtuple, _QUOTE.maxset = 3, 6, 6, 6, 6
_QUOTE.maxstring, _QUOTE.maxother, _QUOTE.maxlong = 120, 120, 40
# More values than any mlflow.yml needs: beyond it, a file is refused before it is read.
MAX_VALUES = 10_000


def quote(value: Any) -> str:
    """``repr(value)``, shortened with ``...`` where it would be long."""
    return _QUOTE.repr(value)


def _describe(value: Any) -> str:
    return f"{quote(value)} ({type(value).__name__})"


def check_size(data: Any, limit: int = MAX_VALUES) -> None:
    """Refuse a configuration that holds more than ``limit`` values once expanded.

    Counted the way validation walks it (an alias counts each time it is used), and
    stopped at the limit, so the check itself stays cheap.
    """
    count = 0
    pending = [data]
    while pending:
        item = pending.pop()
        count += 1
        if count > limit:
            raise KedroMlflowConfigError(
                f"the configuration expands to more than {limit} values: YAML anchors and"
                " aliases (&name / *name) repeat data; write the values out instead"
            )
        if isinstance(item, Mapping):
            pending.extend(item.values())
        elif isinstance(item, (list, tuple, set)):
            pending.extend(item)


def _fail(key: Optional[str], expected: str, value: Any, hint: str = "") -> None:
    problem = f"expected {expected}, got {_describe(value)}"
    if hint:
        problem += f". {hint}"
    raise KedroMlflowConfigError(problem, key=key)


def _quote_hint(value: Any) -> str:
    """Where a string was expected, a scalar YAML typed for the user is worth a hint."""
    return _QUOTE_HINT if isinstance(value, (bool, int, float)) else ""


def _flag(_instance: Any, attribute: "attrs.Attribute", value: Any) -> None:
    if not isinstance(value, bool):
        _fail(attribute.name, "true or false", value)


def _text(optional: bool) -> Callable[[Any, "attrs.Attribute", Any], None]:
    expected = "a non-empty string" + (" or null" if optional else "")

    def check(_instance: Any, attribute: "attrs.Attribute", value: Any) -> None:
        if value is None and optional:
            return
        if isinstance(value, str) and value.strip():
            return
        _fail(attribute.name, expected, value, _quote_hint(value))

    return check


def _choice(*choices: str) -> Callable[[Any, "attrs.Attribute", Any], None]:
    expected = "one of " + ", ".join(repr(c) for c in choices)

    def check(_instance: Any, attribute: "attrs.Attribute", value: Any) -> None:
        if value not in choices:
            _fail(attribute.name, expected, value)

    return check


def _to_port(value: Any) -> Any:
    # The reference's own example writes the port as a string ("5001").
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return value


def _port(_instance: Any, attribute: "attrs.Attribute", value: Any) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 65536:
        _fail(attribute.name, "a port number from 1 to 65535, or null for a free port", value)


def _to_names(value: Any) -> Any:
    return [] if value is None else value


def _names(_instance: Any, attribute: "attrs.Attribute", value: Any) -> None:
    if not isinstance(value, list):
        _fail(attribute.name, "a list of pipeline names", value, "write one name per '- ' line")
    for index, item in enumerate(value):
        if not (isinstance(item, str) and item):
            key = f"{attribute.name}[{index}]"
            _fail(key, "a pipeline name (a string)", item, _quote_hint(item))


def _to_variables(value: Any) -> Any:
    return {} if value is None else value


def variable_name_problem(variable: Any) -> str:
    """Why ``variable`` cannot be an environment variable's name ("" when it can)."""
    text = str(variable)
    if not text:
        return "it is empty"
    if "=" in text:
        return "it holds '='"
    if "\0" in text:
        return "it holds a NUL character"
    return ""


def _variables(_instance: Any, attribute: "attrs.Attribute", value: Any) -> None:
    expected = "a mapping of environment variable names to string or number values"
    if not isinstance(value, Mapping):
        _fail(attribute.name, expected, value)
    for name, item in value.items():
        key = f"{attribute.name}.{name}"
        problem = variable_name_problem(name) if isinstance(name, str) else "it is no string"
        if problem:
            _fail(key, "an environment variable name", name, problem)
        if isinstance(item, bool) or not isinstance(item, (str, int, float)):
            _fail(key, "a string or a number", item, _quote_hint(item))


def _key(default: Any, validator: Callable, help: str, converter: Optional[Callable] = None):
    return attrs.field(
        default=default, validator=validator, converter=converter, metadata={"help": help}
    )


def _variables_key():
    return attrs.field(
        factory=dict,
        converter=_to_variables,
        validator=_variables,
        metadata={
            "help": "environment variables the stores need (MLFLOW_S3_ENDPOINT_URL, ...),"
            " exported for the run and never logged; put secrets in credentials instead"
        },
    )


def _section(cls: Type[T], help: str):
    def convert(value: Any) -> Any:
        if isinstance(value, Mapping) or value is None:
            return structure(cls, value)
        return value

    def check(_instance: Any, attribute: "attrs.Attribute", value: Any) -> None:
        if not isinstance(value, cls):
            _fail(attribute.name, _mapping_of(cls), value)

    return attrs.field(
        factory=cls, converter=convert, validator=check, metadata={"help": help, "section": cls}
    )


@attrs.define
class NodeHookOptions:
    """How the node hook turns a node's parameters into MLflow params."""

    flatten_dict_params: bool = _key(
        False, _flag, "log each key of a dict parameter as its own MLflow param"
    )
    recursive: bool = _key(True, _flag, "flatten nested dicts too (with flatten_dict_params)")
    sep: str = _key(".", _text(optional=False), "joins the keys of a flattened dict")
    long_parameters_strategy: str = _key(
        "fail",
        _choice(*LONG_PARAMETERS_STRATEGIES),
        "a value over MLflow's length limit: fail, log it as a tag, or truncate it",
    )


@attrs.define
class PipelineHookOptions:
    """What the pipeline hook records besides parameters and tags."""

    log_dataset_inputs: bool = _key(
        False,
        _flag,
        "record the catalog datasets the pipeline reads (its free inputs) as MLflow dataset"
        " inputs of the run: name, source, digest, schema (mlflow >= 2.4; ignored before)",
    )


@attrs.define
class HookOptions:
    """Options of the hooks."""

    node: NodeHookOptions = _section(NodeHookOptions, "options of the node hook")
    pipeline: PipelineHookOptions = _section(PipelineHookOptions, "options of the pipeline hook")


@attrs.define
class DisableTrackingOptions:
    """What is never tracked."""

    pipelines: List[str] = attrs.field(
        factory=list,
        converter=_to_names,
        validator=_names,
        metadata={"help": "registered pipelines whose runs log nothing to MLflow"},
    )


@attrs.define
class ExperimentOptions:
    """The MLflow experiment the runs go to."""

    name: Optional[str] = _key(
        None, _text(optional=True), "experiment name; null means the project's python package"
    )
    create: bool = _key(True, _flag, "create the experiment when it does not exist")
    restore_if_deleted: bool = _key(
        True, _flag, "restore the experiment when it was deleted (with create: true)"
    )


@attrs.define
class RunOptions:
    """The MLflow run a kedro run logs to."""

    id: Optional[str] = _key(None, _text(optional=True), "continue this run; null starts a new one")
    name: Optional[str] = _key(
        None, _text(optional=True), "run name; null means the pipeline's name"
    )
    nested: bool = _key(True, _flag, "allow runs started inside nodes to nest under this one")


@attrs.define
class UiOptions:
    """Defaults of `kedro mlflow ui`."""

    port: Optional[int] = _key(None, _port, "port; null picks a free one", converter=_to_port)
    host: Optional[str] = _key(None, _text(optional=True), "host; null means localhost")


# kedro-mlflow 0.8's layout: the same settings grouped under `server` and `tracking`.
# These classes only validate such a file (so that errors name its keys) and render
# its template; the values then move to KedroMlflowConfig (see layouts.py).


@attrs.define
class ServerOptions:
    """Where runs are stored, and what the stores need (0.8 layout: ``server``)."""

    mlflow_tracking_uri: Optional[str] = _key(
        None,
        _text(optional=True),
        "where runs are stored; a relative path is taken from the project root;"
        " null means $MLFLOW_TRACKING_URI, else mlruns/ in the project",
    )
    stores_environment_variables: Dict[str, Any] = _variables_key()
    credentials: Optional[str] = _key(
        None,
        _text(optional=True),
        "an entry of credentials.yml whose keys are exported as environment variables",
    )


@attrs.define
class TrackingExperimentOptions:
    """The MLflow experiment the runs go to (0.8 layout: always created when missing)."""

    name: Optional[str] = _key(
        None, _text(optional=True), "experiment name; null means the project's python package"
    )
    restore_if_deleted: bool = _key(
        True, _flag, "restore the experiment when it was deleted; false refuses to run"
    )


@attrs.define
class DictParamsOptions:
    """How a dict parameter is logged."""

    flatten: bool = _key(False, _flag, "log each key of a dict parameter as its own MLflow param")
    recursive: bool = _key(True, _flag, "flatten nested dicts too (with flatten)")
    sep: str = _key(".", _text(optional=False), "joins the keys of a flattened dict")


@attrs.define
class ParamsOptions:
    """How kedro parameters become MLflow params."""

    dict_params: DictParamsOptions = _section(DictParamsOptions, "dict parameters")
    long_params_strategy: str = _key(
        "fail",
        _choice(*LONG_PARAMETERS_STRATEGIES),
        "a value over MLflow's length limit: fail, log it as a tag, or truncate it",
    )


@attrs.define
class TrackingOptions:
    """What each run logs, and where (0.8 layout: ``tracking``)."""

    disable_tracking: DisableTrackingOptions = _section(
        DisableTrackingOptions, "runs that are not tracked"
    )
    experiment: TrackingExperimentOptions = _section(
        TrackingExperimentOptions, "the MLflow experiment"
    )
    run: RunOptions = _section(RunOptions, "the MLflow run")
    params: ParamsOptions = _section(ParamsOptions, "how parameters are logged")


@attrs.define
class ServerTrackingLayout:
    """mlflow.yml as kedro-mlflow 0.8 writes it: ``server``, ``tracking``, ``ui``."""

    server: ServerOptions = _section(ServerOptions, "the tracking server and its stores")
    tracking: TrackingOptions = _section(TrackingOptions, "what each kedro run logs")
    ui: UiOptions = _section(UiOptions, "defaults of `kedro mlflow ui`")


class _class_or_instance_method:
    """A classmethod that, called on an instance, receives the instance instead."""

    def __init__(self, function: Callable) -> None:
        self._function = function
        # typeshed wants a callable wrapper; any object with a __dict__ takes the attributes
        functools.update_wrapper(self, function)  # type: ignore[arg-type]

    def __get__(self, instance: Any, owner: type) -> Callable:
        return types.MethodType(self._function, owner if instance is None else instance)


@attrs.define
class ConfigValues:
    """The validated content of a project's mlflow.yml, and where it was read from.

    Users get :class:`~kedro_mlflow.config.KedroMlflowConfig`, which adds ``setup()``
    (pointing MLflow at these values); this class holds no behaviour that talks to
    MLflow, so that the modules doing that can name its type without an import cycle.
    """

    mlflow_tracking_uri: Optional[str] = _key(
        None,
        _text(optional=True),
        "where runs are stored; a relative path is taken from the project root;"
        " null means $MLFLOW_TRACKING_URI, else mlruns/ in the project",
    )
    credentials: Optional[str] = _key(
        None,
        _text(optional=True),
        "an entry of credentials.yml whose keys are exported as environment variables",
    )
    stores_environment_variables: Dict[str, Any] = _variables_key()
    disable_tracking: DisableTrackingOptions = _section(
        DisableTrackingOptions, "runs that are not tracked"
    )
    experiment: ExperimentOptions = _section(ExperimentOptions, "the MLflow experiment")
    run: RunOptions = _section(RunOptions, "the MLflow run")
    ui: UiOptions = _section(UiOptions, "defaults of `kedro mlflow ui`")
    hooks: HookOptions = _section(HookOptions, "options of the hooks")

    # Not keys of the file: where the project is, which files were read, and how to
    # read credentials.yml when setup() needs it. Credentials' values are never
    # stored on this object.
    project_path: Optional[Path] = attrs.field(
        default=None,
        kw_only=True,
        converter=attrs.converters.optional(Path),
        metadata={"yaml": False},
    )
    source_files: List[Path] = attrs.field(factory=list, kw_only=True, metadata={"yaml": False})
    # Top-level key (as the file spells it) -> the file of source_files whose value won,
    # recorded as the files were read: errors found later name that file.
    key_sources: Dict[Any, Path] = attrs.field(
        factory=dict, kw_only=True, repr=False, eq=False, metadata={"yaml": False}
    )
    credentials_loader: Optional[Callable[[], Mapping[str, Any]]] = attrs.field(
        default=None, kw_only=True, repr=False, eq=False, metadata={"yaml": False}
    )
    # mlflow_tracking_uri was null and $MLFLOW_TRACKING_URI gave the URI: errors say so
    tracking_uri_from_environment: bool = attrs.field(
        default=False, kw_only=True, eq=False, metadata={"yaml": False}
    )
    # The layout the file was written in ("0.7" flat, "0.8" server/tracking): errors
    # name keys the way that file spells them.
    layout: str = attrs.field(default=FLAT, kw_only=True, eq=False, metadata={"yaml": False})

    @_class_or_instance_method
    def from_dict(
        cls,
        data: Optional[Mapping[str, Any]],
        *,
        project_path: Optional[Path] = None,
        package_name: Optional[str] = None,
        credentials_loader: Optional[Callable[[], Mapping[str, Any]]] = None,
        source_files: Optional[List[Path]] = None,
        key_sources: Optional[Mapping[Any, Path]] = None,
    ) -> Any:
        """Validate the content of mlflow.yml and resolve its defaults.

        A relative tracking URI is made absolute from ``project_path``; a missing
        experiment name becomes ``package_name``. ``source_files`` are the files
        ``data`` was read from and ``key_sources`` which of them sets each top-level key
        (read from ``source_files`` here when not given). Called on an instance, as
        kedro-mlflow 0.7.3 code does (``config.from_dict(data)``), it updates that
        instance (keeping its project path, files and credentials) and returns it.
        """
        if isinstance(cls, ConfigValues):
            return cls._update_from_dict(data)
        check_size(data)
        config = _structure_either_layout(cls, data)
        config.project_path = project_path
        config.credentials_loader = credentials_loader
        config.source_files = list(source_files or [])
        if key_sources is None:
            key_sources = read_file_keys(config.source_files).key_sources
        config.key_sources = dict(key_sources)
        _resolve_defaults(config, project_path, package_name)
        return config

    def to_dict(self) -> Dict[str, Any]:
        """The keys of mlflow.yml and their current values (nothing else)."""
        return _unstructure(self)

    def _update_from_dict(self, data: Optional[Mapping[str, Any]]) -> "ConfigValues":
        fresh = type(self).from_dict(
            data, project_path=self.project_path, credentials_loader=self.credentials_loader
        )
        if fresh.experiment.name is None:  # the project's package, as before
            fresh.experiment.name = self.experiment.name
        for field in _yaml_fields(type(self)):
            setattr(self, field.name, getattr(fresh, field.name))
        self.tracking_uri_from_environment = fresh.tracking_uri_from_environment
        self.layout = fresh.layout
        return self

    def file_key(self, key: Optional[str]) -> Optional[str]:
        """``key`` (a path of this object's fields) as the user's mlflow.yml spells it."""
        return key_in_layout(key, self.layout)

    # kedro-mlflow 0.8 grouped the settings; code written for it reads these.
    @property
    def server(self) -> ServerOptions:
        """``mlflow_tracking_uri``, ``stores_environment_variables`` and ``credentials``,
        as kedro-mlflow 0.8's ``server`` section (a copy: set the fields of this object)."""
        return ServerOptions(
            mlflow_tracking_uri=self.mlflow_tracking_uri,
            stores_environment_variables=dict(self.stores_environment_variables),
            credentials=self.credentials,
        )

    @property
    def tracking(self) -> TrackingOptions:
        """The run settings as kedro-mlflow 0.8's ``tracking`` section (a copy)."""
        node = self.hooks.node
        return TrackingOptions(
            disable_tracking=DisableTrackingOptions(list(self.disable_tracking.pipelines)),
            experiment=TrackingExperimentOptions(
                self.experiment.name, self.experiment.restore_if_deleted
            ),
            run=RunOptions(self.run.id, self.run.name, self.run.nested),
            params=ParamsOptions(
                DictParamsOptions(node.flatten_dict_params, node.recursive, node.sep),
                node.long_parameters_strategy,
            ),
        )

    # kedro-mlflow 0.7.3 kept each section as a dict; code written for it reads these.
    @property
    def disable_tracking_opts(self) -> Dict[str, Any]:
        """``disable_tracking`` as a dict (kedro-mlflow 0.7.3's attribute)."""
        return _unstructure(self.disable_tracking)

    @property
    def experiment_opts(self) -> Dict[str, Any]:
        """``experiment`` as a dict (kedro-mlflow 0.7.3's attribute)."""
        return _unstructure(self.experiment)

    @property
    def run_opts(self) -> Dict[str, Any]:
        """``run`` as a dict (kedro-mlflow 0.7.3's attribute)."""
        return _unstructure(self.run)

    @property
    def ui_opts(self) -> Dict[str, Any]:
        """``ui`` as a dict (kedro-mlflow 0.7.3's attribute)."""
        return _unstructure(self.ui)

    @property
    def node_hook_opts(self) -> Dict[str, Any]:
        """``hooks.node`` as a dict (kedro-mlflow 0.7.3's attribute)."""
        return _unstructure(self.hooks.node)

    @property
    def mlflow_client(self) -> Any:
        """An ``MlflowClient`` on this tracking URI (kedro-mlflow 0.7.3's attribute)."""
        from mlflow.tracking import MlflowClient

        return MlflowClient(tracking_uri=self.mlflow_tracking_uri)


def _structure_either_layout(cls: type, data: Optional[Mapping[str, Any]]) -> Any:
    """``data`` as a ``cls`` whichever layout it is written in (flat, or 0.8's ``server``
    / ``tracking`` sections), with that layout recorded."""
    layout = detect_layout(data)
    if layout == FLAT:
        config = _structure_flat(cls, data)
    else:
        nested = structure(ServerTrackingLayout, data)
        config = structure(cls, flat_from_server_tracking(_unstructure(nested)))
    config.layout = layout
    return config


def _resolve_defaults(
    config: ConfigValues, project_path: Optional[Path], package_name: Optional[str]
) -> None:
    """Make the tracking URI absolute (noting whether it defers to the environment) and
    name the experiment after ``package_name`` when mlflow.yml names none."""
    written = config.mlflow_tracking_uri
    config.mlflow_tracking_uri = resolve_tracking_uri(written, project_path)
    config.tracking_uri_from_environment = defers_to_environment(written)
    if config.experiment.name is None and package_name:
        config.experiment.name = package_name


def _structure_flat(cls: type, data: Optional[Mapping[str, Any]]) -> Any:
    try:
        return structure(cls, data)
    except KedroMlflowConfigError as error:
        if error.key and "." not in error.key and error.problem.startswith("unknown key"):
            other = ", ".join(_yaml_keys(ServerTrackingLayout))
            raise KedroMlflowConfigError(
                f"{error.problem} (or, in kedro-mlflow 0.8's layout: {other})", key=error.key
            ) from None
        raise


def _yaml_fields(cls: type) -> List["attrs.Attribute"]:
    return [f for f in attrs.fields(cls) if f.metadata.get("yaml", True)]


def _yaml_keys(cls: type) -> List[str]:
    return [f.name for f in _yaml_fields(cls)]


def _mapping_of(cls: type) -> str:
    return f"a mapping of {', '.join(_yaml_keys(cls))}"


def structure(cls: Type[T], data: Optional[Mapping[str, Any]], path: str = "") -> T:
    """Build ``cls`` from a mapping read from YAML, naming the key path on any error."""
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        _fail(path or None, _mapping_of(cls), data)
    allowed = _yaml_keys(cls)
    for key in data:
        if key not in allowed:
            raise KedroMlflowConfigError(
                _unknown_key_problem(key, allowed), key=_join(path, str(key))
            )
    kwargs: Dict[str, Any] = {}
    for field in _yaml_fields(cls):
        if field.name not in data:
            continue
        value = data[field.name]
        section = field.metadata.get("section")
        if section is not None and (isinstance(value, Mapping) or value is None):
            value = structure(section, value, _join(path, field.name))
        kwargs[field.name] = value
    try:
        return cls(**kwargs)
    except KedroMlflowConfigError as error:
        raise KedroMlflowConfigError(error.problem, key=_join(path, error.key)) from None


def _unknown_key_problem(key: Any, allowed: List[str]) -> str:
    problem = f"unknown key {quote(key)}"
    close = difflib.get_close_matches(str(key), allowed, n=1)
    if close:
        problem += f" (did you mean {close[0]!r}?)"
    return problem + f"; the keys allowed here are: {', '.join(allowed)}"


def _join(path: str, key: Optional[str]) -> str:
    if not key:
        return path
    return f"{path}.{key}" if path else key


def _unstructure(instance: Any) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for field in _yaml_fields(type(instance)):
        value = getattr(instance, field.name)
        if field.metadata.get("section") is not None:
            value = _unstructure(value)
        elif isinstance(value, (list, dict)):
            value = type(value)(value)
        out[field.name] = value
    return out


class SchemaKey(NamedTuple):
    """One key of mlflow.yml: its dotted path, default, help, and whether it is a section."""

    path: str
    default: Any
    help: str
    is_section: bool


def iter_keys(cls: type = ConfigValues, path: str = "") -> Iterator[SchemaKey]:
    """Every key of the schema, sections included, in file order."""
    defaults = cls()
    for field in _yaml_fields(cls):
        key = _join(path, field.name)
        section = field.metadata.get("section")
        if section is not None:
            yield SchemaKey(key, None, field.metadata["help"], True)
            yield from iter_keys(section, key)
        else:
            yield SchemaKey(key, getattr(defaults, field.name), field.metadata["help"], False)
