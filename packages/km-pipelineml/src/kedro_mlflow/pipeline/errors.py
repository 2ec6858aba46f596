"""What goes wrong when binding a training pipeline to its inference pipeline.

Every class derives from :class:`PipelineMLError` (a ``ValueError``), so a caller can
catch them all at once; each message names the datasets or nodes at fault.
"""

from typing import Iterable

__all__ = [
    "InferenceOutputError",
    "InputNameError",
    "KedroMlflowPipelineMLDatasetsError",
    "KedroMlflowPipelineMLInputsError",
    "KedroMlflowPipelineMLOutputsError",
    "ModelOptionError",
    "NonPersistedArtifactError",
    "PipelineMLError",
    "PipelineMLOperationError",
    "UnproducedInferenceInputError",
    "quoted",
]


def quoted(names: Iterable[str]) -> str:
    """``'a', 'b'`` in sorted order: how every message here lists dataset names."""
    return ", ".join(repr(name) for name in sorted(names))


class PipelineMLError(ValueError):
    """The training and inference pipelines cannot be bound, or no longer are."""


# kedro-mlflow 0.7.x's three exceptions, by fault. Our specific errors derive from
# them, so code that catches the 0.7.x names still catches what we raise.


class KedroMlflowPipelineMLInputsError(PipelineMLError):
    """0.7.x's name: the inputs of the two pipelines cannot be bound."""


class KedroMlflowPipelineMLDatasetsError(PipelineMLError):
    """0.7.x's name: a dataset the model must ship is not persisted where it can be."""


class KedroMlflowPipelineMLOutputsError(PipelineMLError):
    """0.7.x's name: the inference pipeline's outputs cannot make a model."""


class InferenceOutputError(KedroMlflowPipelineMLOutputsError):
    """The inference pipeline does not end in exactly one dataset (the prediction)."""


class InputNameError(KedroMlflowPipelineMLInputsError):
    """``input_name`` is not a free input of the inference pipeline."""


class UnproducedInferenceInputError(KedroMlflowPipelineMLInputsError):
    """An inference input other than ``input_name`` is neither made nor read by training,
    nor a parameter."""


class PipelineMLOperationError(KedroMlflowPipelineMLInputsError):
    """Filtering or combining a PipelineML left a training pipeline that breaks the binding."""


class NonPersistedArtifactError(KedroMlflowPipelineMLDatasetsError):
    """An inference input the model must ship is not saved to a local file by the catalog."""


class ModelOptionError(PipelineMLError):
    """An option of the model (signature, copy mode, log_model argument) is not usable."""
