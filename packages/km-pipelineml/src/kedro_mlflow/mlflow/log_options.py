"""The keyword arguments of ``mlflow.pyfunc.log_model`` for a kedro pipeline model.

Both ways of logging a pipeline build them here, so a model gets the same folder,
environment and extras whichever logged it: the end-of-training hook
(:func:`~kedro_mlflow.mlflow.log_pipeline_ml`, options from ``pipeline_ml_factory``) and
``kedro mlflow modelify`` (options from its command line).
"""

from typing import Any, Dict, Mapping, Optional, Union

from kedro.pipeline import Pipeline

from .conda_env import default_conda_env, normalise_conda_env

__all__ = ["pyfunc_log_options"]

# mlflow builds a model's environment from exactly one of these.
ENVIRONMENT_ARGUMENTS = ("conda_env", "pip_requirements", "extra_pip_requirements")


def pyfunc_log_options(
    python_model: Any,
    artifacts: Mapping[str, str],
    pipeline: Pipeline,
    *,
    artifact_path: str = "model",
    conda_env: Optional[Union[str, Dict[str, Any]]] = None,
    **log_model_kwargs: Any,
) -> Dict[str, Any]:
    """``mlflow.pyfunc.log_model``'s keyword arguments for ``python_model``.

    Args:
        python_model: The model (a KedroPipelineModel).
        artifacts: ``{artifact: local file}``, the files the model ships.
        pipeline: The pipeline the model runs: its nodes' packages go in the default
            environment.
        artifact_path: The model's folder in its run.
        conda_env: A conda environment (a path, a dict, or the documented short form
            ``{"python": ..., "dependencies": [...]}``).
        **log_model_kwargs: Any other argument of ``log_model`` (signature,
            input_example, code_path, pip_requirements, registered_model_name,
            await_registration_for, ...), passed as given.

    With no environment argument at all, the model declares :func:`default_conda_env`.
    """
    options: Dict[str, Any] = dict(log_model_kwargs)
    options.update(artifact_path=artifact_path, python_model=python_model, artifacts=artifacts)
    environment = normalise_conda_env(conda_env)
    if environment:
        options["conda_env"] = environment
    if not set(ENVIRONMENT_ARGUMENTS) & set(options):
        options["conda_env"] = default_conda_env(pipeline)
    return options
