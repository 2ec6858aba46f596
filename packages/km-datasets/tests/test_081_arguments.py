"""kedro-mlflow 0.8.1's constructor arguments (its guide, "Version metrics" and "Version
model"), beside this package's own, against a real file store."""

import logging
import re
import textwrap
import time
from pathlib import Path

import mlflow
import numpy as np
import pytest
import yaml
from kedro.io import DataCatalog
from kedro.io.core import DataSetError
from sklearn.linear_model import LinearRegression

from kedro_mlflow.io.common import defer_logging, flush_deferred, name_after_catalog
from kedro_mlflow.io.metrics import MlflowMetricDataSet, MlflowMetricHistoryDataSet
from kedro_mlflow.io.models import MlflowModelSaverDataSet

from .conftest import QUICK_SAVE_ARGS, artifact_names

X = np.array([[1.0], [2.0], [3.0]])


def fitted(slope: float = 2.0) -> LinearRegression:
    return LinearRegression().fit(X, X[:, 0] * slope)


def logged(client, run_id, key):
    """(step, value) of every value of ``key``, in the order the store returns them."""
    return sorted((m.step, m.value) for m in client.get_metric_history(run_id, key))


def stamped(client, run_id, key):
    return sorted((m.step, m.value, m.timestamp) for m in client.get_metric_history(run_id, key))


def catalog_from(text: str) -> DataCatalog:
    return DataCatalog.from_config(yaml.safe_load(textwrap.dedent(text)))


# ---------------------------------------------------------------- MlflowMetricDataSet


def test_the_guide_s_append_example(client):
    metric_ds = MlflowMetricDataSet(
        key="my_metric", load_args={"step": 1}, save_args={"mode": "append"}
    )
    with mlflow.start_run() as run:
        metric_ds.save(0)  # step 0 stored for "my_metric"
        metric_ds.save(0.1)  # step 1 stored for "my_metric"
        metric_ds.save(0.2)  # step 2 stored for "my_metric"
        my_metric = metric_ds.load()  # value=0.1 (step number 1)
    assert my_metric == pytest.approx(0.1)
    history = stamped(client, run.info.run_id, "my_metric")
    assert [(step, value) for step, value, _ in history] == [(0, 0.0), (1, 0.1), (2, 0.2)]
    times = [timestamp for _, _, timestamp in history]
    assert times == sorted(times)  # each save logged when it was made


def test_append_goes_after_the_largest_step_of_the_run(client):
    with mlflow.start_run() as run:
        mlflow.log_metric("sparse", 1.0, step=5)
        mlflow.log_metric("sparse", 2.0, step=2)  # logged last, but not the largest step
        MlflowMetricDataSet(key="sparse", save_args={"mode": "append"}).save(3.0)
        MlflowMetricDataSet(key="fresh", save_args={"mode": "append"}).save(7.0)
    assert logged(client, run.info.run_id, "sparse") == [(2, 2.0), (5, 1.0), (6, 3.0)]
    assert logged(client, run.info.run_id, "fresh") == [(0, 7.0)]


def test_append_continues_the_history_of_run_id_not_of_the_active_run(client):
    target = client.create_run(experiment_id="0").info.run_id
    client.log_metric(target, "m", 1.0, step=9)
    with mlflow.start_run() as active:
        mlflow.log_metric("m", 1.0, step=40)
        MlflowMetricDataSet(key="m", run_id=target, save_args={"mode": "append"}).save(2.0)
    assert logged(client, target, "m") == [(9, 1.0), (10, 2.0)]
    assert logged(client, active.info.run_id, "m") == [(40, 1.0)]


def test_a_step_in_save_args_wins_over_append(client):
    dataset = MlflowMetricDataSet(key="m", save_args={"mode": "append", "step": 3})
    with mlflow.start_run() as run:
        mlflow.log_metric("m", 1.0, step=10)
        dataset.save(2.0)
        dataset.save(4.0)
    assert logged(client, run.info.run_id, "m") == [(3, 2.0), (3, 4.0), (10, 1.0)]


