"""A PipelineML behaves as a kedro Pipeline, and keeps its binding where that makes sense."""

import logging
import pickle
from typing import List

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
    "operation, nodes",
    [
        # input_name need not be read by training (0.7.x): these still make the model.
        (lambda p: p.from_nodes("step_b"), ["step_b", "fit"]),
        (lambda p: p.only_nodes("fit"), ["fit"]),
        (lambda p: p.from_inputs("b"), ["fit"]),
    ],
)
def test_operations_that_still_make_the_model_keep_the_binding(operation, nodes):
    _, _, training = build()
    assert_bound(operation(training), training, nodes)


@pytest.mark.parametrize(
    "operation, named",
    [
        (lambda p: p.only_nodes_with_tags("prep"), "'model'"),
        (lambda p: p.to_nodes("step_b"), "'model'"),
        (lambda p: p.to_outputs("a"), "'model'"),
        (lambda p: p - p.only_nodes("fit"), "'model'"),
        (lambda p: p & Pipeline([n for n in p.nodes if n.name == "step_a"]), "'model'"),
    ],
)
def test_operations_that_break_the_binding_say_so(operation, named):
    _, _, training = build()
    with pytest.raises(PipelineMLOperationError, match=named) as raised:
        operation(training)
    assert "'m'" in str(raised.value) and ".training" in str(raised.value)


@pytest.mark.parametrize(
    "operation, nodes",
    [
        (lambda p: p.only_nodes("step_a", "step_b"), ["step_a", "step_b"]),
        (lambda p: p.only_nodes_with_inputs("a"), ["step_b"]),
        (lambda p: p.only_nodes_with_outputs("a"), ["step_a"]),
    ],
)
def test_node_selections_that_break_the_binding_give_a_plain_pipeline(operation, nodes):
    _, _, training = build()
    result = operation(training)
    assert type(result) is Pipeline and sorted(n.name for n in result.nodes) == nodes


def explode(x):
    raise RuntimeError("step_b's own failure")


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: List[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.mark.parametrize("failing", ["step_b", "fit"])
def test_a_failing_node_raises_its_own_error_through_the_runner(failing, monkeypatch):
    """kedro's runner then calls only_nodes / only_nodes_with_inputs for its resume hint."""
    _, raw_training, _ = build()
    nodes = [
        node(explode, n.inputs[0], n.outputs[0], name=n.name) if n.name == failing else n
        for n in raw_training.nodes
    ]
    inference = Pipeline([node(add, ["data", "model"], "y", name="predict")])
    training = pipeline_ml_factory(Pipeline(nodes), inference, "data", model_name="m")
    # The runner logs through its module's logger. A kedro logging config applied by an
    # earlier test of this process may have disabled it, or stopped it propagating.
    records = _Records()
    runner_logger = logging.getLogger(SequentialRunner.__module__)
    monkeypatch.setattr(runner_logger, "disabled", False)
    runner_logger.addHandler(records)
    try:
        with pytest.raises(RuntimeError, match="step_b's own failure"):
            SequentialRunner().run(training, DataCatalog({"data": MemoryDataSet(1)}))
    finally:
        runner_logger.removeHandler(records)
    assert any("--from-nodes" in m for m in records.messages)  # the resume hint was printed


def test_adding_the_nodes_that_produce_input_name_keeps_the_binding():
    """0.7.x: training may make input_name from raw data."""
    etl, _, training = build()
    assert_bound(etl + training, training, ["etl", "step_a", "step_b", "fit"])
    assert_bound(training + etl, training, ["etl", "step_a", "step_b", "fit"])


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
        training & training.to_nodes("step_b")
    with pytest.raises(PipelineMLError):  # `--node=step_a`: a plain selection, then `&`
        training & training.only_nodes("step_a")


@settings(max_examples=100, deadline=None)
@given(st.sets(st.sampled_from(["step_a", "step_b", "fit"]), min_size=1))
def test_only_nodes_keeps_the_binding_iff_the_training_still_makes_the_model(names):
    _, _, training = build()
    # fit makes the model; the datasets before it may come from the catalog.
    result = training.only_nodes(*names)
    if "fit" in names:
        assert_bound(result, training, names)
    else:
        assert type(result) is Pipeline and {n.name for n in result.nodes} == names
