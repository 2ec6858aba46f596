"""MlflowMetricsDataSet against a real file store: values, histories, prefixes, bad input."""

import math

import mlflow
import numpy as np
import pytest
from kedro.io.core import DataSetError
from mlflow.tracking import MlflowClient

from kedro_mlflow.io.metrics import MlflowMetricsDataSet

DOCUMENTED = {
    "metric1": {"value": 1.1, "step": 1},
    "metric2": [{"value": 1.1, "step": 1}, {"value": 1.2, "step": 2}],
}


@pytest.fixture
def batches(monkeypatch):
    """The size of every log_batch call the datasets make."""
    sizes = []
    original = MlflowClient.log_batch

    def counting(self, run_id, metrics=(), params=(), tags=(), **kwargs):
        sizes.append(len(metrics))
        return original(self, run_id, metrics=metrics, params=params, tags=tags, **kwargs)

    monkeypatch.setattr(MlflowClient, "log_batch", counting)
    return sizes


def history(client, run_id, key):
    metrics = sorted(client.get_metric_history(run_id, key), key=lambda m: m.step)
    return [(m.step, m.value) for m in metrics]


def test_documented_metrics_are_logged_under_the_prefix_and_read_back(client):
    dataset = MlflowMetricsDataSet(prefix="foo")
    with mlflow.start_run() as run:
        dataset.save(DOCUMENTED)
        assert dataset.load() == DOCUMENTED
    run_id = run.info.run_id
    assert sorted(client.get_run(run_id).data.metrics) == ["foo.metric1", "foo.metric2"]
    assert history(client, run_id, "foo.metric1") == [(1, 1.1)]
    assert history(client, run_id, "foo.metric2") == [(1, 1.1), (2, 1.2)]
    assert MlflowMetricsDataSet(prefix="foo", run_id=run_id).load() == DOCUMENTED


def test_without_prefix_names_are_kept_and_load_reads_every_metric(client):
    with mlflow.start_run() as run:
        MlflowMetricsDataSet().save(DOCUMENTED)
        mlflow.log_metric("other", 3.0)
    loaded = MlflowMetricsDataSet(run_id=run.info.run_id).load()
    assert loaded == {**DOCUMENTED, "other": {"value": 3.0, "step": 0}}


def test_missing_steps_are_zero_or_the_position_in_the_list(client):
    dataset = MlflowMetricsDataSet(prefix="p")
    with mlflow.start_run():
        dataset.save({"single": {"value": 2}, "curve": [{"value": 5}, {"value": 4}, {"value": 3}]})
        assert dataset.load() == {
            "single": {"value": 2.0, "step": 0},
            "curve": [
                {"value": 5.0, "step": 0},
                {"value": 4.0, "step": 1},
                {"value": 3.0, "step": 2},
            ],
        }


def test_numpy_numbers_and_nan_are_metrics(client):
    dataset = MlflowMetricsDataSet()
    with mlflow.start_run():
        dataset.save(
            {
                "np": {"value": np.float32(0.5), "step": np.int64(3)},
                "nan": {"value": float("nan"), "step": 0},
            }
        )
        loaded = dataset.load()
    assert loaded["np"] == {"value": 0.5, "step": 3}
    assert math.isnan(loaded["nan"]["value"])


def test_a_long_history_goes_in_batches_of_at_most_1000(client, batches):
    curve = [{"value": float(step) / 7, "step": step} for step in range(2001)]
    with mlflow.start_run() as run:
        MlflowMetricsDataSet(prefix="train").save({"loss": curve, "acc": {"value": 0.9}})
    assert batches == [1000, 1000, 2]
    stored = history(client, run.info.run_id, "train.loss")
    assert len(stored) == 2001 and stored[1234] == (1234, pytest.approx(1234 / 7))


def test_run_id_logs_to_that_run_even_with_another_active(client):
    target = client.create_run(experiment_id="0").info.run_id
    with mlflow.start_run() as active:
        MlflowMetricsDataSet(prefix="x", run_id=target).save(DOCUMENTED)
    assert sorted(client.get_run(target).data.metrics) == ["x.metric1", "x.metric2"]
    assert client.get_run(active.info.run_id).data.metrics == {}


