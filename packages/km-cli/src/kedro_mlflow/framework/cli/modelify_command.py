"""`kedro mlflow modelify`: log a registered pipeline as an MLflow model.

The options are kedro-mlflow 0.8.1's (each one an argument of ``mlflow.pyfunc.log_model``)
beside this plugin's earlier names (``--model-name`` is ``--artifact-path``).
"""

import tempfile
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Any, Dict, Iterator, NamedTuple, Optional, Tuple, cast

import click
import mlflow
import mlflow.pyfunc
from kedro.framework.context import KedroContext
from kedro.io import DataCatalog
from mlflow.entities import LifecycleStage, Run
from mlflow.exceptions import MlflowException
from mlflow.models.signature import infer_signature
from mlflow.tracking import MlflowClient

from kedro_mlflow.compat.kedro_compat import context_pipelines, load_project_context
from kedro_mlflow.compat.mlflow_compat import (
    log_model_argument_problem,
    model_registry_problem,
    reopen_run,
)
from kedro_mlflow.config import KedroMlflowConfigError
from kedro_mlflow.framework.context import get_mlflow_config
from kedro_mlflow.mlflow import KedroPipelineModel, announce_model_upload, pyfunc_log_options
from kedro_mlflow.pipeline import PipelineMLError

from .modelify_inputs import (
    bad_value,
    check_model_shape,
    conda_env_file,
    existing_file,
    first_row,
    gather_artifacts,
    load_input,
    parse_await,
    parse_copy_mode,
    parse_requirements,
    registered_pipeline,
)
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
_ENVIRONMENT_OPTIONS = ("--conda-env", "--pip-requirements", "--extra-pip-requirements")


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

    Every free input but --input-name travels with the model: files saved by the catalog
    as they are, parameters and other in-memory values pickled. Every value is checked
    before anything is logged.
    """
    project = current_project("modelify")
    # Checked before the project loads: a typo fails fast, and nothing is logged.
    _check_destination(artifact_path, run_id, run_name)
    _check_one_environment(conda_env, pip_requirements, extra_pip_requirements)
    log_options = {"artifact_path": artifact_path, **_code_options(code_path)}
    log_options.update(_environment_options(conda_env, pip_requirements, extra_pip_requirements))
    log_options.update(_registration_options(registered_model_name, await_registration_for))
    request = _Request(
        pipeline_name, input_name, copy_mode, infer_signature, infer_input_example, env
    )
    with tempfile.TemporaryDirectory(prefix="kedro-mlflow-modelify-") as folder:
        logged = _modelify(
            project.project_path, request, run_id, run_name, log_options, Path(folder)
        )
    _report(request, log_options, logged, run_id)


class _Request(NamedTuple):
    """What the command models: the pipeline, its input, and how."""

    pipeline_name: str
    input_name: str
    copy_mode: Optional[str]
    infer_signature: bool
    infer_input_example: bool
    env: Optional[str]


def _check_destination(artifact_path: str, run_id: Optional[str], run_name: Optional[str]) -> None:
    """Stop on a model folder outside the run, or on both a run to reuse and a new run's name."""

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


def _check_one_environment(*values: Optional[str]) -> None:
    """Stop unless at most one of ``values`` (the ``_ENVIRONMENT_OPTIONS``, in order) is given."""
    given = [option for option, value in zip(_ENVIRONMENT_OPTIONS, values) if value is not None]
    if len(given) > 1:
        raise click.ClickException(
            f"{' and '.join(given)} exclude each other: mlflow builds the"
            " model's environment from one of --conda-env, --pip-requirements and"
            " --extra-pip-requirements."
        )


def _environment_options(
    conda_env: Optional[str], pip_requirements: Optional[str], extra_pip_requirements: Optional[str]
) -> Dict[str, Any]:
    """The environment option given (at most one), checked, under log_model's name for it."""

    options: Dict[str, Any] = {}
    if conda_env is not None:
        options["conda_env"] = conda_env_file(conda_env)
    if pip_requirements is not None:
        options["pip_requirements"] = parse_requirements("--pip-requirements", pip_requirements)
    if extra_pip_requirements is not None:
        options["extra_pip_requirements"] = parse_requirements(
            "--extra-pip-requirements", extra_pip_requirements
        )
    return options


def _code_options(code_path: Tuple[str, ...]) -> Dict[str, Any]:
    """``code_path`` for log_model: each --code-path, checked to exist, made absolute."""

    if not code_path:
        return {}
    return {
        "code_path": [
            str(existing_file("--code-path", path, "a file or folder")) for path in code_path
        ]
    }


def _registration_options(
    registered_model_name: Optional[str], await_registration_for: Optional[str]
) -> Dict[str, Any]:
    """``registered_model_name`` and ``await_registration_for`` for log_model, when given."""

    options: Dict[str, Any] = {}
    if registered_model_name is not None:
        options["registered_model_name"] = registered_model_name
    seconds = parse_await(await_registration_for)
    if seconds is not None:
        if registered_model_name is None:
            click.secho(
                "--await-registration-for has no effect without --registered-model-name.",
                fg="yellow",
                err=True,
            )
        options["await_registration_for"] = seconds
    return options


