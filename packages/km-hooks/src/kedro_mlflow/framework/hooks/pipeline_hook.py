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

    Example:
        On kedro 0.16.4 and later the hook registers itself: running a pipeline of the
        project, from the command line or from Python, makes an MLflow run of it
        (here the tutorial's iris project, whose experiment is ``iris_demo``):

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
            assert last.info.status == "FINISHED"
            assert last.data.tags["pipeline_name"] == "training"

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
            assert last.info.status == "FINISHED"
            assert last.data.tags["pipeline_name"] == "training"
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