def test_overwrite_is_mlflow_s_default_step_0_or_the_given_step(client):
    with mlflow.start_run() as run:
        MlflowMetricDataSet(key="m").save(1.0)
        MlflowMetricDataSet(key="m", save_args={"mode": "overwrite"}).save(2.0)
        MlflowMetricDataSet(key="s", save_args={"step": 4}).save(5.0)
    run_id = run.info.run_id
    assert logged(client, run_id, "m") == [(0, 1.0), (0, 2.0)]
    assert logged(client, run_id, "s") == [(4, 5.0)]
    # load without load_args: the latest value; with a step: the last value at that step
    assert MlflowMetricDataSet(key="m", run_id=run_id).load() == 2.0
    assert MlflowMetricDataSet(key="m", run_id=run_id, load_args={"step": 0}).load() == 2.0
    with pytest.raises(DataSetError, match=r"has no value of 's' at step 0"):
        MlflowMetricDataSet(key="s", run_id=run_id, load_args={"step": 0}).load()


def test_save_args_step_is_not_a_load_step_but_our_step_is_both(client):
    with mlflow.start_run() as run:
        mlflow.log_metric("m", 1.0, step=0)
        mlflow.log_metric("m", 9.0, step=8)
        MlflowMetricDataSet(key="m", save_args={"step": 4}).save(4.0)
        MlflowMetricDataSet(key="m", step=2).save(2.0)
    run_id = run.info.run_id
    assert logged(client, run_id, "m") == [(0, 1.0), (2, 2.0), (4, 4.0), (8, 9.0)]
    assert MlflowMetricDataSet(key="m", run_id=run_id, save_args={"step": 4}).load() == 9.0
    assert MlflowMetricDataSet(key="m", run_id=run_id, step=2).load() == 2.0


def test_our_step_and_0_8_1_s_step_agreeing_is_fine(client):
    dataset = MlflowMetricDataSet(
        key="m", step=3, load_args={"step": 3}, save_args={"step": 3, "mode": "append"}
    )
    with mlflow.start_run() as run:
        dataset.save(1.5)
        assert dataset.load() == 1.5
    assert logged(client, run.info.run_id, "m") == [(3, 1.5)]


@pytest.mark.parametrize(
    "arguments, match",
    [
        (
            {"step": 3, "save_args": {"step": 4}},
            r"'step' \(3\) and save_args\['step'\] \(4\) set the same thing",
        ),
        (
            {"step": 3, "load_args": {"step": 0}},
            r"'step' \(3\) and load_args\['step'\] \(0\) set the same thing",
        ),
        ({"save_args": {"steps": 1}}, r"unknown key 'steps' in save_args; the allowed keys"),
        ({"save_args": {"mode": "append", "foo": 1, "bar": 2}}, r"unknown keys 'bar', 'foo'"),
        ({"load_args": {"mode": "list"}}, r"unknown key 'mode' in load_args.*keys are 'step'"),
        ({"save_args": {"mode": "bump"}}, r"'save_args\['mode'\]' must be 'overwrite' or 'append'"),
        ({"save_args": {"step": "1"}}, r"save_args\['step'\]: the step must be an integer"),
        ({"load_args": {"step": 1.5}}, r"load_args\['step'\]: the step must be an integer"),
        ({"save_args": ["step", 1]}, r"'save_args' must be a mapping"),
    ],
)
def test_metric_argument_errors_name_the_dataset_and_the_arguments(arguments, match):
    with pytest.raises(DataSetError, match=r"^MlflowMetricDataSet: .*" + match):
        MlflowMetricDataSet(key="m", **arguments)


def test_the_allowed_keys_are_listed():
    with pytest.raises(DataSetError) as info:
        MlflowMetricDataSet(key="m", save_args={"modes": "append"})
    assert str(info.value).endswith("the allowed keys are 'step', 'mode'")


def test_a_save_without_any_run_creates_none_and_logs_nothing(client):
    dataset = MlflowMetricDataSet(key="m", save_args={"mode": "append"})
    with pytest.raises(DataSetError, match=r"MlflowMetricDataSet\(key=m.*no run to log to"):
        dataset.save(1.0)
    assert mlflow.active_run() is None
    assert client.search_runs(["0"]) == []


def test_a_save_to_run_id_needs_no_active_run(client):
    target = client.create_run(experiment_id="0").info.run_id
    MlflowMetricDataSet(key="m", run_id=target, save_args={"mode": "append"}).save(1.0)
    MlflowMetricDataSet(key="m", run_id=target, save_args={"mode": "append"}).save(2.0)
    assert mlflow.active_run() is None
    assert logged(client, target, "m") == [(0, 1.0), (1, 2.0)]


