"""`kedro mlflow modelify`: log a registered pipeline as an MLflow model.

The options are kedro-mlflow 0.8.1's (each one an argument of ``mlflow.pyfunc.log_model``)
beside this plugin's earlier names (``--model-name`` is ``--artifact-path``).
"""

from pathlib import Path, PurePosixPath
from typing import Any, Dict, Optional, Tuple

import click

from .project import current_project

_MLFLOW_DOC = "https://www.mlflow.org/docs/latest/python_api/mlflow.pyfunc.html"

# The option that sets each argument of mlflow.pyfunc.log_model, for error messages.
_OPTION_OF_ARGUMENT = {
    "artifact_path": "--artifact-path",
    "code_path": "--code-path",
    "conda_env": "--conda-env",
    "signature": "--infer-signature",
    "input_example": "--infer-input-example",
    "registered_model_name": "--registered-model-name",
    "await_registration_for": "--await-registration-for",
    "pip_requirements": "--pip-requirements",
    "extra_pip_requirements": "--extra-pip-requirements",
}


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
    "--infer-signature",
    is_flag=True,
    help="Infer the model's signature from --input-name's data in the catalog.",
)
@click.option(
    "--infer-input-example",
    is_flag=True,
    help="Log the first row of --input-name's data in the catalog as the input example.",
)
@click.option(
    "--run-id",
    "-r",
    default=None,
    help="Log the model in this existing run (its status is left as it is)."
    " Default: a new run of the project's experiment.",
)
@click.option(
    "--copy-mode",
    default=None,
    help="How predict hands data between nodes: assign, copy or deepcopy for every dataset,"
    " or a dict of them per dataset as a Python/JSON literal, e.g. \"{'scaled': 'assign'}\""
    " (default: copy pandas/numpy objects, deep-copy the rest).",
)
@click.option(
    "--artifact-path",
    "--model-name",
    "artifact_path",
    default="model",
    show_default=True,
    help="The model's folder in the run (artifact_path of mlflow.pyfunc.log_model).",
)
@click.option(
    "--code-path",
    multiple=True,
    help="A file or folder of code to ship in the model's code/ folder, put on sys.path"
    " when the model loads (code_path of mlflow.pyfunc.log_model). Repeat for several.",
)
@click.option(
    "--conda-env",
    default=None,
    help="Path of a conda environment YAML file for the model (conda_env of"
    " mlflow.pyfunc.log_model). Default: this Python, mlflow, kedro, km-pipelineml and"
    " the packages of the pipeline's nodes.",
)
@click.option(
    "--registered-model-name",
    default=None,
    help="Register the model as a new version of this model in the MLflow Model Registry"
    " (created if needed; needs a store with a registry, e.g. a database).",
)
@click.option(
    "--await-registration-for",
    default=None,
    help="Seconds to wait for the registered version to be ready (mlflow's default: 300;"
    " 0: do not wait).",
)
@click.option(
    "--pip-requirements",
    default=None,
    help="The model's pip requirements instead of the default environment: the path of a"
    " requirements file (a value naming a file, ending in .txt or holding a /), or a"
    " comma-separated list ('pandas>=1,<2,scikit-learn'; a comma inside a version range"
    " stays with it). mlflow>=1.20.",
)
@click.option(
    "--extra-pip-requirements",
    default=None,
    help="Requirements added to those mlflow infers for the model: the path of a"
    " requirements file, or a comma-separated list as for --pip-requirements. mlflow>=1.20.",
)
@click.option("--run-name", default=None, help="Name of the new MLflow run.")
@click.option("--env", "-e", default=None, help="Kedro environment to load the project in.")
def modelify(
    pipeline_name: str,
    input_name: str,
    infer_signature: bool,
    infer_input_example: bool,
    run_id: Optional[str],
    copy_mode: Optional[str],
    artifact_path: str,
    code_path: Tuple[str, ...],
    conda_env: Optional[str],
    registered_model_name: Optional[str],
    await_registration_for: Optional[str],
    pip_requirements: Optional[str],
    extra_pip_requirements: Optional[str],
    run_name: Optional[str],
    env: Optional[str],
) -> None:
    """Log a registered pipeline as an MLflow model (a KedroPipelineModel).

    Every free input but --input-name travels with the model: files saved by the
    catalog as they are, parameters and other in-memory values pickled. The options
    from --artifact-path to --extra-pip-requirements set the arguments of the same
    names of mlflow.pyfunc.log_model. Every value is checked before anything is logged.
    """
    import tempfile

    from .modelify_inputs import (
        bad_value,
        conda_env_file,
        existing_file,
        parse_await,
        parse_requirements,
    )

    project = current_project("modelify")
    # Checked before the project loads: a typo fails fast, and nothing is logged.
    # mlflow joins the path to the run's artifact folder: "/x" or "../x" would land outside.
    parts = PurePosixPath(artifact_path).parts
    if not parts or artifact_path.startswith("/") or ".." in parts:
        raise bad_value(
            "--artifact-path", "a relative folder of the run, without '..'", artifact_path
        )
    if run_id is not None and run_name is not None:
        raise click.ClickException(
            "--run-name names a new run, and --run-id logs into an existing one: give one of them."
        )
    environment_options = [
        name
        for name, value in (
            ("--conda-env", conda_env),
            ("--pip-requirements", pip_requirements),
            ("--extra-pip-requirements", extra_pip_requirements),
        )
        if value is not None
    ]
    if len(environment_options) > 1:
        raise click.ClickException(
            f"{' and '.join(environment_options)} exclude each other: mlflow builds the"
            " model's environment from one of --conda-env, --pip-requirements and"
            " --extra-pip-requirements."
        )
    log_options: Dict[str, Any] = {"artifact_path": artifact_path}
    if code_path:
        log_options["code_path"] = [
            str(existing_file("--code-path", path, "a file or folder")) for path in code_path
        ]
    if conda_env is not None:
        log_options["conda_env"] = conda_env_file(conda_env)
    if pip_requirements is not None:
        log_options["pip_requirements"] = parse_requirements("--pip-requirements", pip_requirements)
    if extra_pip_requirements is not None:
        log_options["extra_pip_requirements"] = parse_requirements(
            "--extra-pip-requirements", extra_pip_requirements
        )
    if registered_model_name is not None:
        log_options["registered_model_name"] = registered_model_name
    seconds = parse_await(await_registration_for)
    if seconds is not None:
        if registered_model_name is None:
            click.secho(
                "--await-registration-for has no effect without --registered-model-name.",
                fg="yellow",
                err=True,
            )
        log_options["await_registration_for"] = seconds
    with tempfile.TemporaryDirectory(prefix="kedro-mlflow-modelify-") as folder:
        logged_run, experiment = _modelify(
            project.project_path,
            env,
            pipeline_name,
            input_name,
            copy_mode,
            infer_signature,
            infer_input_example,
            run_id,
            run_name,
            log_options,
            Path(folder),
        )
    where = (
        f"the run {logged_run} (--run-id)"
        if run_id is not None
        else f"the new run {logged_run} of experiment {experiment!r}"
    )
    click.secho(
        f"Pipeline {pipeline_name!r} logged as model {artifact_path!r} in {where}.", fg="green"
    )
    if registered_model_name is not None:
        click.echo(f"Registered model: {registered_model_name}")
    click.echo(f"Run id: {logged_run}")
    click.echo(f"Model URI: runs:/{logged_run}/{artifact_path}")


