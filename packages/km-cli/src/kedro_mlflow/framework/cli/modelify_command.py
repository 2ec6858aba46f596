"""`kedro mlflow modelify`: log a registered pipeline as an MLflow model, in a new run."""

from pathlib import Path
from typing import Any, Dict, Optional, Tuple

import click

from .project import current_project


@click.command(name="modelify")
@click.option(
    "--pipeline", "-p", "pipeline_name", required=True, help="Registered pipeline to log."
)
@click.option(
    "--input-name",
    "-i",
    required=True,
    help="The pipeline's free input that receives the data to predict on.",
)
@click.option(
    "--model-name", default="model", show_default=True, help="The model's folder in the run."
)
@click.option(
    "--copy-mode",
    default=None,
    help="How predict hands data between nodes: assign, copy or deepcopy"
    " (default: copy pandas/numpy objects, deep-copy the rest).",
)
@click.option(
    "--infer-signature",
    is_flag=True,
    help="Infer the model's signature from --input-name's data in the catalog.",
)
@click.option("--run-name", default=None, help="Name of the new MLflow run.")
@click.option("--env", "-e", default=None, help="Kedro environment to load the project in.")
def modelify(
    pipeline_name: str,
    input_name: str,
    model_name: str,
    copy_mode: Optional[str],
    infer_signature: bool,
    run_name: Optional[str],
    env: Optional[str],
) -> None:
    """Log a registered pipeline as an MLflow model (a KedroPipelineModel) in a new run.

    Every free input but --input-name travels with the model: files saved by the
    catalog as they are, parameters and other in-memory values pickled.
    """
    import tempfile

    from kedro_mlflow.pipeline import PipelineMLError
    from kedro_mlflow.pipeline.copy_modes import check_copy_mode

    project = current_project("modelify")
    try:
        check_copy_mode(copy_mode)
    except PipelineMLError as error:
        raise click.BadParameter(str(error), param_hint="--copy-mode") from None
    if not model_name.strip("/"):
        raise click.BadParameter("must name a folder of the run", param_hint="--model-name")
    with tempfile.TemporaryDirectory(prefix="kedro-mlflow-modelify-") as folder:
        run_id, experiment = _modelify(
            project.project_path,
            env,
            pipeline_name,
            input_name,
            model_name,
            copy_mode,
            infer_signature,
            run_name,
            Path(folder),
        )
    click.secho(
        f"Pipeline {pipeline_name!r} logged as model {model_name!r} in the new run {run_id}"
        f" of experiment {experiment!r}.",
        fg="green",
    )
    click.echo(f"Run id: {run_id}")
    click.echo(f"Model URI: runs:/{run_id}/{model_name}")


def _modelify(
    project_path: Path,
    env: Optional[str],
    pipeline_name: str,
    input_name: str,
    model_name: str,
    copy_mode: Optional[str],
    infer_signature: bool,
    run_name: Optional[str],
    folder: Path,
) -> Tuple[str, str]:
    """Check everything and gather the artifacts into ``folder``, then log the model.

    Returns the new run's id and its experiment's name.
    """
    from kedro_mlflow.config import KedroMlflowConfigError
    from kedro_mlflow.config.kedro_compat import context_pipelines, load_project_context
    from kedro_mlflow.framework.context import get_mlflow_config
    from kedro_mlflow.mlflow import KedroPipelineModel, default_conda_env
    from kedro_mlflow.pipeline import PipelineMLError

    from .modelify_inputs import (
        check_model_shape,
        gather_artifacts,
        load_input,
        registered_pipeline,
    )

    context = load_project_context(project_path, env=env)
    try:
        config = get_mlflow_config(context)
    except KedroMlflowConfigError as error:
        raise click.ClickException(str(error)) from None
    pipeline = registered_pipeline(context_pipelines(context), pipeline_name)
    check_model_shape(pipeline, pipeline_name, input_name)
    catalog = context.catalog
    artifacts_catalog, artifacts = gather_artifacts(
        catalog, pipeline, pipeline_name, input_name, folder
    )
    signature = None
    if infer_signature:
        from mlflow.models.signature import infer_signature as infer

        signature = infer(model_input=load_input(catalog, input_name))
    try:
        model = KedroPipelineModel.from_pipeline(
            pipeline, artifacts_catalog, input_name, copy_mode=copy_mode
        )
    except PipelineMLError as error:  # checked above already; kept as a clear message
        raise click.ClickException(f"Pipeline {pipeline_name!r}: {error}") from None
    options = dict(
        artifact_path=model_name,
        python_model=model,
        artifacts=artifacts,
        conda_env=default_conda_env(pipeline),
        signature=signature,
    )
    try:
        experiment_id = config.setup()
    except KedroMlflowConfigError as error:
        raise click.ClickException(str(error)) from None
    return _log_in_new_run(experiment_id, run_name, options), config.experiment.name or "Default"


def _log_in_new_run(experiment_id: str, run_name: Optional[str], options: Dict[str, Any]) -> str:
    """Log the model in a new run of the experiment; return the run's id."""
    import mlflow
    import mlflow.pyfunc
    from mlflow.tracking import MlflowClient

    run_id = mlflow.start_run(experiment_id=experiment_id, run_name=run_name).info.run_id
    try:
        mlflow.pyfunc.log_model(**options)
    except Exception as error:
        mlflow.end_run(status="FAILED")
        # A run holding part of a model would pass for a usable one: remove it.
        MlflowClient().delete_run(run_id)
        raise click.ClickException(
            f"MLflow could not log the model ({type(error).__name__}: {error}); the run"
            f" {run_id} was deleted."
        ) from error
    mlflow.end_run()
    return run_id
