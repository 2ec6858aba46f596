"""mlflow.yml as `kedro mlflow init` writes it: every key of the schema, with a comment.

Two layouts: kedro-mlflow 0.7's flat file (the default) and 0.8's ``server`` /
``tracking`` / ``ui`` sections. Each key is written at its schema default, except
those in ``TEMPLATE_VALUES``: the user guides' templates write them with another
value (``mlflow_tracking_uri: mlruns``, where the schema's default, null, also lets
$MLFLOW_TRACKING_URI decide).
"""

from typing import Any, Dict, Optional

import yaml

from .errors import KedroMlflowConfigError
from .layouts import FLAT, LAYOUTS, SERVER_TRACKING, key_in_layout
from .schema import ConfigValues, ServerTrackingLayout, iter_keys

_SCHEMAS = {FLAT: ConfigValues, SERVER_TRACKING: ServerTrackingLayout}

# Keys the written file sets to something other than their schema default (flat paths).
TEMPLATE_VALUES: Dict[str, Any] = {"mlflow_tracking_uri": "mlruns"}

_HEADER = (
    "# kedro-mlflow settings of this environment, in {layout} layout.\n"
    "# A key left out takes its default; each comment says what the key does."
)
_LAYOUT_NAMES = {FLAT: "kedro-mlflow 0.7's flat", SERVER_TRACKING: "kedro-mlflow 0.8's"}


def template_values(
    package_name: Optional[str] = None, defer_tracking_uri: bool = False, layout: str = FLAT
) -> Dict[str, Any]:
    """``{dotted key: value}`` of every key the template writes (sections left out)."""
    schema = _schema(layout)
    values = {key.path: key.default for key in iter_keys(schema) if not key.is_section}
    changes = dict(TEMPLATE_VALUES)
    if defer_tracking_uri:
        changes["mlflow_tracking_uri"] = None
    if package_name:
        changes["experiment.name"] = package_name
    for flat_key, value in changes.items():
        values[key_in_layout(flat_key, layout)] = value
    return values


def render_mlflow_yml(
    package_name: Optional[str] = None, defer_tracking_uri: bool = False, layout: str = FLAT
) -> str:
    """The text of a fresh mlflow.yml, with a comment above each key.

    ``package_name`` fills the experiment's name (without it the key stays null, which
    means the project's python package too). ``defer_tracking_uri`` writes
    ``mlflow_tracking_uri: null`` ($MLFLOW_TRACKING_URI, else mlruns) instead of the
    guides' ``mlruns``: what `kedro mlflow new` writes. ``layout`` is ``"0.7"`` (flat)
    or ``"0.8"`` (``server`` / ``tracking`` / ``ui``).
    """
    schema = _schema(layout)
    values = template_values(package_name, defer_tracking_uri, layout)
    lines = [_HEADER.format(layout=_LAYOUT_NAMES[layout])]
    for key in iter_keys(schema):
        depth = key.path.count(".")
        indent = "  " * depth
        name = key.path.rsplit(".", 1)[-1]
        if depth == 0:
            lines.append("")
        lines.append(f"{indent}# {key.help}")
        if key.is_section:
            lines.append(f"{indent}{name}:")
            continue
        lines.append(f"{indent}{name}: {_scalar(values[key.path])}")
    return "\n".join(lines) + "\n"


def _schema(layout: str) -> type:
    if layout not in _SCHEMAS:
        raise KedroMlflowConfigError(
            f"unknown layout {layout!r}; expected one of {', '.join(LAYOUTS)}"
        )
    return _SCHEMAS[layout]


def _scalar(value: object) -> str:
    """One YAML scalar (or flow list/mapping) on one line, quoted where YAML needs it."""
    return yaml.safe_dump([value], default_flow_style=True, width=10**6).strip()[1:-1]
