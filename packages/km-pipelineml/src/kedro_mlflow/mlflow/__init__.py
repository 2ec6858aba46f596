"""km-pipelineml: a kedro inference pipeline as an MLflow pyfunc model.

``KedroPipelineModel`` wraps a PipelineML's inference pipeline; ``log_pipeline_ml``
logs it with its artifacts, conda environment and signature (what the end-of-run hook
calls); ``default_conda_env`` is the environment used when none is given;
``pyfunc_log_options`` builds the arguments of ``mlflow.pyfunc.log_model`` for both
``log_pipeline_ml`` and ``kedro mlflow modelify``, and ``announce_model_upload`` logs,
for both, what is about to be uploaded and where.
"""

from .conda_env import default_conda_env
from .kedro_pipeline_model import KedroPipelineModel
from .log_options import announce_model_upload, pyfunc_log_options
from .logging_model import log_pipeline_ml

__all__ = [
    "KedroPipelineModel",
    "announce_model_upload",
    "default_conda_env",
    "log_pipeline_ml",
    "pyfunc_log_options",
]
