"""The two mlflow.yml layouts, told apart from the file itself.

kedro-mlflow 0.7.x (and 0.4.x) wrote a flat file (``mlflow_tracking_uri``,
``experiment``, ``hooks.node``, ...); 0.8.x grouped the same settings under
``server`` and ``tracking``. Both are read into one configuration object, whose
fields follow the flat layout. This module only knows the names: which top-level
keys belong to which layout, and where each 0.8 key lands in the flat one (and
back, so that an error names the key as the user's file spells it).
"""

from typing import Any, Dict, Mapping, Optional, Tuple, overload

from .errors import KedroMlflowConfigError

FLAT = "0.7"
SERVER_TRACKING = "0.8"
LAYOUTS = (FLAT, SERVER_TRACKING)

# Top-level keys that only one layout has (``ui`` is in both).
_FLAT_ONLY = (
    "mlflow_tracking_uri",
    "credentials",
    "stores_environment_variables",
    "disable_tracking",
    "experiment",
    "run",
    "hooks",
)
_SERVER_TRACKING_ONLY = ("server", "tracking")

# Every 0.8 key path and the flat key path that holds its value. A prefix maps
# everything below it (``tracking.run.id`` -> ``run.id``).
_TO_FLAT = {
    "server.mlflow_tracking_uri": "mlflow_tracking_uri",
    "server.stores_environment_variables": "stores_environment_variables",
    "server.credentials": "credentials",
    "tracking.disable_tracking": "disable_tracking",
    "tracking.experiment.name": "experiment.name",
    "tracking.experiment.restore_if_deleted": "experiment.restore_if_deleted",
    "tracking.run": "run",
    "tracking.params.dict_params.flatten": "hooks.node.flatten_dict_params",
    "tracking.params.dict_params.recursive": "hooks.node.recursive",
    "tracking.params.dict_params.sep": "hooks.node.sep",
    "tracking.params.long_params_strategy": "hooks.node.long_parameters_strategy",
    "ui": "ui",
}
_FROM_FLAT = {flat: nested for nested, flat in _TO_FLAT.items()}


def detect_layout(data: Optional[Mapping[str, Any]]) -> str:
    """``"0.8"`` when the file uses ``server`` / ``tracking``, else ``"0.7"``.

    A file holding top-level keys of both layouts is refused, naming one key of each.
    """
    if not isinstance(data, Mapping):
        return FLAT
    flat = [key for key in _FLAT_ONLY if key in data]
    nested = [key for key in _SERVER_TRACKING_ONLY if key in data]
    if flat and nested:
        raise KedroMlflowConfigError(
            f"the file mixes two layouts: {', '.join(repr(k) for k in nested)} belongs to"
            " kedro-mlflow 0.8's layout (server / tracking / ui) and"
            f" {', '.join(repr(k) for k in flat)} to 0.7's flat layout; write every key in"
            " one of them (kedro merges the top-level keys of conf/base and conf/<env>,"
            " so both environments' mlflow.yml must use the same layout)",
            key=flat[0],
        )
    return SERVER_TRACKING if nested else FLAT


def flat_from_server_tracking(values: Mapping[str, Any]) -> Dict[str, Any]:
    """The flat-layout mapping holding the values of a (validated) 0.8-layout mapping."""
    flat: Dict[str, Any] = {}
    for nested_path, flat_path in _TO_FLAT.items():
        found, value = _lookup(values, nested_path)
        if found:
            _assign(flat, flat_path, value)
    return flat


@overload
def key_in_layout(flat_key: str, layout: str) -> str: ...
@overload
def key_in_layout(flat_key: Optional[str], layout: str) -> Optional[str]: ...
def key_in_layout(flat_key: Optional[str], layout: str) -> Optional[str]:
    """The path the user's file spells for ``flat_key`` (a key path of the flat layout)."""
    if not flat_key or layout != SERVER_TRACKING:
        return flat_key
    for flat_prefix in sorted(_FROM_FLAT, key=len, reverse=True):
        if flat_key == flat_prefix or flat_key.startswith(flat_prefix + "."):
            return _FROM_FLAT[flat_prefix] + flat_key[len(flat_prefix) :]
    return flat_key


def flat_key_of(nested_key: str) -> str:
    """The flat-layout path that holds the value of a 0.8-layout key path."""
    for prefix in sorted(_TO_FLAT, key=len, reverse=True):
        if nested_key == prefix or nested_key.startswith(prefix + "."):
            return _TO_FLAT[prefix] + nested_key[len(prefix) :]
    return nested_key


def _lookup(values: Mapping[str, Any], path: str) -> Tuple[bool, Any]:
    current: Any = values
    for part in path.split("."):
        if not isinstance(current, Mapping) or part not in current:
            return False, None
        current = current[part]
    return True, current


def _assign(target: Dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for part in parents:
        target = target.setdefault(part, {})
    target[last] = value