def _report(
    request: _Request, log_options: Dict[str, Any], logged: Tuple[str, str], run_id: Optional[str]
) -> None:
    """Say where the model is: its run, its URI, and its registered name if any."""
    logged_run, experiment = logged
    artifact_path = log_options["artifact_path"]
    where = (
        f"the run {logged_run} (--run-id)"
        if run_id is not None
        else f"the new run {logged_run} of experiment {experiment!r}"
    )
    click.secho(
        f"Pipeline {request.pipeline_name!r} logged as model {artifact_path!r} in {where}.",
        fg="green",
    )
    if log_options.get("registered_model_name") is not None:
        click.echo(f"Registered model: {log_options['registered_model_name']}")
    click.echo(f"Run id: {logged_run}")
    click.echo(f"Model URI: runs:/{logged_run}/{artifact_path}")


def _modelify(
    project_path: Path,
    request: _Request,
    run_id: Optional[str],
    run_name: Optional[str],
    log_options: Dict[str, Any],
    folder: Path,
) -> Tuple[str, str]:
    """Check everything and gather the artifacts into ``folder``, then log the model.

    Returns the run's id and the name of the project's experiment.
    """

    context = load_project_context(project_path, env=request.env)
    with _config_errors():
        config = get_mlflow_config(context)
    options = _model_log_options(context, request, log_options, folder)
    _check_mlflow_takes(options)
    with _config_errors():
        experiment_id = config.setup()
    if options.get("registered_model_name") is not None:
        _check_registry(options["registered_model_name"])
    experiment = config.experiment.name or "Default"
    if run_id is not None:
        _check_run(run_id)
        _log_in_existing_run(run_id, options)
        return run_id, experiment
    return _log_in_new_run(experiment_id, run_name, options), experiment


@contextmanager
def _config_errors() -> Iterator[None]:
    """An mlflow.yml problem, as the command's error (its message says what to fix)."""

    try:
        yield
    except KedroMlflowConfigError as error:
        raise click.ClickException(str(error)) from None


def _model_log_options(
    context: "KedroContext", request: _Request, log_options: Dict[str, Any], folder: Path
) -> Dict[str, Any]:
    """The model, its artifacts (gathered into ``folder``) and every log_model argument."""

    name, input_name = request.pipeline_name, request.input_name
    pipeline = registered_pipeline(context_pipelines(context), name)
    check_model_shape(pipeline, name, input_name)
    modes = parse_copy_mode(request.copy_mode, pipeline.data_sets())
    artifacts_catalog, artifacts = gather_artifacts(
        context.catalog, pipeline, name, input_name, folder
    )
    examples = _input_examples(context.catalog, request)
    try:
        model = KedroPipelineModel.from_pipeline(pipeline, artifacts_catalog, input_name, modes)
    except PipelineMLError as error:  # checked above already; kept as a clear message
        raise click.ClickException(f"Pipeline {name!r}: {error}") from None
    return pyfunc_log_options(model, artifacts, pipeline, **log_options, **examples)


def _input_examples(catalog: "DataCatalog", request: _Request) -> Dict[str, Any]:
    """``signature`` and ``input_example`` from --input-name's data, as the flags ask."""

    wanted = [
        flag
        for flag, asked in (
            ("--infer-signature", request.infer_signature),
            ("--infer-input-example", request.infer_input_example),
        )
        if asked
    ]
    if not wanted:
        return {}
    data = load_input(catalog, request.input_name, " and ".join(wanted))
    examples: Dict[str, Any] = {}
    if request.infer_signature:
        examples["signature"] = infer_signature(model_input=data)
    if request.infer_input_example:
        examples["input_example"] = first_row(data)
    return examples


def _check_mlflow_takes(options: Dict[str, Any]) -> None:
    """Stop with the option's name when the installed mlflow lacks an argument it sets."""

    for argument in sorted(options):
        problem = log_model_argument_problem(argument)
        if problem:
            option = _OPTION_OF_ARGUMENT.get(argument, argument)
            raise click.ClickException(f"{option} cannot be used: {problem}.")


def _check_registry(model_name: str) -> None:
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

    try:
        with reopen_run(run_id):
            _upload(options)
    except Exception as error:
        # Not our run to delete: say what may be left in it.
        raise click.ClickException(
            f"MLflow could not log the model ({type(error).__name__}: {error}); the run"
            f" {run_id} may hold part of it under {options['artifact_path']!r}."
        ) from error


def _log_in_new_run(experiment_id: str, run_name: Optional[str], options: Dict[str, Any]) -> str:
    """Log the model in a new run of the experiment; return the run's id."""

    run_id = mlflow.start_run(experiment_id=experiment_id, run_name=run_name).info.run_id
    try:
        _upload(options)
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


def _upload(options: Dict[str, Any]) -> None:
    """Log the model in the active run, saying first what goes where (it may take long)."""

    run = cast(Run, mlflow.active_run())
    announce_model_upload(options, run.info.run_id, run.info.artifact_uri)
    mlflow.pyfunc.log_model(**options)