def test_catalog_name_is_the_default_prefix():
    unnamed = MlflowMetricsDataSet()
    unnamed.set_catalog_name("my_model_metrics")
    assert unnamed.prefix == "my_model_metrics"
    named = MlflowMetricsDataSet(prefix="foo")
    named.set_catalog_name("my_model_metrics")
    assert named.prefix == "foo"
    transcoded = MlflowMetricsDataSet()
    transcoded.set_catalog_name("scores@spark")
    assert transcoded.prefix == "scores"
    unnamed.prefix = "bar"
    assert str(unnamed) == "MlflowMetricsDataSet(prefix=bar)"


def test_catalog_name_prefix_is_used_when_logging(client):
    dataset = MlflowMetricsDataSet()
    dataset.set_catalog_name("my_model_metrics")
    with mlflow.start_run() as run:
        dataset.save(DOCUMENTED)
    assert sorted(client.get_run(run.info.run_id).data.metrics) == [
        "my_model_metrics.metric1",
        "my_model_metrics.metric2",
    ]


@pytest.mark.parametrize(
    "data, match",
    [
        ([1, 2], r"expected a mapping of metric names"),
        ({"m": 0.5}, r"metric 'm': expected \{'value'"),
        ({"m": {"value": "high"}}, r"metric 'm': the value must be a number, got 'high' \(str\)"),
        ({"m": {"value": True}}, r"metric 'm': the value must be a number, got True"),
        ({"m": {"value": 1, "step": 1.5}}, r"metric 'm': the step must be an integer, got 1.5"),
        ({"m": {"value": 1, "step": "2"}}, r"the step must be an integer, got '2' \(str\)"),
        ({"m": {"step": 1}}, r"metric 'm': the entry has no 'value'"),
        ({"m": {"value": 1, "epoch": 1}}, r"unknown keys \['epoch'\]"),
        ({"m": [{"value": 1}, {"value": None}]}, r"metric 'm', entry 1: the value must be"),
        ({"bad@name": {"value": 1}}, r"'bad@name' is not a valid MLflow metric name"),
        ({3: {"value": 1}}, r"metric name must be a non-empty string, got 3"),
    ],
)
def test_bad_metrics_fail_and_nothing_is_logged(client, data, match):
    good_first = {"good": [{"value": float(i), "step": i} for i in range(1500)]}
    dataset = MlflowMetricsDataSet(prefix="p")
    bad = {**good_first, **data} if isinstance(data, dict) else data
    pattern = r"MlflowMetricsDataSet\(prefix=p\): .*" + match
    with mlflow.start_run() as run, pytest.raises(DataSetError, match=pattern) as info:
        dataset.save(bad)
    assert "nothing was logged" in str(info.value)
    assert client.get_run(run.info.run_id).data.metrics == {}


@pytest.mark.parametrize("prefix", [3, "", "bad prefix@"])
def test_bad_prefix_fails_at_construction(prefix):
    with pytest.raises(DataSetError, match=r"MlflowMetricsDataSet: .*prefix"):
        MlflowMetricsDataSet(prefix=prefix)


def test_unknown_run_id_fails_clearly(client):
    dataset = MlflowMetricsDataSet(run_id="0123456789abcdef0123456789abcdef")
    with pytest.raises(DataSetError, match=r"run_id '0123456789abcdef\w+' names no run"):
        dataset.save(DOCUMENTED)
    with pytest.raises(DataSetError, match=r"names no run"):
        dataset.load()


def test_load_without_any_run_says_what_to_do():
    with pytest.raises(DataSetError, match=r"no MLflow run is active and no run_id was given"):
        MlflowMetricsDataSet().load()


def test_load_of_a_prefix_the_run_does_not_have(client):
    with mlflow.start_run():
        MlflowMetricsDataSet(prefix="a").save(DOCUMENTED)
        with pytest.raises(DataSetError, match=r"has no metric whose name starts with 'b.'"):
            MlflowMetricsDataSet(prefix="b").load()


def test_exists_looks_at_the_run(client):
    dataset = MlflowMetricsDataSet(prefix="a")
    assert not dataset.exists()  # no run at all: no error either
    with mlflow.start_run():
        assert not dataset.exists()
        dataset.save(DOCUMENTED)
        assert dataset.exists()
        assert not MlflowMetricsDataSet(prefix="b").exists()
