"""What KedroPipelineModel.predict hands each node: real pipelines, real fitted objects.

Artifacts are the model's state, read once and shared by every predict unless a
copy_mode asks otherwise; everything else is copied as kedro's MemoryDataSet would,
so neither the caller's DataFrame nor a value another node reads can be changed.
Every result is compared with kedro's SequentialRunner on the same pipeline.
"""

import logging
import pickle

import cloudpickle
import pandas as pd
import pytest
from kedro.extras.datasets.pickle import PickleDataSet
from kedro.io import DataCatalog, MemoryDataSet
from kedro.pipeline import Pipeline, node
from kedro.runner import SequentialRunner
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from kedro_mlflow.mlflow import KedroPipelineModel
from kedro_mlflow.pipeline import ModelOptionError

FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]


@pytest.fixture
def fitted(iris):
    """(instances, {"scaler", "classifier"}): sklearn objects fitted on the iris data."""
    instances, labels = iris.nodes.iris_frames()
    scaler = StandardScaler().fit(instances[FEATURES])
    scaled = pd.DataFrame(scaler.transform(instances[FEATURES]), columns=FEATURES)
    classifier = LogisticRegression(max_iter=500).fit(scaled, labels)
    return instances, {"scaler": scaler, "classifier": classifier}


def loaded_model(pipeline, artifacts, tmp_path, **options):
    """The model of ``pipeline`` after MLflow's load_context, artifacts read from pickles."""
    paths = {name: str(tmp_path / f"{name}.pkl") for name in artifacts}
    catalog = DataCatalog({name: PickleDataSet(filepath=path) for name, path in paths.items()})
    for name, data in artifacts.items():
        catalog.save(name, data)
    model = KedroPipelineModel.from_pipeline(pipeline, catalog, "instances", **options)
    context = type("Context", (), {"artifacts": paths})()
    model.load_context(context)
    return model, context


def kedro_runs(pipeline, artifacts, instances):
    """The pipeline's single output when kedro's SequentialRunner runs it."""
    feeds = {name: MemoryDataSet(data) for name, data in artifacts.items()}
    feeds["instances"] = MemoryDataSet(instances)
    (output,) = SequentialRunner().run(pipeline, DataCatalog(feeds)).values()
    return output


# Nodes in every form kedro accepts: no input, one input, a list, a dict; one output,
# a list of outputs, a dict of outputs.


def bias():
    return 0.25


def scale(instances, scaler):
    return pd.DataFrame(
        scaler.transform(instances[FEATURES]), columns=FEATURES, index=instances.index
    )


def halves(scaled):
    return scaled[FEATURES[:2]], scaled[FEATURES[2:]]


def join(left, right, shift):
    return pd.concat([left, right], axis=1) + shift - shift


def describe(frame):
    return {"frame": frame, "means": frame.mean()}


def classify(frame, means, classifier):
    assert len(means) == len(FEATURES)
    return pd.DataFrame({"species": classifier.predict(frame)}, index=frame.index)


EVERY_FORM = Pipeline(
    [
        node(bias, None, "shift"),
        node(scale, ["instances", "scaler"], "scaled"),
        node(halves, "scaled", ["left", "right"]),
        node(join, {"left": "left", "right": "right", "shift": "shift"}, "joined"),
        node(describe, "joined", {"frame": "described", "means": "column_means"}),
        node(
            classify,
            {"frame": "described", "means": "column_means", "classifier": "classifier"},
            "predictions",
        ),
    ]
)


@pytest.mark.parametrize("copy_mode", [None, "assign", "copy", "deepcopy"])
def test_every_node_form_predicts_as_kedros_runner(fitted, tmp_path, copy_mode):
    instances, artifacts = fitted
    model, context = loaded_model(EVERY_FORM, artifacts, tmp_path, copy_mode=copy_mode)
    expected = kedro_runs(EVERY_FORM, artifacts, instances)
    assert expected["species"].nunique() == 3  # a real classifier, not a constant
    for rows in (instances.head(1), instances):
        pd.testing.assert_frame_equal(
            model.predict(context, rows), kedro_runs(EVERY_FORM, artifacts, rows)
        )


