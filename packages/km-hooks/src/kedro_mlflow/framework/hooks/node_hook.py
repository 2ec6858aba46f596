"""The node hook: each node's parameters logged before the node runs.

kedro imports this class on every `kedro` call in a project, through the entry point
module `km_hooks` or a project's settings.py: it imports only kedro's hook marker and
the hooks' own light modules. Each hook method is the boundary where the node's work,
:mod:`.node_run`, and with it mlflow, is imported, at the first node of a tracked run.
"""

from typing import TYPE_CHECKING, Any, Dict

from kedro.framework.hooks import hook_impl

from .node_params import flatten_dict
from .run_state import STATE

if TYPE_CHECKING:  # not imported at run time: `kedro --help` needs neither
    from kedro.io import DataCatalog
    from kedro.pipeline.node import Node

__all__ = [
    "LongParameterError",
    "MlflowNodeHook",
    "RefusedParameterError",
    "flatten_dict",
    "mlflow_node_hook",
]


class RefusedParameterError(ValueError):
    """A node's parameter cannot be logged: mlflow refuses its name or its value."""


class LongParameterError(RefusedParameterError):
    """A parameter is longer than mlflow accepts and mlflow.yml says to fail on it."""


class MlflowNodeHook:
    """Logs the `params:` and `parameters` inputs of each node.

    They are queued as the node starts and sent in the background, several nodes per
    request; the pipeline hook flushes them before the run ends, so a failing pipeline
    keeps those of every node that ran. A parameter already logged with the same value
    is not sent again.

    Outside a tracked run (a project or pipeline that disables tracking) it does nothing
    and imports nothing.

    Example:
        Registered with the pipeline hook, it needs no code: after a run of the
        tutorial's iris project, the parameters its nodes read are the run's:

        .. test: python project=iris requires=kedro>=0.17.1

        .. code-block:: python

            from pathlib import Path

            from kedro.framework.session import KedroSession
            from kedro.framework.startup import bootstrap_project
            from mlflow.tracking import MlflowClient

            project = Path.cwd()
            metadata = bootstrap_project(project)
            with KedroSession.create(metadata.package_name, project) as session:
                session.run(pipeline_name="training")

            client = MlflowClient((project / "mlruns").as_uri())
            experiment = client.get_experiment_by_name("iris_demo")
            order = ["attributes.start_time DESC"]
            last = client.search_runs([experiment.experiment_id], order_by=order)[0]
            assert last.data.params["learning_rate"] == "0.5"

        On kedro 0.16, from a context:

        .. test: python project=iris requires=kedro<0.17

        .. code-block:: python

            from pathlib import Path

            from kedro.framework.context import load_context
            from mlflow.tracking import MlflowClient

            project = Path.cwd()
            load_context(project).run(pipeline_name="training")

            client = MlflowClient((project / "mlruns").as_uri())
            experiment = client.get_experiment_by_name("iris_demo")
            order = ["attributes.start_time DESC"]
            last = client.search_runs([experiment.experiment_id], order_by=order)[0]
            assert last.data.params["learning_rate"] == "0.5"
    """

    @hook_impl
    def before_node_run(self, node: "Node", catalog: "DataCatalog", inputs: Dict[str, Any]) -> None:
        if STATE.current is None:
            return
        from . import node_run  # the boundary: mlflow and the node's steps load here

        node_run.before_node_run(node, inputs)

    @hook_impl
    def after_node_run(self, node: "Node", outputs: Dict[str, Any]) -> None:
        if STATE.current is None:
            return
        from . import node_run  # the boundary

        node_run.after_node_run(outputs)


mlflow_node_hook = MlflowNodeHook()
