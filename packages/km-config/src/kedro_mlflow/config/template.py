"""mlflow.yml as `kedro mlflow init` writes it: every key of the schema, with a comment.

Each key is written at its schema default, except those in ``TEMPLATE_VALUES``: the
user guide's template writes them with another value (``mlflow_tracking_uri: mlruns``,
where the schema's default, null, also lets $MLFLOW_TRACKING_URI decide).
"""

from typing import Any, Dict, Optional

import yaml

from .schema import iter_keys

# Keys the written file sets to something other than their schema default.
TEMPLATE_VALUES: Dict[str, Any] = {"mlflow_tracking_uri": "mlruns"}

_HEADER = (
    "# kedro-mlflow settings of this environment. A key left out takes its default;\n"
    "# each comment says what the key does. Reference: kedro_mlflow.config.iter_keys()."
)


def template_values(
    package_name: Optional[str] = None, defer_tracking_uri: bool = False
) -> Dict[str, Any]:
    """``{dotted key: value}`` of every key the template writes (sections left out)."""
    values = {key.path: key.default for key in iter_keys() if not key.is_section}
    values.update(TEMPLATE_VALUES)
    if defer_tracking_uri:
        values["mlflow_tracking_uri"] = None
    if package_name:
        values["experiment.name"] = package_name
    return values


def render_mlflow_yml(package_name: Optional[str] = None, defer_tracking_uri: bool = False) -> str:
    """The text of a fresh mlflow.yml, with a comment above each key.

    ``package_name`` fills ``experiment.name`` (without it the key stays null, which
    means the project's python package too). ``defer_tracking_uri`` writes
    ``mlflow_tracking_uri: null`` ($MLFLOW_TRACKING_URI, else mlruns) instead of the
    guide's ``mlruns``: what `kedro mlflow new` writes.
    """
    values = template_values(package_name, defer_tracking_uri)
    lines = [_HEADER]
    for key in iter_keys():
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


def _scalar(value: object) -> str:
    """One YAML scalar (or flow list) on one line, quoted where YAML needs it."""
    return yaml.safe_dump([value], default_flow_style=True, width=10**6).strip()[1:-1]
