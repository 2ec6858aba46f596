"""A node's parameter inputs, as MLflow params (and tags, for values too long)."""

from typing import TYPE_CHECKING, Any, Dict, Iterator, Mapping, Tuple

if TYPE_CHECKING:  # kedro imports the hooks on every call: keep km-config out of it
    from kedro_mlflow.config import NodeHookOptions

PARAMS_PREFIX = "params:"


def node_parameters(inputs: Mapping[str, Any]) -> Dict[str, Any]:
    """The `params:` inputs (named without the prefix) and the whole `parameters` input."""
    found = {}
    for name, value in inputs.items():
        if name.startswith(PARAMS_PREFIX):
            found[name[len(PARAMS_PREFIX) :]] = value
        elif name == "parameters":
            found[name] = value
    return found


def _flatten(
    name: str, value: Any, options: "NodeHookOptions", depth: int
) -> Iterator[Tuple[str, Any]]:
    nested = isinstance(value, Mapping) and options.flatten_dict_params
    if nested and (depth == 0 or options.recursive):
        for key, item in value.items():
            yield from _flatten(f"{name}{options.sep}{key}", item, options, depth + 1)
    else:
        yield name, value


def to_mlflow(
    inputs: Mapping[str, Any], options: "NodeHookOptions", max_length: int
) -> Tuple[Dict[str, str], Dict[str, str]]:
    """(params, tags) to log for a node, following `hooks.node` of mlflow.yml.

    Values longer than MLflow's limit follow `long_parameters_strategy`: `fail` sends
    them as they are (the store decides), `truncate` cuts them, `tag` logs them as tags.
    """
    params: Dict[str, str] = {}
    tags: Dict[str, str] = {}
    for name, value in node_parameters(inputs).items():
        for key, item in _flatten(name, value, options, 0):
            text = str(item)
            if len(text) <= max_length or options.long_parameters_strategy == "fail":
                params[key] = text
            elif options.long_parameters_strategy == "truncate":
                params[key] = text[:max_length]
            else:
                tags[key] = text
    return params, tags