def _modelify(
    project_path: Path,
    env: Optional[str],
    pipeline_name: str,
    input_name: str,
    copy_mode: Optional[str],
    infer_signature: bool,
    infer_input_example: bool,
    run_id: Optional[str],
    run_name: Optional[str],
    log_options: Dict[str, Any],
    folder: Path,
) -> Tuple[str, str]:
    """Check everything and gather the artifacts into ``folder``, then log the model.

    Returns the run's id and the name of the project's experiment.
    """
    from kedro_mlflow.compat.kedro_compat import context_pipelines, load_project_context
    from kedro_mlflow.config import KedroMlflowConfigError
    from kedro_mlflow.framework.context import get_mlflow_config
    from kedro_mlflow.mlflow import KedroPipelineModel, default_conda_env
    from kedro_mlflow.pipeline import PipelineMLError

    from .modelify_inputs import (
        check_model_shape,
        first_row,
        gather_artifacts,
        load_input,
        parse_copy_mode,
        registered_pipeline,
    )

    context = load_project_context(project_path, env=env)
    try:
        config = get_mlflow_config(context)
    except KedroMlflowConfigError as error:
        raise click.ClickException(str(error)) from None
    pipeline = registered_pipeline(context_pipelines(context), pipeline_name)
    check_model_shape(pipeline, pipeline_name, input_name)
    modes = parse_copy_mode(copy_mode, pipeline.data_sets())
    catalog = context.catalog
    artifacts_catalog, artifacts = gather_artifacts(
        catalog, pipeline, pipeline_name, input_name, folder
    )
    options = dict(log_options)
    if infer_signature or infer_input_example:
        reason = " and ".join(
            flag
            for flag, wanted in (
                ("--infer-signature", infer_signature),
                ("--infer-input-example", infer_input_example),
            )
            if wanted
        )
        data = load_input(catalog, input_name, reason)
        if infer_signature:
            from mlflow.models.signature import infer_signature as infer

            options["signature"] = infer(model_input=data)
        if infer_input_example:
            options["input_example"] = first_row(data)
    try:
        model = KedroPipelineModel.from_pipeline(pipeline, artifacts_catalog, input_name, modes)
    except PipelineMLError as error:  # checked above already; kept as a clear message
        raise click.ClickException(f"Pipeline {pipeline_name!r}: {error}") from None
    options.update(python_model=model, artifacts=artifacts)
    if not {"conda_env", "pip_requirements", "extra_pip_requirements"} & set(options):
        options["conda_env"] = default_conda_env(pipeline)
    _check_mlflow_takes(options)
    try:
        experiment_id = config.setup()
    except KedroMlflowConfigError as error:
        raise click.ClickException(str(error)) from None
    if options.get("registered_model_name") is not None:
        _check_registry(options["registered_model_name"])
    experiment = config.experiment.name or "Default"
    if run_id is not None:
        _check_run(run_id)
        _log_in_existing_run(run_id, options)
        return run_id, experiment
    return _log_in_new_run(experiment_id, run_name, options), experiment


