"""The pipeline hook: one MLflow run per kedro run, tagged with how it was run.

kedro imports this class on every `kedro` call in a project (`kedro --help` included),
through the entry point module `km_hooks` or a project's settings.py: it imports only
kedro's hook marker. Each hook method is the boundary where the run's story,
:mod:`.pipeline_run`, and with it mlflow, is imported, when kedro first calls it.
"""

from typing import TYPE_CHECKING, Any, Dict

from kedro.framework.hooks import hook_impl

if TYPE_CHECKING:  # not imported at run time: `kedro --help` needs neither
    from kedro.io import DataCatalog
    from kedro.pipeline import Pipeline

__all__ = ["MlflowPipelineHook", "mlflow_pipeline_hook"]


class MlflowPipelineHook:
    """Starts the MLflow run when a pipeline starts, ends it when it ends.

    A run is continued only when asked: mlflow.yml's ``run.id``, or MLflow's own
    ``MLFLOW_RUN_ID``. A kedro run started while another MLflow run is active in
    the process (a notebook's, a script's) is logged as its child with ``run.nested:
    true`` (the default) and refused before any node with ``nested: false``.
    """

    @hook_impl
    def before_pipeline_run(
        self, run_params: Dict[str, Any], pipeline: "Pipeline", catalog: "DataCatalog"
    ) -> None:
        from . import pipeline_run  # the boundary: mlflow and the run's steps load here

        pipeline_run.before_pipeline_run(run_params, pipeline, catalog)

    @hook_impl
    def after_pipeline_run(
        self, run_params: Dict[str, Any], pipeline: "Pipeline", catalog: "DataCatalog"
    ) -> None:
        from . import pipeline_run  # the boundary

        pipeline_run.after_pipeline_run(run_params, pipeline, catalog)

    @hook_impl
    def on_pipeline_error(
        self,
        error: Exception,
        run_params: Dict[str, Any],
        pipeline: "Pipeline",
        catalog: "DataCatalog",
    ) -> None:
        from . import pipeline_run  # the boundary

        pipeline_run.on_pipeline_error(error, run_params)


mlflow_pipeline_hook = MlflowPipelineHook()
