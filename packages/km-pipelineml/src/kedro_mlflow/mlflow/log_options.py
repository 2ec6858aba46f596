"""The keyword arguments of ``mlflow.pyfunc.log_model`` for a kedro pipeline model.

Both ways of logging a pipeline build them here, so a model gets the same folder,
environment and extras whichever logged it: the end-of-training hook
(:func:`~kedro_mlflow.mlflow.log_pipeline_ml`, options from ``pipeline_ml_factory``) and
``kedro mlflow modelify`` (options from its command line).
"""

import logging
import os
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Union

from kedro.pipeline import Pipeline

from kedro_mlflow.compat.redaction import redact_uri

from .conda_env import default_conda_env, normalise_conda_env

__all__ = ["announce_model_upload", "pyfunc_log_options"]

logger = logging.getLogger(__name__)

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


def announce_model_upload(options: Mapping[str, Any], run_id: str, artifact_uri: str) -> None:
    """Log, before ``mlflow.pyfunc.log_model(**options)``, what is uploaded and where.

    One line: the model's folder, the total size of the files it ships (its artifacts
    and code), the run and the run's artifact location (without a password).
    """
    files = _shipped_files(options)
    size = sum(path.stat().st_size for path in files)
    artifact_path = str(options.get("artifact_path", "model"))
    destination = f"{artifact_uri.rstrip('/')}/{artifact_path}"
    logger.info(
        "Uploading the model %r (%s in %d artifact file%s) to MLflow run %s at %s",
        artifact_path,
        _human_size(size),
        len(files),
        "" if len(files) == 1 else "s",
        run_id,
        redact_uri(destination),
    )


def _human_size(size: int) -> str:
    """``size`` bytes in words: ``512 B``, ``3.2 MB`` (powers of 1000)."""
    if size < 1000:
        return f"{size} B"
    value = size / 1000
    for unit in ("kB", "MB", "GB"):
        if value < 1000:
            return f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} TB"


def _shipped_files(options: Mapping[str, Any]) -> List[Path]:
    """Every local file the model ships: its artifacts and its code paths, folders walked."""
    roots = [*(options.get("artifacts") or {}).values(), *(options.get("code_path") or [])]
    return sorted({file for root in roots for file in _files_under(Path(str(root)))})


def _files_under(root: Path) -> Iterable[Path]:
    if root.is_file():
        yield root
    elif root.is_dir():
        for folder, _, names in os.walk(root):
            for name in names:
                if Path(folder, name).is_file():
                    yield Path(folder, name)
