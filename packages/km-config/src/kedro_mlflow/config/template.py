"""mlflow.yml as `kedro mlflow init` writes it: every key of the schema, at its default."""

from typing import Optional

import yaml

from .schema import iter_keys

_HEADER = (
    "# kedro-mlflow settings of this environment. Every key is at its default;\n"
    "# delete the ones you do not change. Reference: kedro_mlflow.config.iter_keys()."
)


def render_mlflow_yml(package_name: Optional[str] = None) -> str:
    """The text of a fresh mlflow.yml, with a comment above each key.

    ``package_name`` fills ``experiment.name`` (its default, null, means the same).
    """
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
        default = key.default
        if key.path == "experiment.name" and package_name:
            default = package_name
        lines.append(f"{indent}{name}: {_scalar(default)}")
    return "\n".join(lines) + "\n"


def _scalar(value: object) -> str:
    """One YAML scalar (or flow list) on one line, quoted where YAML needs it."""
    return yaml.safe_dump([value], default_flow_style=True, width=10**6).strip()[1:-1]
