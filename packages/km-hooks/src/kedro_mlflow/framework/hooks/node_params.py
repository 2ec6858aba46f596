"""A node's parameter inputs, as MLflow params (and tags, for values too long)."""

from typing import TYPE_CHECKING, Any, Dict, Iterator, Mapping, NamedTuple, Optional, Tuple

if TYPE_CHECKING:  # kedro imports the hooks on every call: keep km-config out of it
    from kedro.io import DataCatalog
    from kedro.pipeline import Pipeline

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


def flatten_dict(d: Mapping[str, Any], recursive: bool = True, sep: str = ".") -> Dict[str, Any]:
    """``{"a": {"b": 1}}`` as ``{"a.b": 1}``: one key per leaf (per first level when not
    ``recursive``), the keys joined by ``sep``. kedro-mlflow 0.7.3's public helper."""
    flat: Dict[str, Any] = {}
    for key, value in d.items():
        if isinstance(value, Mapping):
            inner = flatten_dict(value, recursive, sep) if recursive else value
            for inner_key, item in inner.items():
                flat[f"{key}{sep}{inner_key}"] = item
        else:
            flat[str(key)] = value
    return flat


def _flatten(name: str, value: Any, options: "NodeHookOptions") -> Iterator[Tuple[str, Any]]:
    if isinstance(value, Mapping) and options.flatten_dict_params:
        yield from flatten_dict({name: value}, options.recursive, options.sep).items()
    else:
        yield name, value


class NodeParameters(NamedTuple):
    """What a node's parameters become in MLflow, following mlflow.yml's ``hooks.node``."""

    params: Dict[str, str]
    tags: Dict[str, str]
    # `fail`: values over the param limit, left out of ``params`` (name -> length)
    too_long: Dict[str, int]
    # `tag`: values over even the tag limit, cut to it (name -> length before the cut)
    cut_tags: Dict[str, int]


def to_mlflow(
    inputs: Mapping[str, Any],
    options: "NodeHookOptions",
    max_length: int,
    max_tag_length: Optional[int] = None,
) -> NodeParameters:
    """A node's parameters as MLflow params and tags.

    Values longer than ``max_length`` follow ``long_parameters_strategy``: `fail` keeps
    them apart for the caller to refuse (mlflow 2.x's client would cut them silently),
    `truncate` cuts them, `tag` logs them as tags (cut to ``max_tag_length``).
    """
    result = NodeParameters({}, {}, {}, {})
    strategy = options.long_parameters_strategy
    for name, value in node_parameters(inputs).items():
        for key, item in _flatten(name, value, options):
            text = str(item)
            if len(text) <= max_length:
                result.params[key] = text
            elif strategy == "fail":
                result.too_long[key] = len(text)
            elif strategy == "truncate":
                result.params[key] = text[:max_length]
            else:
                if max_tag_length is not None and len(text) > max_tag_length:
                    result.cut_tags[key] = len(text)
                    text = text[:max_tag_length]
                result.tags[key] = text
    return result


def pipeline_parameters(
    pipeline: "Pipeline", catalog: "DataCatalog", options: "NodeHookOptions", max_length: int
) -> Dict[str, str]:
    """The parameters the nodes of ``pipeline`` will log, read from ``catalog`` now."""
    names = {
        name
        for node in pipeline.nodes
        for name in node.inputs
        if name.startswith(PARAMS_PREFIX) or name == "parameters"
    }
    inputs = {name: catalog.load(name) for name in sorted(names)}
    return to_mlflow(inputs, options, max_length).params
