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


def guess_input_name(training: Pipeline, inference: Pipeline) -> str:
    """The only inference input that training does not produce, when ``input_name`` is omitted."""
    candidates = inference.inputs() - training.all_outputs()
    if len(candidates) != 1:
        found = quoted(candidates) if candidates else "none"
        raise InputNameError(
            "input_name was not given and cannot be deduced: the inference inputs that "
            f"training does not produce are {found}, there must be exactly one. "
            "Pass input_name=<the dataset both pipelines read the data to predict on from>."
        )
    return next(iter(candidates))


def artifact_names(training: Pipeline, inference: Pipeline, input_name: str) -> Set[str]:
    """Check the pair and return the inference inputs the model ships (all but input_name)."""
    missing_from = [
        label
        for label, pipe in (("training", training), ("inference", inference))
        if input_name not in pipe.inputs()
    ]
    if missing_from:
        raise InputNameError(
            f"input_name {input_name!r} must be an input of both pipelines, it is not an "
            f"input of the {' and '.join(missing_from)} pipeline. Training inputs: "
            f"{quoted(training.inputs()) or 'none'}; inference inputs: "
            f"{quoted(inference.inputs()) or 'none'}."
        )
    others = inference.inputs() - {input_name}
    unproduced = others - training.all_outputs()
    if unproduced:
        raise UnproducedInferenceInputError(
            f"Every inference input other than input_name {input_name!r} must be produced "
            f"by the training pipeline; these are not: {quoted(unproduced)}."
        )
    return others


def check_binding(training: Pipeline, inference: Pipeline, input_name: Optional[str]) -> str:
    """Run every check at once; return the input name (deduced when None was given)."""
    inference_output(inference)
    if input_name is None:
        input_name = guess_input_name(training, inference)
    artifact_names(training, inference, input_name)
    return input_name
