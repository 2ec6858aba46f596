"""What the node hook does at each node of a tracked run: the node's parameters queued
for the run (and its dataset inputs recorded), the model's input kept for its signature.

Only a tracked run imports this module (:class:`~.node_hook.MlflowNodeHook` does, at
the first node): mlflow and the other packages are imported here, once.
"""

import logging
from typing import Any, Dict

from kedro.pipeline.node import Node

from kedro_mlflow.compat.mlflow_compat import max_param_length, max_tag_length, param_key_problem

from .calls import CLAIMS
from .dataset_inputs import record_inputs
from .node_hook import LongParameterError, RefusedParameterError
from .node_params import NodeParameters, to_mlflow
from .run_state import STATE

# The name the node hook's log lines have always carried.
logger = logging.getLogger("kedro_mlflow.framework.hooks.node_hook")


def before_node_run(node: Node, inputs: Dict[str, Any]) -> None:
    """Queue the node's parameters for the run; refuse the node when mlflow would
    refuse one of them (its other parameters are sent first)."""
    if not CLAIMS.claim("before_node_run", inputs):
        return
    tracked = STATE.current
    if tracked is None:
        return
    tracked.watch.check()  # a server gone since the last node stops the run now
    if tracked.input_sources:
        record_inputs(tracked, inputs)
    found = to_mlflow(inputs, tracked.config.hooks.node, max_param_length(), max_tag_length())
    refused = _drop_refused(found)
    _warn_cut_tags(node.name, found.cut_tags, max_tag_length())
    params = {k: v for k, v in found.params.items() if tracked.logged_params.get(k) != v}
    if params or found.tags:
        tracked.sender.send(params, found.tags)
        tracked.logged_params.update(params)
    if refused or found.too_long:
        tracked.sender.flush()  # the node's other parameters are kept in the run
    if refused:
        raise _refused(node.name, refused)
    if found.too_long:
        raise _too_long(node.name, found.too_long, max_param_length())


def after_node_run(outputs: Dict[str, Any]) -> None:
    """Keep the model's input when this node made it (the runner releases it later)."""
    tracked = STATE.current
    if tracked is None or tracked.model_input_name not in outputs:
        return
    # not claimed: with the hooks registered twice, both keep the same object
    tracked.model_input = outputs[tracked.model_input_name]


def _drop_refused(found: NodeParameters) -> Dict[str, str]:
    """Take the parameters and tags whose name mlflow refuses out of ``found``.

    Returns ``{name: why mlflow refuses it}``.
    """
    refused = {
        key: problem
        for key in (*found.params, *found.tags)
        for problem in [param_key_problem(key)]
        if problem
    }
    for key in refused:
        found.params.pop(key, None)
        found.tags.pop(key, None)
    return refused


def _warn_cut_tags(node: str, cut_tags: Dict[str, int], limit: int) -> None:
    """Say which long parameters are logged as tags cut to ``limit`` characters."""
    for key, length in cut_tags.items():
        logger.warning(
            "Parameter %r of node %r is %d characters long: it is logged as a tag,"
            " cut to mlflow's tag limit of %d characters.",
            key,
            node,
            length,
            limit,
        )


def _refused(node: str, refused: Dict[str, str]) -> RefusedParameterError:
    listed = "; ".join(f"{key!r}: {problem}" for key, problem in refused.items())
    return RefusedParameterError(
        f"node {node!r}: mlflow refuses the name of parameter {listed}. Rename it in the"
        " parameters (or in the node's inputs); the node's other parameters are logged."
    )


def _too_long(node: str, too_long: Dict[str, int], limit: int) -> LongParameterError:
    listed = ", ".join(f"{key!r} ({length} characters)" for key, length in too_long.items())
    return LongParameterError(
        f"node {node!r}: parameter {listed} is longer than the {limit} characters the"
        " installed mlflow accepts, and mlflow.yml's hooks.node.long_parameters_strategy is"
        " 'fail'. Set it to 'tag' (log it as a tag) or 'truncate' (cut it) to run anyway."
    )
