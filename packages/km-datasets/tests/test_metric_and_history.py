"""MlflowMetricDataSet and MlflowMetricHistoryDataSet against a real file store."""

import mlflow
import pytest
from kedro.io.core import DataSetError
from mlflow.tracking import MlflowClient

from kedro_mlflow.io.metrics import MlflowMetricDataSet, MlflowMetricHistoryDataSet


def stored(client, run_id, key):
    metrics = sorted(client.get_metric_history(run_id, key), key=lambda m: m.step)
    return [(m.step, m.value) for m in metrics]


def test_one_metric_is_saved_and_loaded_as_a_float(client):
    dataset = MlflowMetricDataSet(key="accuracy")
    with mlflow.start_run() as run:
        dataset.save(0.93)
        assert dataset.load() == pytest.approx(0.93)
    assert stored(client, run.info.run_id, "accuracy") == [(0, 0.93)]
    assert MlflowMetricDataSet(key="accuracy", run_id=run.info.run_id).load() == pytest.approx(0.93)


def test_step_is_where_the_value_is_logged_and_read(client):
    with mlflow.start_run() as run:
        MlflowMetricDataSet(key="loss", step=0).save(1.0)
        MlflowMetricDataSet(key="loss", step=5).save(0.25)
    run_id = run.info.run_id
    assert stored(client, run_id, "loss") == [(0, 1.0), (5, 0.25)]
    assert MlflowMetricDataSet(key="loss", run_id=run_id).load() == 0.25  # latest step
    assert MlflowMetricDataSet(key="loss", run_id=run_id, step=0).load() == 1.0
    with pytest.raises(DataSetError, match=r"has no value of 'loss' at step 3"):
        MlflowMetricDataSet(key="loss", run_id=run_id, step=3).load()
    with pytest.raises(DataSetError, match=r"has no metric 'acc'"):
        MlflowMetricDataSet(key="acc", run_id=run_id).load()


def test_key_defaults_to_the_catalog_name():
    dataset = MlflowMetricDataSet()
    with pytest.raises(DataSetError, match=r"'key' is not set"):
        dataset.save(1.0)
    dataset.set_catalog_name("r2_score")
    assert dataset.key == "r2_score"
    given = MlflowMetricDataSet(key="given")
    given.set_catalog_name("r2_score")
    assert given.key == "given"


@pytest.mark.parametrize(
    "arguments, match",
    [
        ({"key": 3}, r"'key' must be a non-empty string or None, got 3 \(int\)"),
        ({"key": "a@b"}, r"key 'a@b' is not a valid MLflow metric name"),
        ({"key": "k", "step": 1.5}, r"argument 'step': the step must be an integer, got 1.5"),
        ({"key": "k", "run_id": 12}, r"'run_id' must be a non-empty string or None"),
    ],
)
def test_bad_arguments_fail_at_construction(arguments, match):
    with pytest.raises(DataSetError, match=r"MlflowMetricDataSet: .*" + match):
        MlflowMetricDataSet(**arguments)


@pytest.mark.parametrize("value", ["0.5", [1.0], True, {"value": 1.0}])
def test_a_value_that_is_not_a_number_is_refused(client, value):
    dataset = MlflowMetricDataSet(key="k")
    with mlflow.start_run() as run, pytest.raises(DataSetError, match=r"DataSet\(key=k\)"):
        dataset.save(value)
    assert client.get_run(run.info.run_id).data.metrics == {}


HISTORY = [0.9, 0.5, 0.25, 0.125]


@pytest.mark.parametrize(
    "saved",
    [
        HISTORY,
        {0: 0.9, 1: 0.5, 2: 0.25, 3: 0.125},
        [{"step": i, "value": v} for i, v in enumerate(HISTORY)],
        [{"value": v} for v in HISTORY],
    ],
    ids=["list", "dict", "history", "history-without-steps"],
)
def test_history_accepts_three_shapes(client, saved):
    with mlflow.start_run() as run:
        MlflowMetricHistoryDataSet(key="loss").save(saved)
    assert stored(client, run.info.run_id, "loss") == list(enumerate(HISTORY))


@pytest.mark.parametrize(
    "mode, expected",
    [
        ("list", HISTORY),
        ("dict", {0: 0.9, 1: 0.5, 2: 0.25, 3: 0.125}),
        ("history", [{"step": i, "value": v} for i, v in enumerate(HISTORY)]),
    ],
)
def test_history_loads_in_the_shape_of_its_mode(client, mode, expected):
    with mlflow.start_run() as run:
        MlflowMetricHistoryDataSet(key="loss").save({3: 0.125, 0: 0.9, 2: 0.25, 1: 0.5})
    loaded = MlflowMetricHistoryDataSet(key="loss", run_id=run.info.run_id, mode=mode).load()
    if mode == "history":  # each entry also has the time MLflow holds for it (0.8.1's shape)
        times = {m.step: m.timestamp for m in client.get_metric_history(run.info.run_id, "loss")}
        expected = [dict(entry, timestamp=times[entry["step"]]) for entry in expected]
    assert loaded == expected


def test_sparse_steps_are_kept(client):
    with mlflow.start_run() as run:
        MlflowMetricHistoryDataSet(key="val").save({10: 1.0, 20: 2.0, 1000: 3.0})
    loaded = MlflowMetricHistoryDataSet(key="val", run_id=run.info.run_id, mode="dict").load()
    assert loaded == {10: 1.0, 20: 2.0, 1000: 3.0}


def test_a_long_history_goes_in_two_batches(client, monkeypatch):
    calls = []
    original = MlflowClient.log_batch

    def counting(self, run_id, metrics=(), **kwargs):
        calls.append(len(metrics))
        return original(self, run_id, metrics=metrics, **kwargs)

    monkeypatch.setattr(MlflowClient, "log_batch", counting)
    with mlflow.start_run() as run:
        MlflowMetricHistoryDataSet(key="loss").save([1.0 / (step + 1) for step in range(2000)])
    assert calls == [1000, 1000]
    assert len(MlflowMetricHistoryDataSet(key="loss", run_id=run.info.run_id).load()) == 2000


@pytest.mark.parametrize(
    "saved, match",
    [
        ([1.0, "x", 2.0], r"entry 1: the value must be a number, got 'x'"),
        ({0: 1.0, 1.5: 2.0}, r"step 1.5: the step must be an integer"),
        ([{"step": 0, "value": 1.0}, {"step": "1", "value": 2.0}], r"entry 1: the step must be"),
        (3.0, r"expected a metric history"),
        ([], r"the history of 'loss' is empty"),
    ],
)
def test_bad_history_fails_and_nothing_is_logged(client, saved, match):
    dataset = MlflowMetricHistoryDataSet(key="loss")
    pattern = r"MlflowMetricHistoryDataSet\(.*" + match
    with mlflow.start_run() as run, pytest.raises(DataSetError, match=pattern) as info:
        dataset.save(saved)
    assert "nothing was logged" in str(info.value)
    assert client.get_run(run.info.run_id).data.metrics == {}


def test_bad_mode_fails_at_construction():
    with pytest.raises(DataSetError, match=r"MlflowMetricHistoryDataSet: 'mode' must be one of"):
        MlflowMetricHistoryDataSet(key="k", mode="series")


def test_history_of_a_missing_metric(client):
    with mlflow.start_run():
        mlflow.log_metric("other", 1.0)
        with pytest.raises(DataSetError, match=r"has no metric 'loss'"):
            MlflowMetricHistoryDataSet(key="loss").load()
        assert not MlflowMetricHistoryDataSet(key="loss").exists()
        assert MlflowMetricHistoryDataSet(key="other").exists()
