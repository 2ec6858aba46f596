"""What goes wrong when binding a training pipeline to its inference pipeline.

Every class derives from :class:`PipelineMLError` (a ``ValueError``), so a caller can
catch them all at once; each message names the datasets or nodes at fault.
"""

from typing import Iterable


def quoted(names: Iterable[str]) -> str:
    """``'a', 'b'`` in sorted order: how every message here lists dataset names."""
    return ", ".join(repr(name) for name in sorted(names))


class PipelineMLError(ValueError):
    """The training and inference pipelines cannot be bound, or no longer are."""


class InferenceOutputError(PipelineMLError):
    """The inference pipeline does not end in exactly one dataset (the prediction)."""


class InputNameError(PipelineMLError):
    """``input_name`` is not a free input of both the training and the inference pipeline."""


class UnproducedInferenceInputError(PipelineMLError):
    """An inference input other than ``input_name`` is not an output of training."""


class PipelineMLOperationError(PipelineMLError):
    """Filtering or combining a PipelineML left a training pipeline that breaks the binding."""


class NonPersistedArtifactError(PipelineMLError):
    """An inference input the model must ship is not saved to a local file by the catalog."""


class ModelOptionError(PipelineMLError):
    """An option of the model (signature, copy mode, log_model argument) is not usable."""