def test_with_logging_off_no_run_is_needed():
    dataset = MlflowMetricDataSet(key="m", save_args={"mode": "append"})
    dataset.logging_enabled = False
    dataset.save(0.5)
    assert dataset.load() == 0.5
    assert mlflow.active_run() is None


def test_appends_queued_in_a_tracked_run_each_get_the_next_step(client):
    dataset = MlflowMetricDataSet(key="m", save_args={"mode": "append"})
    with mlflow.start_run() as run:
        defer_logging()
        try:
            for value in (0.1, 0.2, 0.3):
                dataset.save(value)
        finally:
            flush_deferred()
    assert logged(client, run.info.run_id, "m") == [(0, 0.1), (1, 0.2), (2, 0.3)]


def test_the_hooks_name_a_metric_without_key_after_its_entry(client):
    catalog = catalog_from(
        """
        my_model_metric:
          type: kedro_mlflow.io.metrics.MlflowMetricDataSet
          save_args:
            mode: append
        my_history:
          type: kedro_mlflow.io.metrics.MlflowMetricHistoryDataSet
          load_args:
            mode: dict
        """
    )
    assert sorted(name_after_catalog(catalog)) == ["my_history", "my_model_metric"]
    with mlflow.start_run() as run:
        catalog.save("my_model_metric", 1.0)
        catalog.save("my_model_metric", 2.0)
        catalog.save("my_history", [0.5, 0.25])
        assert catalog.load("my_history") == {0: 0.5, 1: 0.25}
    assert logged(client, run.info.run_id, "my_model_metric") == [(0, 1.0), (1, 2.0)]
    assert logged(client, run.info.run_id, "my_history") == [(0, 0.5), (1, 0.25)]


def test_the_guide_s_yaml_for_one_metric(client):
    target = client.create_run(experiment_id="0").info.run_id
    client.log_metric(target, "my_awesome_name", 0.5, step=0)
    client.log_metric(target, "my_awesome_name", 0.7, step=1)
    catalog = catalog_from(
        f"""
        my_model_metric:
            type: kedro_mlflow.io.metrics.MlflowMetricDataSet
            run_id: {target} # OPTIONAL, you should likely let it empty to log in the current run
            key: my_awesome_name # OPTIONAL: if not provided, the dataset name will be sued
            load_args:
                step: 1 # OPTIONAL: likely not provided, unless you have a very good reason
            save_args:
                mode: append #  OPTIONAL: likely better than the default "overwrite".
        ours:
            type: kedro_mlflow.io.metrics.MlflowMetricDataSet
            key: ours
            step: 2
        """
    )
    assert catalog.load("my_model_metric") == 0.7
    catalog.save("my_model_metric", 0.9)
    with mlflow.start_run() as run:
        catalog.save("ours", 4.0)
    assert logged(client, target, "my_awesome_name") == [(0, 0.5), (1, 0.7), (2, 0.9)]
    assert logged(client, run.info.run_id, "ours") == [(2, 4.0)]
    assert isinstance(catalog._data_sets["my_model_metric"], MlflowMetricDataSet)


def test_a_bad_yaml_entry_names_the_entry_and_the_key():
    with pytest.raises(DataSetError, match=r"(?s)unknown key 'steps' in load_args.*'bad_metric'"):
        catalog_from(
            """
            bad_metric:
              type: kedro_mlflow.io.metrics.MlflowMetricDataSet
              load_args: {steps: 1}
            """
        )


# --------------------------------------------------------- MlflowMetricHistoryDataSet


@pytest.mark.parametrize(
    "save_args, saved, expected",
    [
        ({"mode": "list"}, [0.1, 0.2, 0.3], [(0, 0.1), (1, 0.2), (2, 0.3)]),
        ({"mode": "dict"}, {0: 0.1, 1: 0.2, 2: 0.3}, [(0, 0.1), (1, 0.2), (2, 0.3)]),
        ({"mode": "dict"}, {10: 0.1, 3: 0.2}, [(3, 0.2), (10, 0.1)]),
        (None, (0.1, 0.2), [(0, 0.1), (1, 0.2)]),
        (None, {5: 1.0}, [(5, 1.0)]),
    ],
    ids=["list", "dict", "sparse-dict", "any-shape-tuple", "any-shape-dict"],
)
def test_history_save_modes(client, save_args, saved, expected):
    with mlflow.start_run() as run:
        MlflowMetricHistoryDataSet(key="my_metric", save_args=save_args).save(saved)
    assert logged(client, run.info.run_id, "my_metric") == expected


