"""km-pipelineml: bind a training pipeline to the inference pipeline it trains for.

``pipeline_ml_factory`` builds a :class:`PipelineML`; the exceptions below are what
it (and the operations on a PipelineML) raise. kedro-mlflow 0.7.x's three exception
names are the base classes of ours, by fault. Importing this package does not
import mlflow.
"""

from .errors import (
    InferenceOutputError,
    InputNameError,
    KedroMlflowPipelineMLDatasetsError,
    KedroMlflowPipelineMLInputsError,
    KedroMlflowPipelineMLOutputsError,
    ModelOptionError,
    NonPersistedArtifactError,
    PipelineMLError,
    PipelineMLOperationError,
    UnproducedInferenceInputError,
)
from .pipeline_ml import PipelineML

# Binds the package's `pipeline_ml_factory` to the function, over the submodule of the
# same name (which stays importable: kedro_mlflow.pipeline.pipeline_ml_factory).
from .pipeline_ml_factory import pipeline_ml_factory

__all__ = [
    "InferenceOutputError",
    "InputNameError",
    "KedroMlflowPipelineMLDatasetsError",
    "KedroMlflowPipelineMLInputsError",
    "KedroMlflowPipelineMLOutputsError",
    "ModelOptionError",
    "NonPersistedArtifactError",
    "PipelineML",
    "PipelineMLError",
    "PipelineMLOperationError",
    "UnproducedInferenceInputError",
    "pipeline_ml_factory",
]
