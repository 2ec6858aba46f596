"""The node hook: each node's parameters logged before the node runs."""

from typing import Any, Dict

from kedro.framework.hooks import hook_impl

from .calls import CLAIMS
from .dataset_inputs import record_inputs
from .node_params import to_mlflow
from .run_state import STATE


class MlflowNodeHook:
    """Logs the `params:` and `parameters` inputs of each node.

    They are queued as the node starts and sent in the background, several nodes per
    request; the pipeline hook flushes them before the run ends, so a failing pipeline
    keeps those of every node that ran. A parameter already logged with the same value
    is not sent again.
    """

    @hook_impl
    def before_node_run(self, node: Any, catalog: Any, inputs: Dict[str, Any]) -> None:
        if not CLAIMS.claim("before_node_run", inputs):
            return
        tracked = STATE.current
        if tracked is None:
            return
        if tracked.input_sources:
            record_inputs(tracked, inputs)
        from kedro_mlflow.config.mlflow_compat import max_param_length

        params, tags = to_mlflow(inputs, tracked.config.hooks.node, max_param_length())
        params = {k: v for k, v in params.items() if tracked.logged_params.get(k) != v}
        if not params and not tags:
            return
        tracked.sender.send(params, tags)
        tracked.logged_params.update(params)
