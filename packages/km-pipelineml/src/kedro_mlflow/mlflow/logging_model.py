"""Log a PipelineML's inference pipeline as a pyfunc model, at the end of its training."""

import tempfile
from typing import Any, Dict, Optional, Union, cast

from kedro.io import DataCatalog

import mlflow
import mlflow.pyfunc
from kedro_mlflow.compat.mlflow_compat import reopen_run
from kedro_mlflow.pipeline.errors import ModelOptionError, PipelineMLError
from kedro_mlflow.pipeline.pipeline_ml import PipelineML
from mlflow.entities import Run
from mlflow.models.signature import infer_signature

from .kedro_pipeline_model import KedroPipelineModel
from .log_options import announce_model_upload, pyfunc_log_options

_NOT_GIVEN = object()


def log_pipeline_ml(
    pipeline_ml: PipelineML,
    catalog: DataCatalog,
    run: Union[None, str, Run] = None,
    *,
    input_data: Any = _NOT_GIVEN,
) -> str:
    """Log ``pipeline_ml``'s inference pipeline under ``model_name`` in ``run``; return its URI.

    Args:
        pipeline_ml: The training pipeline that has just run.
        catalog: The run's catalog, where training saved the artifacts.
        run: The MLflow run (a ``Run`` or its id) to log into; None: the active run.
        input_data: ``input_name``'s data, for ``model_signature="auto"``. Give it when
            it lives in memory (a runner releases it); otherwise it is loaded from the
            catalog.

    Everything that can fail (missing artifacts, signature) is checked before the
    model is written, so a failed call logs nothing.
    """
    run_id = _run_id(run)
    # Parameters the model ships are pickled here; mlflow copies the files into the model.
    with tempfile.TemporaryDirectory(prefix="kedro-mlflow-params-") as temp_folder:
        options = _log_options(pipeline_ml, catalog, input_data, temp_folder)
        _log_model_in(run_id, options)
    return f"runs:/{run_id}/{pipeline_ml.model_name}"


def _log_options(
    pipeline_ml: PipelineML, catalog: DataCatalog, input_data: Any, temp_folder: str
) -> Dict[str, Any]:
    """``log_model``'s arguments, every file and value they need gathered and checked."""
    artifacts = pipeline_ml.extract_pipeline_artifacts(catalog, temp_folder)
    signature = _signature(pipeline_ml, catalog, input_data)
    model = KedroPipelineModel(pipeline_ml, catalog, **pipeline_ml.model_options)
    return pyfunc_log_options(
        model,
        artifacts,
        pipeline_ml.inference,
        artifact_path=pipeline_ml.model_name,
        conda_env=pipeline_ml.conda_env,
        signature=signature,
        **pipeline_ml.log_model_kwargs,
    )


def _log_model_in(run_id: str, options: Dict[str, Any]) -> None:
    """Log the model in the run ``run_id``, reopening it unless it is the active run."""
    active = mlflow.active_run()
    if active is not None and active.info.run_id == run_id:
        _upload(options)
    else:
        with reopen_run(run_id):
            _upload(options)


def _upload(options: Dict[str, Any]) -> None:
    """Log the model in the active run, saying first what goes where (it may take long)."""
    run = cast(Run, mlflow.active_run())  # the run ``options`` are logged to
    announce_model_upload(options, run.info.run_id, run.info.artifact_uri)
    mlflow.pyfunc.log_model(**options)


def _run_id(run: Union[None, str, Run]) -> str:
    if isinstance(run, Run):
        return run.info.run_id
    if isinstance(run, str):
        return run
    active = mlflow.active_run()
    if active is None:
        raise PipelineMLError(
            "No MLflow run to log the model into: pass run=<Run or run id>, or call "
            "log_pipeline_ml inside `with mlflow.start_run():`."
        )
    return active.info.run_id


def _signature(pipeline_ml: PipelineML, catalog: DataCatalog, input_data: Any) -> Optional[Any]:
    if pipeline_ml.model_signature != "auto":
        return pipeline_ml.model_signature

    if input_data is _NOT_GIVEN:
        try:
            input_data = catalog.load(pipeline_ml.input_name)
        except Exception as error:  # kedro raises DataSetError and friends
            raise ModelOptionError(
                f"model_signature='auto' needs the data of {pipeline_ml.input_name!r}, "
                f"which the catalog cannot load ({error}). Pass input_data= (captured "
                "before the run), a ModelSignature, or model_signature=None."
            ) from error
    return infer_signature(model_input=input_data)
