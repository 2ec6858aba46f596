"""km-pipelineml: bind a training pipeline to the inference pipeline it trains for.

``pipeline_ml_factory`` builds a :class:`PipelineML`; the exceptions below are what
it (and the operations on a PipelineML) raise. Importing this package does not
import mlflow.
"""

from .errors import (
    InferenceOutputError,
    InputNameError,
    ModelOptionError,
    NonPersistedArtifactError,
    PipelineMLError,
    PipelineMLOperationError,
    UnproducedInferenceInputError,
)
from .factory import pipeline_ml_factory
from .pipeline_ml import PipelineML

__all__ = [
    "InferenceOutputError",
    "InputNameError",
    "ModelOptionError",
    "NonPersistedArtifactError",
    "PipelineML",
    "PipelineMLError",
    "PipelineMLOperationError",
    "UnproducedInferenceInputError",
    "pipeline_ml_factory",
]
