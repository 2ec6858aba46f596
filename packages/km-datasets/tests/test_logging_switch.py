"""The logging switch the hooks use, default names, pickling and deep copies."""

import copy
import pickle
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest
from kedro.io import DataCatalog, MemoryDataSet
from kedro.io.core import DataSetError
from sklearn.linear_model import LinearRegression

from kedro_mlflow.io.artifacts import MlflowArtifactDataSet
from kedro_mlflow.io.common import (
    AbstractMlflowDataSet,
    iter_mlflow_datasets,
    name_after_catalog,
    set_logging,
)
from kedro_mlflow.io.metrics import (
    MlflowMetricDataSet,
    MlflowMetricHistoryDataSet,
    MlflowMetricsDataSet,
)
from kedro_mlflow.io.models import (
    MlflowModelLoggerDataSet,
    MlflowModelRegistryDataSet,
    MlflowModelSaverDataSet,
)

from .conftest import QUICK_SAVE_ARGS, artifact_names

FRAME = pd.DataFrame({"a": [1, 2]})
MODEL = LinearRegression().fit(np.array([[1.0], [2.0]]), np.array([2.0, 4.0]))
METRICS = {"m": [{"value": 0.5, "step": 0}, {"value": 0.25, "step": 1}]}


def every_dataset(data: Path):
    """One of each kind, with what it saves."""
    return {
        "table": (
            MlflowArtifactDataSet({"type": "pandas.CSVDataSet", "filepath": str(data / "t.csv")}),
            FRAME,
        ),
        "metrics": (MlflowMetricsDataSet(prefix="p"), METRICS),
        "metric": (MlflowMetricDataSet(key="acc"), 0.75),
        "history": (MlflowMetricHistoryDataSet(key="loss"), [3.0, 2.0, 1.0]),
        "logged_model": (
            MlflowModelLoggerDataSet(
                flavor="mlflow.sklearn", artifact_path="logged_model", save_args=QUICK_SAVE_ARGS
            ),
            MODEL,
        ),
        "saved_model": (
            MlflowArtifactDataSet(
                {
                    "type": "kedro_mlflow.io.models.MlflowModelSaverDataSet",
                    "flavor": "mlflow.sklearn",
                    "filepath": str(data / "saved_model"),
                    "save_args": QUICK_SAVE_ARGS,
                }
            ),
            MODEL,
        ),
    }


def same(loaded, saved) -> bool:
    if isinstance(saved, pd.DataFrame):
        return loaded.equals(saved)
    if isinstance(saved, LinearRegression):
        return loaded.predict(np.array([[3.0]]))[0] == pytest.approx(6.0)
    return loaded == saved


@pytest.mark.parametrize("via", ["attribute", "catalog", "pickle", "deepcopy"])
def test_with_logging_off_nothing_reaches_mlflow_but_data_is_saved_and_loaded(tmp_path, data, via):
    store = tmp_path / "mlruns"
    datasets = every_dataset(data)
    catalog = DataCatalog({name: dataset for name, (dataset, _) in datasets.items()})
    if via == "catalog":
        assert sorted(set_logging(catalog, False)) == sorted(datasets)
    else:
        for dataset, _ in datasets.values():
            dataset.logging_enabled = False
        if via in ("pickle", "deepcopy"):
            clone = pickle.loads if via == "pickle" else copy.deepcopy
            catalog = DataCatalog(
                {
                    name: clone(pickle.dumps(dataset)) if via == "pickle" else clone(dataset)
                    for name, (dataset, _) in datasets.items()
                }
            )
    for name, (_, saved) in datasets.items():
        catalog.save(name, saved)
        assert same(catalog.load(name), saved), name
        assert catalog.exists(name)
    assert mlflow.active_run() is None
    assert not store.exists(), "MLflow's store was touched"
    assert (data / "t.csv").is_file() and (data / "saved_model" / "MLmodel").is_file()
    assert catalog.load("history") == [3.0, 2.0, 1.0]
    catalog.release("metrics")  # released like a MemoryDataSet
    with pytest.raises(DataSetError, match=r"logging to MLflow is off.*nothing to load"):
        catalog.load("metrics")


def test_switching_back_on_logs_again(client, data):
    datasets = every_dataset(data)
    catalog = DataCatalog({name: dataset for name, (dataset, _) in datasets.items()})
    set_logging(catalog, False)
    set_logging(catalog, True)
    with mlflow.start_run() as run:
        for name, (_, saved) in datasets.items():
            catalog.save(name, saved)
    run_id = run.info.run_id
    stored = client.get_run(run_id).data.metrics
    assert sorted(stored) == ["acc", "loss", "p.m"]
    names = artifact_names(client, run_id)
    assert {"t.csv", "saved_model/MLmodel", "logged_model/MLmodel"} <= set(names)


def test_the_switch_only_takes_booleans():
    dataset = MlflowMetricsDataSet()
    with pytest.raises(DataSetError, match=r"'logging_enabled' must be True or False, got 'no'"):
        dataset.logging_enabled = "no"
    assert dataset.logging_enabled is True


def test_catalog_helpers_touch_only_kedro_mlflow_datasets(data):
    catalog = DataCatalog(
        {
            "plain": MemoryDataSet(),
            "metrics": MlflowMetricsDataSet(),
            "named": MlflowMetricsDataSet(prefix="given"),
            "r2": MlflowMetricDataSet(),
            "losses@pandas": MlflowMetricHistoryDataSet(),
            "registry": MlflowModelRegistryDataSet("m"),
            "saver": MlflowModelSaverDataSet(flavor="mlflow.sklearn", filepath=str(data / "m")),
        }
    )
    assert [name for name, _ in iter_mlflow_datasets(catalog)] == [
        "metrics",
        "named",
        "r2",
        "losses@pandas",
        "registry",
        "saver",
    ]
    assert len(name_after_catalog(catalog)) == 6
    sets = catalog._data_sets
    assert sets["metrics"].prefix == "metrics"
    assert sets["named"].prefix == "given"
    assert sets["r2"].key == "r2"
    assert sets["losses@pandas"].key == "losses"
    set_logging(catalog, False)
    assert not any(d.logging_enabled for _, d in iter_mlflow_datasets(catalog))
    assert not isinstance(sets["plain"], AbstractMlflowDataSet)


def test_every_dataset_pickles_and_deep_copies_and_still_works(client, data):
    datasets = every_dataset(data)
    with mlflow.start_run() as run:
        for name, (dataset, saved) in datasets.items():
            for clone in (pickle.loads(pickle.dumps(dataset)), copy.deepcopy(dataset)):
                assert type(clone) is type(dataset) and str(clone) == str(dataset)
                assert clone.logging_enabled
            pickle.loads(pickle.dumps(dataset)).save(saved)
            assert same(copy.deepcopy(dataset).load(), saved), name
    assert sorted(client.get_run(run.info.run_id).data.metrics) == ["acc", "loss", "p.m"]