def _check_mlflow_takes(options: Dict[str, Any]) -> None:
    """Stop with the option's name when the installed mlflow lacks an argument it sets."""
    from kedro_mlflow.compat.mlflow_compat import log_model_argument_problem

    for argument in sorted(options):
        problem = log_model_argument_problem(argument)
        if problem:
            option = _OPTION_OF_ARGUMENT.get(argument, argument)
            raise click.ClickException(f"{option} cannot be used: {problem}.")


def _check_registry(model_name: str) -> None:
    from kedro_mlflow.compat.mlflow_compat import model_registry_problem

    problem = model_registry_problem(model_name)
    if problem:
        raise click.ClickException(
            f"--registered-model-name {model_name!r}: the project's MLflow store cannot"
            f" register models ({problem}). Registration needs a Model Registry: a database"
            " store (e.g. mlflow_tracking_uri: sqlite:///mlflow.db) or a tracking server"
            " backed by one."
        )


def _check_run(run_id: str) -> None:
    """Stop unless ``run_id`` is a run of the tracking store that is not deleted."""
    from mlflow.entities import LifecycleStage
    from mlflow.exceptions import MlflowException
    from mlflow.tracking import MlflowClient

    try:
        run = MlflowClient().get_run(run_id)
    except MlflowException as error:
        raise click.ClickException(
            f"Invalid value for --run-id: expected the id of a run of the project's tracking"
            f" store, got {run_id!r} ({' '.join(str(error.message).split())})."
        ) from None
    if run.info.lifecycle_stage == LifecycleStage.DELETED:
        raise click.ClickException(
            f"Invalid value for --run-id: the run {run_id!r} is deleted; restore it"
            f" (mlflow runs restore --run-id {run_id}) or give another run."
        )


def _log_in_existing_run(run_id: str, options: Dict[str, Any]) -> None:
    """Log the model in the run ``run_id``, leaving its status (and its end time) as they are.

    A model is often added to a finished training run; ``mlflow.start_run(run_id=...)``
    would mark it running and then finished, hiding that the training had failed.
    """
    import mlflow.pyfunc

    from kedro_mlflow.compat.mlflow_compat import reopen_run

    try:
        with reopen_run(run_id):
            mlflow.pyfunc.log_model(**options)
    except Exception as error:
        # Not our run to delete: say what may be left in it.
        raise click.ClickException(
            f"MLflow could not log the model ({type(error).__name__}: {error}); the run"
            f" {run_id} may hold part of it under {options['artifact_path']!r}."
        ) from error


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
            f" {run_id} was marked FAILED and deleted."
        ) from error
    mlflow.end_run()
    return run_id
