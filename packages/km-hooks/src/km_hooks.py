"""kedro's entry points into km-hooks: the hook objects kedro >= 0.16.4 registers itself.

They are other objects than `kedro_mlflow.framework.hooks.mlflow_pipeline_hook` and
`mlflow_node_hook`: pluggy refuses one object registered twice, and users may list
the documented ones by hand while these are registered; the hooks run each call once.
The module is named after the distribution because `kedro info` looks it up so.

kedro unregisters them when a project disables the plugin `km-hooks` (the name of
their distribution); they also stand aside, before claiming any call, when it
disables `kedro-mlflow`, the name users know from the reference's documentation.

kedro imports this module on every `kedro` call in a project (`kedro --help` too): like
the hook classes, it imports neither mlflow nor the plugin's other packages; the hook
methods do, when a run first calls them.
"""

from typing import TYPE_CHECKING, Any, Dict

from kedro.framework.hooks import hook_impl

try:
    from kedro_mlflow.compat.kedro_compat import disabled_plugin_hooks
    from kedro_mlflow.framework.hooks import MlflowNodeHook, MlflowPipelineHook
except ImportError:  # e.g. files deleted by pip's in-place upgrade from kedro-mlflow 0.7
    from kedro_mlflow.config.installation import damage_report

    _report = damage_report()
    if _report is None:
        raise
    raise ImportError(_report) from None

if TYPE_CHECKING:  # kedro imports this module on every call: no kedro.io, kedro.pipeline
    from kedro.io import DataCatalog
    from kedro.pipeline import Pipeline

DISABLING_NAMES = frozenset({"kedro-mlflow", "kedro_mlflow"})


def _disabled(run_params: Dict[str, Any]) -> bool:
    return bool(DISABLING_NAMES & disabled_plugin_hooks(run_params.get("project_path", ".")))


class _EntryPointPipelineHook(MlflowPipelineHook):
    """The pipeline hook as the entry point registers it: idle where the project
    disables `kedro-mlflow` (then only hooks declared by hand track the run)."""

    @hook_impl
    def before_pipeline_run(
        self, run_params: Dict[str, Any], pipeline: "Pipeline", catalog: "DataCatalog"
    ) -> None:
        if not _disabled(run_params):
            super().before_pipeline_run(run_params, pipeline, catalog)

    @hook_impl
    def after_pipeline_run(
        self, run_params: Dict[str, Any], pipeline: "Pipeline", catalog: "DataCatalog"
    ) -> None:
        if not _disabled(run_params):
            super().after_pipeline_run(run_params, pipeline, catalog)

    @hook_impl
    def on_pipeline_error(
        self,
        error: Exception,
        run_params: Dict[str, Any],
        pipeline: "Pipeline",
        catalog: "DataCatalog",
    ) -> None:
        if not _disabled(run_params):
            super().on_pipeline_error(error, run_params, pipeline, catalog)


pipeline_hook = _EntryPointPipelineHook()
# The node hook logs only into a run some pipeline hook started: it needs no guard.
node_hook = MlflowNodeHook()
