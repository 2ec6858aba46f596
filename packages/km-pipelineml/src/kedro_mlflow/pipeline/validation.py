"""The rules a training/inference pair must follow to be logged as one MLflow model."""

from typing import Optional, Set

from kedro.pipeline import Pipeline

from .errors import (
    InferenceOutputError,
    InputNameError,
    UnproducedInferenceInputError,
    quoted,
)


def inference_output(inference: Pipeline) -> str:
    """The one dataset the inference pipeline ends in; raise when there is not exactly one."""
    outputs = inference.outputs()
    if len(outputs) != 1:
        found = quoted(outputs) if outputs else "none"
        raise InferenceOutputError(
            f"The inference pipeline must have exactly one output (the prediction), "
            f"it has {len(outputs)}: {found}."
        )
    return next(iter(outputs))


def is_parameter(name: str) -> bool:
    """True for the datasets kedro feeds from the parameters (``params:<key>``, ``parameters``)."""
    return name == "parameters" or name.startswith("params:")


def guess_input_name(training: Pipeline, inference: Pipeline) -> str:
    """The only inference input that is neither made by training nor a parameter, when
    ``input_name`` is omitted."""
    candidates = {
        name for name in inference.inputs() - training.all_outputs() if not is_parameter(name)
    }
    if len(candidates) != 1:
        found = quoted(candidates) if candidates else "none"
        raise InputNameError(
            "input_name was not given and cannot be deduced: the inference inputs that "
            f"training does not produce (parameters aside) are {found}, there must be "
            "exactly one. Pass input_name=<the inference input that receives the data to "
            "predict on>."
        )
    return next(iter(candidates))


def artifact_names(training: Pipeline, inference: Pipeline, input_name: str) -> Set[str]:
    """Check the pair and return the inference inputs the model ships (all but input_name).

    The model ships each with the value training leaves: a dataset training makes or
    reads (a fitted model, a lookup table both use) or a parameter. ``input_name`` need
    not appear in training at all (training may make it from raw data, or read its
    data under another name).
    """
    if input_name not in inference.inputs():
        raise InputNameError(
            f"input_name {input_name!r} must be an input of the inference pipeline (the data "
            f"to predict on); its inputs are {quoted(inference.inputs()) or 'none'}."
        )
    others = inference.inputs() - {input_name}
    known = training.all_outputs() | training.inputs()
    unknown = {name for name in others - known if not is_parameter(name)}
    if unknown:
        raise UnproducedInferenceInputError(
            f"Every inference input other than input_name {input_name!r} is shipped with the "
            "model as training leaves it, so it must be made or read by the training "
            f"pipeline, or be a parameter ('params:...'); these are neither: {quoted(unknown)}."
        )
    return others


def check_binding(training: Pipeline, inference: Pipeline, input_name: Optional[str]) -> str:
    """Run every check at once; return the input name (deduced when None was given)."""
    inference_output(inference)
    if input_name is None:
        input_name = guess_input_name(training, inference)
    artifact_names(training, inference, input_name)
    return input_name