class NodeRunLog(logging.Handler):
    """The messages of kedro's node logger, whatever logging setup earlier tests left."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())

    def __enter__(self):
        self.logger = logging.getLogger("kedro.pipeline.node")  # Node.run's logger
        self.saved = self.logger.level, self.logger.disabled
        self.logger.setLevel(logging.INFO)
        self.logger.disabled = False  # a dictConfig may have disabled existing loggers
        self.logger.addHandler(self)
        return self

    def __exit__(self, *exc_info):
        self.logger.removeHandler(self)
        self.logger.setLevel(self.saved[0])
        self.logger.disabled = self.saved[1]


def test_predict_calls_the_node_functions_without_node_run(fitted, tmp_path):
    """Node.run logs each node it runs: predict's direct path, on every kedro, does not."""
    instances, artifacts = fitted
    model, context = loaded_model(EVERY_FORM, artifacts, tmp_path)
    with NodeRunLog() as log:
        model.predict(context, instances)
        assert not [message for message in log.messages if "Running node" in message]
        kedro_runs(EVERY_FORM, artifacts, instances)
        assert [message for message in log.messages if "Running node" in message]


def test_a_node_returning_the_wrong_outputs_gets_kedros_error(tmp_path):
    pipeline = Pipeline(
        [
            node(lambda frame: [frame], "instances", ["a", "b"]),
            node(lambda a, b: a, ["a", "b"], "out"),
        ]
    )
    model, context = loaded_model(pipeline, {}, tmp_path)
    with pytest.raises(ValueError, match=r"returned 1 output\(s\)"):
        model.predict(context, pd.DataFrame({"x": [1.0]}))
    pipeline = Pipeline([node(lambda frame: {"b": frame}, "instances", {"a": "out"})])
    model, context = loaded_model(pipeline, {}, tmp_path)
    with pytest.raises(ValueError, match="keys"):
        model.predict(context, pd.DataFrame({"x": [1.0]}))


def first_row_total(frame):
    return float(frame.iloc[0].sum())


def negate(func):
    def negated(*args):
        return -func(*args)

    return negated


def test_a_decorated_node_runs_with_its_decorator(fitted, tmp_path):
    instances, artifacts = fitted
    scaler = {"scaler": artifacts["scaler"]}
    plain = Pipeline(
        [node(scale, ["instances", "scaler"], "scaled"), node(first_row_total, "scaled", "total")]
    )
    decorated = Pipeline(
        [
            node(scale, ["instances", "scaler"], "scaled").decorate(negate),
            node(first_row_total, "scaled", "total"),
        ]
    )
    model, context = loaded_model(decorated, scaler, tmp_path)
    expected = kedro_runs(decorated, scaler, instances)
    assert model.predict(context, instances) == pytest.approx(expected)
    assert expected == pytest.approx(-kedro_runs(plain, scaler, instances))
    assert abs(expected) > 0.1


class Witness:
    """A pipeline whose nodes remember the very objects they were given."""

    def __init__(self):
        self.scalers, self.classifiers = [], []

    def pipeline(self):
        def transform(instances, scaler):
            self.scalers.append(scaler)
            return scaler.transform(instances[FEATURES])

        def labels(scaled, classifier):
            self.classifiers.append(classifier)
            return classifier.predict(pd.DataFrame(scaled, columns=FEATURES))

        return Pipeline(
            [
                node(transform, ["instances", "scaler"], "scaled"),
                node(labels, ["scaled", "classifier"], "labels"),
            ]
        )