def test_history_mode_keeps_the_given_timestamps(client):
    with mlflow.start_run() as run:
        MlflowMetricHistoryDataSet(key="my_metric", save_args={"mode": "history"}).save(
            [
                {"step": 0, "value": 0.1, "timestamp": 1345545},
                {"step": 1, "value": 0.2, "timestamp": 1345546},
                {"step": 2, "value": 0.3, "timestamp": 1345547},
            ]
        )
    assert stamped(client, run.info.run_id, "my_metric") == [
        (0, 0.1, 1345545),
        (1, 0.2, 1345546),
        (2, 0.3, 1345547),
    ]


def test_history_entries_without_a_timestamp_get_the_save_s_time(client):
    before = int(time.time() * 1000)
    with mlflow.start_run() as run:
        MlflowMetricHistoryDataSet(key="m", save_args={"mode": "history"}).save(
            [{"step": 4, "value": 1.0}, {"value": 2.0, "timestamp": 99}]
        )
    after = int(time.time() * 1000)
    (step_1, value_1, time_1), (step_4, value_4, time_4) = stamped(client, run.info.run_id, "m")
    assert (step_1, value_1, time_1) == (1, 2.0, 99)  # a missing step: the entry's position
    assert (step_4, value_4) == (4, 1.0) and before <= time_4 <= after


@pytest.mark.parametrize("mode", ["list", "dict", "history"])
def test_history_load_modes(client, mode):
    with mlflow.start_run() as run:
        MlflowMetricHistoryDataSet(key="m", save_args={"mode": "history"}).save(
            [
                {"step": 2, "value": 0.3, "timestamp": 3000},
                {"step": 0, "value": 0.1, "timestamp": 1000},
                {"step": 1, "value": 0.2, "timestamp": 2000},
            ]
        )
    loaded = MlflowMetricHistoryDataSet(
        key="m", run_id=run.info.run_id, load_args={"mode": mode}
    ).load()
    expected = {
        "list": [0.1, 0.2, 0.3],
        "dict": {0: 0.1, 1: 0.2, 2: 0.3},
        "history": [
            {"step": 0, "value": 0.1, "timestamp": 1000},
            {"step": 1, "value": 0.2, "timestamp": 2000},
            {"step": 2, "value": 0.3, "timestamp": 3000},
        ],
    }[mode]
    assert loaded == expected
    # our own argument reads the same
    assert MlflowMetricHistoryDataSet(key="m", run_id=run.info.run_id, mode=mode).load() == loaded


def test_the_guide_s_example_with_a_save_mode_and_another_load_mode(client):
    metric_history_ds = MlflowMetricHistoryDataSet(
        key="my_metric", save_args={"mode": "dict"}, load_args={"mode": "list"}
    )
    with mlflow.start_run() as run:
        metric_history_ds.save({0: 0.1, 1: 0.2, 2: 0.3})  # will be logged with incremental steps
        assert metric_history_ds.load() == [0.1, 0.2, 0.3]
    assert logged(client, run.info.run_id, "my_metric") == [(0, 0.1), (1, 0.2), (2, 0.3)]
    assert MlflowMetricHistoryDataSet(key="my_metric", run_id=run.info.run_id).load() == [
        0.1,
        0.2,
        0.3,
    ]  # list is the default load mode


def test_history_with_logging_off_keeps_the_timestamps():
    dataset = MlflowMetricHistoryDataSet(key="m", load_args={"mode": "history"})
    dataset.logging_enabled = False
    dataset.save([{"step": 1, "value": 2.0, "timestamp": 5}, {"step": 0, "value": 1.0}])
    loaded = dataset.load()
    assert loaded[1] == {"step": 1, "value": 2.0, "timestamp": 5}
    assert loaded[0]["step"] == 0 and loaded[0]["timestamp"] > 5


