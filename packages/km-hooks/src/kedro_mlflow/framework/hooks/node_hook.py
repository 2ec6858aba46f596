"""The node hook: each node's parameters logged before the node runs."""

from typing import Any, Dict

from kedro.framework.hooks import hook_impl

from .calls import CLAIMS
from .node_params import to_mlflow
from .run_state import STATE


class MlflowNodeHook:
    """Logs the `params:` and `parameters` inputs of each node, in one request per node.

    Parameters go to the run as the node starts, so a failing pipeline keeps those of
    every node that ran. A parameter already logged with the same value is not sent again.
    """

    @hook_impl
    def before_node_run(self, node: Any, catalog: Any, inputs: Dict[str, Any]) -> None:
        if not CLAIMS.claim("before_node_run", inputs):
            return
        tracked = STATE.current
        if tracked is None:
            return
        from kedro_mlflow.config.mlflow_compat import max_param_length

        params, tags = to_mlflow(inputs, tracked.config.hooks.node, max_param_length())
        params = {k: v for k, v in params.items() if tracked.logged_params.get(k) != v}
        if not params and not tags:
            return
        from mlflow.entities import Param, RunTag
        from mlflow.tracking import MlflowClient

        MlflowClient(tracked.config.mlflow_tracking_uri).log_batch(
            tracked.run_id,
            params=[Param(key, value) for key, value in params.items()],
            tags=[RunTag(key, value) for key, value in tags.items()],
        )
        tracked.logged_params.update(params)
