"""pipeline_ml_factory's checks: one exception class per broken rule, naming the datasets."""

from typing import Dict, List, Set, Tuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kedro.pipeline import Pipeline, node

from kedro_mlflow.pipeline import (
    InferenceOutputError,
    InputNameError,
    KedroMlflowPipelineMLInputsError,
    KedroMlflowPipelineMLOutputsError,
    ModelOptionError,
    PipelineML,
    PipelineMLError,
    UnproducedInferenceInputError,
    pipeline_ml_factory,
)


def first(*args):
    return args[0]


def pipe(*specs: Tuple[str, List[str], str]) -> Pipeline:
    return Pipeline([node(first, inputs, output, name=name) for name, inputs, output in specs])


TRAINING = pipe(("fit", ["data"], "model"), ("fit_encoder", ["data"], "encoder"))
INFERENCE = pipe(("encode", ["data", "encoder"], "encoded"), ("predict", ["encoded", "model"], "y"))


def test_a_valid_pair_gives_a_pipeline_ml_that_is_the_training_pipeline():
    result = pipeline_ml_factory(TRAINING, INFERENCE, input_name="data", model_name="m")
    assert isinstance(result, PipelineML) and isinstance(result, Pipeline)
    assert set(result.nodes) == set(TRAINING.nodes)
    assert result.inference is INFERENCE
    assert (result.input_name, result.output_name, result.model_name) == ("data", "y", "m")
    assert result.artifact_names == {"encoder", "model"}
    assert result.model_signature == "auto" and result.conda_env is None


def test_input_name_is_deduced_when_omitted_as_in_the_reference_example():
    assert pipeline_ml_factory(training=TRAINING, inference=INFERENCE).input_name == "data"


def test_an_ambiguous_omitted_input_name_is_an_error_naming_the_candidates():
    inference = pipe(("predict", ["data", "extra", "model"], "y"))
    with pytest.raises(InputNameError, match="'data', 'extra'"):
        pipeline_ml_factory(TRAINING, inference)


def test_two_inference_outputs_are_named():
    inference = pipe(("predict", ["data", "model"], "y"), ("explain", ["data", "model"], "why"))
    with pytest.raises(InferenceOutputError, match="'why', 'y'"):
        pipeline_ml_factory(TRAINING, inference, input_name="data")


def test_input_name_made_by_training_from_raw_data_is_accepted():
    """0.7.x: input_name need only be an inference input (training may make it)."""
    training = pipe(("split", ["iris"], "features"), ("fit", ["features"], "model"))
    inference = pipe(("predict", ["features", "model"], "y"))
    result = pipeline_ml_factory(training, inference, input_name="features")
    assert result.input_name == "features" and result.artifact_names == {"model"}


def test_input_name_that_training_reads_under_another_name_is_accepted():
    training = pipe(("fit", ["raw"], "model"))
    inference = pipe(("predict", ["instances", "model"], "y"))
    result = pipeline_ml_factory(training, inference, input_name="instances")
    assert result.artifact_names == {"model"}


def test_an_input_both_pipelines_read_and_a_parameter_are_shipped_as_artifacts():
    training = pipe(("fit", ["data", "stopwords"], "model"))
    inference = pipe(("predict", ["data", "model", "stopwords", "params:threshold"], "y"))
    result = pipeline_ml_factory(training, inference, input_name="data")
    assert result.artifact_names == {"model", "stopwords", "params:threshold"}


def test_input_name_missing_from_inference_is_named():
    inference = pipe(("predict", ["model"], "y"))
    with pytest.raises(InputNameError, match=r"'data'.*inference pipeline") as raised:
        pipeline_ml_factory(TRAINING, inference, input_name="data")
    assert isinstance(raised.value, KedroMlflowPipelineMLInputsError)