@pytest.mark.parametrize(
    "save_mode, saved, match",
    [
        ("list", {0: 0.1}, r"save_args mode 'list' expects a list of numbers.*got 'dict' data"),
        ("dict", [0.1, 0.2], r"save_args mode 'dict' expects a mapping of steps.*got 'list'"),
        ("history", [0.1], r"save_args mode 'history' expects a list of \{'step'.*got 'list'"),
        ("list", [{"step": 0, "value": 1.0}], r"save_args mode 'list' expects.*got 'history'"),
        ("list", [1.0, {"value": 1.0}], r"entry 1: the value must be a number"),
        ("history", [{"step": 0, "value": 1.0, "timestamp": 1.5}], r"the timestamp must be"),
        ("history", [{"step": 0, "value": 1.0, "time": 1}], r"unknown keys \['time'\]"),
    ],
)
def test_data_in_another_shape_than_the_save_mode_is_refused(client, save_mode, saved, match):
    dataset = MlflowMetricHistoryDataSet(key="m", save_args={"mode": save_mode})
    with mlflow.start_run() as run, pytest.raises(DataSetError, match=match) as info:
        dataset.save(saved)
    assert str(info.value).startswith("MlflowMetricHistoryDataSet(key=m")
    assert "nothing was logged" in str(info.value)
    assert client.get_run(run.info.run_id).data.metrics == {}


def test_our_mode_and_load_args_mode_agreeing_is_fine(client):
    dataset = MlflowMetricHistoryDataSet(key="m", mode="dict", load_args={"mode": "dict"})
    with mlflow.start_run():
        dataset.save([1.0, 2.0])
        assert dataset.load() == {0: 1.0, 1: 2.0}


@pytest.mark.parametrize(
    "arguments, match",
    [
        (
            {"mode": "dict", "load_args": {"mode": "list"}},
            r"'mode' \('dict'\) and load_args\['mode'\] \('list'\) set the same thing",
        ),
        ({"load_args": {"step": 1}}, r"unknown key 'step' in load_args; the allowed keys are"),
        ({"save_args": {"mode": "list", "x": 1}}, r"unknown key 'x' in save_args"),
        ({"save_args": {"mode": "series"}}, r"'save_args\['mode'\]' must be one of 'list'"),
        ({"load_args": {"mode": "series"}}, r"'load_args\['mode'\]' must be one of 'list'"),
        ({"load_args": "list"}, r"'load_args' must be a mapping"),
    ],
)
def test_history_argument_errors(arguments, match):
    with pytest.raises(DataSetError, match=r"^MlflowMetricHistoryDataSet: .*" + match):
        MlflowMetricHistoryDataSet(key="m", **arguments)


def test_a_history_save_without_any_run_creates_none(client):
    with pytest.raises(DataSetError, match=r"no run to log to.*nothing was logged"):
        MlflowMetricHistoryDataSet(key="m").save([1.0])
    assert mlflow.active_run() is None
    assert client.search_runs(["0"]) == []


def test_the_guide_s_yaml_for_a_history(client):
    catalog = catalog_from(
        """
        my_model_metric:
            type: kedro_mlflow.io.metrics.MlflowMetricHistoryDataSet
            key: my_awesome_name # OPTIONAL: if not provided, the dataset name will be used
            load_args:
                mode: history # OPTIONAL: "list" by default, one of {"list", "dict", "history"}
            save_args:
                mode: dict # OPTIONAL: "list" by default, one of {"list", "dict", "history"}
        """
    )
    with mlflow.start_run() as run:
        catalog.save("my_model_metric", {1: 0.5, 0: 1.0})
        loaded = catalog.load("my_model_metric")
    history = stamped(client, run.info.run_id, "my_awesome_name")
    assert loaded == [
        {"step": step, "value": value, "timestamp": timestamp} for step, value, timestamp in history
    ]
    assert [(entry["step"], entry["value"]) for entry in loaded] == [(0, 1.0), (1, 0.5)]


# ------------------------------------------------------------ MlflowModelSaverDataSet


@pytest.fixture
def saver_warnings(caplog, monkeypatch):
    logger = logging.getLogger("kedro_mlflow.io.models.mlflow_model_saver_dataset")
    monkeypatch.setattr(logger, "disabled", False)
    monkeypatch.setattr(logger, "propagate", True)
    caplog.set_level(logging.WARNING, logger=logger.name)
    return caplog