@pytest.mark.parametrize("runner", [None, SequentialRunner()], ids=["direct", "runner"])
def test_artifacts_are_shared_by_every_predict_by_default(fitted, tmp_path, runner):
    instances, artifacts = fitted
    witness = Witness()
    model, context = loaded_model(witness.pipeline(), artifacts, tmp_path, runner=runner)
    first = model.predict(context, instances)
    second = model.predict(context, instances.head(3))
    assert witness.scalers[0] is witness.scalers[1]
    assert witness.classifiers[0] is witness.classifiers[1]
    # ... and they are what load_context read, not the training process's objects.
    assert witness.scalers[0] is not artifacts["scaler"]
    assert (first == kedro_runs(witness.pipeline(), artifacts, instances)).all()
    assert (second == first[:3]).all()


@pytest.mark.parametrize("runner", [None, SequentialRunner()], ids=["direct", "runner"])
def test_an_explicit_copy_mode_applies_to_artifacts(fitted, tmp_path, runner):
    instances, artifacts = fitted
    for copy_mode, scaler_copied, classifier_copied in (
        ("deepcopy", True, True),
        ({"scaler": "deepcopy"}, True, False),
        ({"instances": "copy"}, False, False),
    ):
        witness = Witness()
        model, context = loaded_model(
            witness.pipeline(), artifacts, tmp_path, copy_mode=copy_mode, runner=runner
        )
        model.predict(context, instances)
        model.predict(context, instances)
        assert (witness.scalers[0] is not witness.scalers[1]) == scaler_copied, copy_mode
        assert (witness.classifiers[0] is not witness.classifiers[1]) == classifier_copied
        # A copy is a real, equal model: same parameters, not the same object.
        assert (witness.scalers[0].mean_ == witness.scalers[1].mean_).all()


def normalise_in_place(instances, scaler):
    """A careless node: it overwrites and drops columns of the DataFrame it is given."""
    instances[FEATURES] = scaler.transform(instances[FEATURES])
    instances.drop(columns=["petal_width"], inplace=True)
    instances["sepal_length"] += 1.0
    return instances


def drop_first_in_place(frame):
    frame.drop(columns=frame.columns[0], inplace=True)
    return frame


def count_columns(instances):
    return len(instances.columns)


def test_nodes_that_mutate_their_input_change_neither_the_caller_nor_each_other(fitted, tmp_path):
    instances, artifacts = fitted
    pipeline = Pipeline(
        [
            # "instances" feeds two nodes: each gets its own copy.
            node(normalise_in_place, ["instances", "scaler"], "normalised"),
            node(count_columns, "instances", "columns"),
            # "normalised" feeds two nodes too: the first one's mutation is not seen.
            node(drop_first_in_place, "normalised", "twice"),
            node(count_columns, "normalised", "columns_after"),
            node(
                lambda a, b, c: (a, b, len(c.columns)), ["columns", "columns_after", "twice"], "out"
            ),
        ]
    )
    before = instances.copy()
    model, context = loaded_model(pipeline, {"scaler": artifacts["scaler"]}, tmp_path)
    got = model.predict(context, instances)
    pd.testing.assert_frame_equal(instances, before)
    assert got == kedro_runs(pipeline, {"scaler": artifacts["scaler"]}, before) == (4, 3, 2)
    pd.testing.assert_frame_equal(instances, before)


def test_the_loaded_model_pickles_without_its_state_and_predicts_the_same(fitted, tmp_path):
    instances, artifacts = fitted
    model, context = loaded_model(EVERY_FORM, artifacts, tmp_path)
    expected = model.predict(context, instances)
    clone = pickle.loads(cloudpickle.dumps(model))
    assert clone._loaded is None and not hasattr(clone, "_steps")
    pd.testing.assert_frame_equal(clone.predict(context, instances), expected)


@pytest.mark.parametrize("copy_mode", [3, ["copy"], "Copy", {"scaler": None}, {"scaler": "move"}])
def test_a_copy_mode_that_is_not_one_of_the_three_fails_at_construction(
    fitted, tmp_path, copy_mode
):
    _, artifacts = fitted
    with pytest.raises(ModelOptionError, match=r"copy_mode.*'assign', 'copy', 'deepcopy'"):
        loaded_model(Witness().pipeline(), artifacts, tmp_path, copy_mode=copy_mode)