def test_an_inference_input_training_neither_makes_nor_reads_is_named():
    inference = pipe(("predict", ["data", "model", "vocabulary"], "y"))
    with pytest.raises(UnproducedInferenceInputError, match="'vocabulary'") as raised:
        pipeline_ml_factory(TRAINING, inference, input_name="data")
    assert isinstance(raised.value, KedroMlflowPipelineMLInputsError)


def test_code_catching_the_07_exception_names_catches_our_errors():
    """0.7.x's names, imported from both of its paths, catch the same faults."""
    from kedro_mlflow.pipeline.pipeline_ml import (
        KedroMlflowPipelineMLInputsError as InputsError,
    )
    from kedro_mlflow.pipeline.pipeline_ml import (
        KedroMlflowPipelineMLOutputsError as OutputsError,
    )

    assert (InputsError, OutputsError) == (
        KedroMlflowPipelineMLInputsError,
        KedroMlflowPipelineMLOutputsError,
    )
    two_outputs = pipe(("predict", ["data", "model"], "y"), ("explain", ["data", "model"], "z"))
    try:
        pipeline_ml_factory(TRAINING, two_outputs, input_name="data")
    except KedroMlflowPipelineMLOutputsError as error:
        assert "'y', 'z'" in str(error)
    else:
        pytest.fail("two inference outputs were accepted")
    try:
        pipeline_ml_factory(TRAINING, pipe(("predict", ["other", "model"], "y")), "data")
    except KedroMlflowPipelineMLInputsError as error:
        assert "'data'" in str(error)
    else:
        pytest.fail("an input_name the inference pipeline does not read was accepted")


@pytest.mark.parametrize(
    "options, message",
    [
        ({"copy_mode": "shallow"}, "copy_mode must be one of"),
        ({"copy_mode": {"encoded": "nope"}}, r"copy_mode\['encoded'\]"),
        ({"copy_mode": {"typo": "copy"}}, "'typo'"),
        ({"copy_mode": 3}, "got int"),
        ({"model_signature": "manual"}, "model_signature must be"),
        ({"model_name": ""}, "model_name"),
        ({"not_a_log_model_argument": 1}, "not_a_log_model_argument"),
    ],
)
def test_bad_options_fail_at_factory_time(options: Dict, message: str):
    with pytest.raises(ModelOptionError, match=message):
        pipeline_ml_factory(TRAINING, INFERENCE, input_name="data", **options)


def test_model_and_log_model_options_are_split():
    result = pipeline_ml_factory(
        TRAINING, INFERENCE, "data", copy_mode="assign", registered_model_name="iris"
    )
    assert result.model_options == {"copy_mode": "assign"}
    assert result.log_model_kwargs == {"registered_model_name": "iris"}


# -- property-based: random pipeline shapes against an independent oracle ---------

NAMES = [f"d{i}" for i in range(7)]


@st.composite
def shapes(draw, prefix: str) -> List[Tuple[str, List[str], str]]:
    """Acyclic node specs: each node reads datasets with a lower index than its output."""
    outputs = draw(st.lists(st.integers(1, len(NAMES) - 1), min_size=1, max_size=4, unique=True))
    specs = []
    for number, out in enumerate(outputs):
        inputs = draw(st.lists(st.integers(0, out - 1), min_size=1, max_size=3, unique=True))
        specs.append((f"{prefix}{number}", [NAMES[i] for i in inputs], NAMES[out]))
    return specs


def free_inputs(specs) -> Set[str]:
    produced = {out for _, _, out in specs}
    return {name for _, inputs, _ in specs for name in inputs} - produced


def terminal_outputs(specs) -> Set[str]:
    consumed = {name for _, inputs, _ in specs for name in inputs}
    return {out for _, _, out in specs} - consumed


def expected_error(training, inference, input_name):
    if len(terminal_outputs(inference)) != 1:
        return InferenceOutputError
    if input_name not in free_inputs(inference):
        return InputNameError
    produced = {out for _, _, out in training}
    if free_inputs(inference) - {input_name} - produced - free_inputs(training):
        return UnproducedInferenceInputError
    return None