def test_log_args_is_accepted_and_ignored_as_the_guide_says(client, data, saver_warnings):
    dataset = MlflowModelSaverDataSet(
        filepath=str(data / "model"),
        flavor="mlflow.sklearn",
        save_args=QUICK_SAVE_ARGS,
        log_args={"artifact_path": "logged", **QUICK_SAVE_ARGS},
    )
    warnings = [r.getMessage() for r in saver_warnings.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "log_args is ignored" in warnings[0]
    assert "MlflowArtifactDataSet" in warnings[0]
    with mlflow.start_run() as run:
        dataset.save(fitted())
    assert artifact_names(client, run.info.run_id) == []  # "it does not log in mlflow"
    assert (data / "model" / "MLmodel").is_file()
    assert dataset.load().predict(np.array([[1.0]]))[0] == pytest.approx(2.0)
    assert "log_args=['artifact_path', 'conda_env']" in str(dataset)


def test_no_log_args_no_warning(data, saver_warnings):
    MlflowModelSaverDataSet(flavor="mlflow.sklearn", filepath=str(data / "m"), log_args={})
    assert not [r for r in saver_warnings.records if r.levelno == logging.WARNING]


def test_log_args_must_be_a_mapping(data):
    with pytest.raises(DataSetError, match=r"MlflowModelSaverDataSet: 'log_args' must be a map"):
        MlflowModelSaverDataSet(
            flavor="mlflow.sklearn", filepath=str(data / "m"), log_args=["artifact_path"]
        )


def test_a_0_8_1_entry_with_log_args_wrapped_to_log_in_one_step(client, data):
    catalog = catalog_from(
        f"""
        sklearn_model:
            type: kedro_mlflow.io.artifacts.MlflowArtifactDataSet
            data_set:
                type: kedro_mlflow.io.models.MlflowModelSaverDataSet
                flavor: mlflow.sklearn
                filepath: {data}/06_models/sklearn_model
                save_args:
                    conda_env: {{dependencies: [python, pip, {{pip: [mlflow]}}]}}
                log_args:
                    artifact_path: elsewhere
        """
    )
    with mlflow.start_run() as run:
        catalog.save("sklearn_model", fitted())
    names = artifact_names(client, run.info.run_id)
    assert "sklearn_model/MLmodel" in names  # logged once, by the wrapper
    assert not [name for name in names if name.startswith("elsewhere")]
    assert catalog.load("sklearn_model").predict(np.array([[2.0]]))[0] == pytest.approx(4.0)


@pytest.mark.parametrize("as_path", [False, True], ids=["str", "Path"])
def test_0_8_1_s_positional_order_filepath_then_flavor(data, as_path):
    folder = data / "06_models" / "positional"
    dataset = MlflowModelSaverDataSet(folder if as_path else str(folder), "mlflow.sklearn")
    dataset.save(fitted(3.0))
    assert (folder / "MLmodel").is_file()
    assert dataset.load().predict(np.array([[1.0]]))[0] == pytest.approx(3.0)
    assert "flavor=mlflow.sklearn" in str(dataset)


def test_0_8_1_s_full_positional_order(data):
    folder = data / "full"
    dataset = MlflowModelSaverDataSet(
        str(folder), "mlflow.sklearn", None, {}, QUICK_SAVE_ARGS, {"artifact_path": "x"}, None
    )
    dataset.save(fitted())
    assert re.search(r"log_args=\['artifact_path'\]", str(dataset))
    assert (folder / "MLmodel").is_file()


def test_our_order_still_works_and_an_ambiguous_call_is_not_swapped(data):
    dataset = MlflowModelSaverDataSet("mlflow.sklearn", str(data / "ours"))
    dataset.save(fitted())
    assert (data / "ours" / "MLmodel").is_file()
    # "trained_model" could be a module: 0.8.1's order is not guessed, the error says why
    with pytest.raises(DataSetError, match=r"flavor 'trained_model' cannot be imported"):
        MlflowModelSaverDataSet("trained_model", "mlflow.sklearn")


def test_the_catalog_builds_0_8_1_saver_entries(data):
    catalog = catalog_from(
        f"""
        my_model:
            type: kedro_mlflow.io.models.MlflowModelSaverDataSet
            flavor: mlflow.sklearn
            filepath: {Path(data) / "path/to/where/you/want/model"}
            log_args: {{registered_model_name: x}}
            save_args:
                conda_env: {{dependencies: [python, pip, {{pip: [mlflow]}}]}}
        """
    )
    catalog.save("my_model", fitted(4.0))
    assert catalog.load("my_model").predict(np.array([[1.0]]))[0] == pytest.approx(4.0)
    assert mlflow.active_run() is None  # nothing was logged, so no run was needed
