"""A PipelineML behaves as a kedro Pipeline, and keeps its binding where that makes sense."""

import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kedro.io import DataCatalog, MemoryDataSet
from kedro.pipeline import Pipeline, node
from kedro.runner import SequentialRunner

from kedro_mlflow.pipeline import (
    PipelineML,
    PipelineMLError,
    PipelineMLOperationError,
    pipeline_ml_factory,
)


def plus_one(x):
    return x + 1


def add(a, b):
    return a + b


def build():
    """raw -> data (etl); data -> a -> b -> model (training); data + model -> y (inference)."""
    etl = Pipeline([node(plus_one, "raw", "data", name="etl")])
    training = Pipeline(
        [
            node(plus_one, "data", "a", name="step_a", tags=["training", "prep"]),
            node(plus_one, "a", "b", name="step_b", tags="training"),
            node(plus_one, "b", "model", name="fit", tags="training"),
        ]
    )
    inference = Pipeline([node(add, ["data", "model"], "y", name="predict")])
    return etl, training, pipeline_ml_factory(training, inference, "data", model_name="m")


def assert_bound(result, reference: PipelineML, nodes):
    assert isinstance(result, PipelineML)
    assert {n.name for n in result.nodes} == set(nodes)
    assert result.inference is reference.inference
    assert (result.input_name, result.model_name) == (reference.input_name, "m")


@pytest.mark.parametrize(
    "operation",
    [
        lambda p: p.only_nodes_with_tags("training"),
        lambda p: p.from_inputs("data"),
        lambda p: p.to_outputs("model"),
        lambda p: p.to_nodes("fit"),
        lambda p: p.only_nodes("step_a", "step_b", "fit"),
        lambda p: p.from_nodes("step_a"),
        lambda p: p.to_nodes("fit") + p.from_nodes("step_a"),
        lambda p: p & p.to_nodes("fit"),
        lambda p: p | p.only_nodes("step_a", "fit"),
        lambda p: sum([p]),
        lambda p: Pipeline([]) + p,
        lambda p: p.decorate(lambda f: f),
    ],
)
def test_operations_that_keep_everything_keep_the_binding(operation):
    _, _, training = build()
    assert_bound(operation(training), training, ["step_a", "step_b", "fit"])


@pytest.mark.parametrize(
    "operation, named",
    [
        (lambda p: p.only_nodes_with_tags("prep"), "'model'"),
        (lambda p: p.from_nodes("step_b"), "'data'"),
        (lambda p: p.to_nodes("step_b"), "'model'"),
        (lambda p: p.only_nodes("fit"), "'data'"),
        (lambda p: p - p.only_nodes("fit"), "'model'"),
    ],
)
def test_operations_that_break_the_binding_say_so(operation, named):
    _, _, training = build()
    with pytest.raises(PipelineMLOperationError, match=named) as raised:
        operation(training)
    assert "'m'" in str(raised.value) and ".training" in str(raised.value)


def test_adding_the_nodes_that_produce_input_name_breaks_the_binding():
    etl, _, training = build()
    with pytest.raises(PipelineMLOperationError, match="'data'"):
        etl + training
    with pytest.raises(PipelineMLOperationError, match="'data'"):
        training + etl


def test_adding_unrelated_nodes_keeps_the_binding_from_either_side():
    _, _, training = build()
    report = Pipeline([node(plus_one, "y_true", "score", name="report")])
    assert_bound(report + training, training, ["step_a", "step_b", "fit", "report"])
    assert_bound(training + report, training, ["step_a", "step_b", "fit", "report"])


def test_two_pipeline_ml_with_different_models_cannot_be_combined():
    _, raw_training, training = build()
    other = pipeline_ml_factory(raw_training, training.inference, "data", model_name="other")
    with pytest.raises(PipelineMLOperationError, match=r"'m'.*'other'"):
        training + other


def test_the_training_property_is_a_plain_pipeline_for_partial_runs():
    _, _, training = build()
    partial = training.training.only_nodes("fit")
    assert type(partial) is Pipeline and [n.name for n in partial.nodes] == ["fit"]


def test_an_empty_filter_result_is_left_to_kedro():
    _, _, training = build()
    result = training.only_nodes_with_tags("no-such-tag")
    assert not result.nodes and not isinstance(result, PipelineML)


def test_kedro_runs_it_and_it_pickles():
    _, _, training = build()
    catalog = DataCatalog({"data": MemoryDataSet(1)})
    assert SequentialRunner().run(training, catalog) == {"model": 4}
    copy = pickle.loads(pickle.dumps(training))
    assert isinstance(copy, PipelineML) and copy.input_name == "data"


def test_the_context_filters_of_kedro_run_keep_the_binding():
    """What `kedro run --pipeline=training --tag=... --from-nodes=...` does (0.16 and 0.17)."""
    _, _, training = build()
    filtered = training
    filtered &= training.only_nodes_with_tags("training")
    filtered &= training.from_inputs("data")
    filtered &= training.to_outputs("model")
    assert_bound(filtered, training, ["step_a", "step_b", "fit"])
    with pytest.raises(PipelineMLError):
        training & training.from_nodes("step_b")


@settings(max_examples=100, deadline=None)
@given(st.sets(st.sampled_from(["step_a", "step_b", "fit"]), min_size=1))
def test_only_nodes_keeps_the_binding_iff_the_training_still_makes_the_model(names):
    _, _, training = build()
    # step_a reads input_name, fit makes the model; step_b's output may come from the catalog.
    expected_valid = {"step_a", "fit"} <= names
    if expected_valid:
        assert_bound(training.only_nodes(*names), training, names)
    else:
        with pytest.raises(PipelineMLOperationError):
            training.only_nodes(*names)