@settings(max_examples=300, deadline=None)
@given(shapes("t"), shapes("i"), st.sampled_from(NAMES))
def test_the_factory_accepts_exactly_the_valid_pairs(training, inference, input_name):
    expected = expected_error(training, inference, input_name)
    if expected is None:
        result = pipeline_ml_factory(pipe(*training), pipe(*inference), input_name=input_name)
        assert result.artifact_names == free_inputs(inference) - {input_name}
    else:
        with pytest.raises(expected) as raised:
            pipeline_ml_factory(pipe(*training), pipe(*inference), input_name=input_name)
        assert isinstance(raised.value, PipelineMLError)


@pytest.mark.parametrize("module_first", [False, True])
def test_pipeline_ml_factory_is_the_function_from_either_import_path_in_any_order(module_first):
    """0.7.x has a module and a function of that name: both import paths give the function."""
    import subprocess
    import sys

    package = "from kedro_mlflow.pipeline import pipeline_ml_factory as a"
    module = "from kedro_mlflow.pipeline.pipeline_ml_factory import pipeline_ml_factory as b"
    lines = [module, package] if module_first else [package, module]
    script = "\n".join(
        [
            *lines,
            "import kedro_mlflow.pipeline.pipeline_ml_factory as c, sys",
            "m = sys.modules['kedro_mlflow.pipeline.pipeline_ml_factory']",
            "assert callable(a) and a is b is c is m.pipeline_ml_factory, (a, b, c)",
            "from kedro_mlflow.mlflow.kedro_pipeline_model import KedroPipelineModel",
            "from kedro_mlflow.pipeline.pipeline_ml import PipelineML",
            "print('ok')",
        ]
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_the_08_form_gives_the_same_options_as_the_07_form():
    form_07 = pipeline_ml_factory(
        TRAINING,
        INFERENCE,
        "data",
        conda_env={"dependencies": ["python=3.8"]},
        model_name="clf",
        model_signature=None,
        copy_mode="assign",
        registered_model_name="iris",
    )
    form_08 = pipeline_ml_factory(
        TRAINING,
        INFERENCE,
        "data",
        kpm_kwargs=dict(copy_mode="assign"),
        log_model_kwargs=dict(
            artifact_path="clf",
            conda_env={"dependencies": ["python=3.8"]},
            signature=None,
            registered_model_name="iris",
        ),
    )
    for model in (form_07, form_08):
        assert model.model_name == "clf"
        assert model.model_signature is None
        assert model.conda_env == {"dependencies": ["python=3.8"]}
        assert model.model_options == {"copy_mode": "assign"}
        assert model.log_model_kwargs == {"registered_model_name": "iris"}
    defaults = pipeline_ml_factory(TRAINING, INFERENCE, "data", log_model_kwargs={})
    assert (defaults.model_name, defaults.model_signature) == ("model", "auto")


@pytest.mark.parametrize(
    "mixed",
    [
        dict(model_name="clf", log_model_kwargs=dict(signature=None)),
        dict(conda_env={"dependencies": []}, kpm_kwargs=dict(copy_mode="copy")),
        dict(copy_mode="copy", log_model_kwargs=dict(artifact_path="m")),
    ],
)
def test_mixing_the_07_and_08_forms_is_a_clear_error(mixed):
    with pytest.raises(ModelOptionError, match=r"either kedro-mlflow 0\.7\.x's arguments"):
        pipeline_ml_factory(TRAINING, INFERENCE, "data", **mixed)


def test_kpm_kwargs_takes_only_kedro_pipeline_model_options():
    with pytest.raises(ModelOptionError, match="kpm_kwargs takes copy_mode and runner"):
        pipeline_ml_factory(TRAINING, INFERENCE, "data", kpm_kwargs=dict(artifact_path="m"))
    with pytest.raises(ModelOptionError, match="log_model_kwargs must be a dict"):
        pipeline_ml_factory(TRAINING, INFERENCE, "data", log_model_kwargs=["signature"])
