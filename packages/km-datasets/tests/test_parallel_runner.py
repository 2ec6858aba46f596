"""A real ParallelRunner run whose nodes save to every kind of dataset of this package.

ParallelRunner pickles the catalog for its worker processes and refuses datasets that
cannot be; the workers log to the run the test made active (inherited through fork) or
to the run_id given in the catalog.
"""

import multiprocessing

import mlflow
import mlflow.sklearn
import numpy as np
import pandas as pd
import pytest
from kedro.io import DataCatalog, MemoryDataSet
from kedro.pipeline import Pipeline, node
from kedro.runner import ParallelRunner
from sklearn.linear_model import LinearRegression

from kedro_mlflow.io.artifacts import MlflowArtifactDataSet
from kedro_mlflow.io.common import set_logging
from kedro_mlflow.io.metrics import (
    MlflowMetricDataSet,
    MlflowMetricHistoryDataSet,
    MlflowMetricsDataSet,
)
from kedro_mlflow.io.models import MlflowModelLoggerDataSet

from .conftest import QUICK_SAVE_ARGS, artifact_names

pytestmark = pytest.mark.skipif(
    multiprocessing.get_start_method() != "fork",
    reason="workers inherit the active MLflow run through fork",
)


def train(points: pd.DataFrame) -> LinearRegression:
    return LinearRegression().fit(points[["x"]].values, points["y"].values)


def evaluate(points: pd.DataFrame):
    history = [1.0 / (step + 1) for step in range(1500)]
    metrics = {"rmse": {"value": 0.1, "step": 1}, "curve": [{"value": v} for v in history[:3]]}
    return metrics, history, 0.99


def report(points: pd.DataFrame) -> pd.DataFrame:
    return points.describe()


def pipeline() -> Pipeline:
    return Pipeline(
        [
            node(train, "points", "model", name="train"),
            node(evaluate, "points", ["metrics", "loss", "r2"], name="evaluate"),
            node(report, "points", "report", name="report"),
        ]
    )


def catalog(data, run_id=None) -> DataCatalog:
    points = pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [2.0, 4.0, 6.0]})
    return DataCatalog(
        {
            "points": MemoryDataSet(points),
            "model": MlflowModelLoggerDataSet(
                flavor="mlflow.sklearn", run_id=run_id, save_args=QUICK_SAVE_ARGS
            ),
            "metrics": MlflowMetricsDataSet(prefix="eval", run_id=run_id),
            "loss": MlflowMetricHistoryDataSet(key="loss", run_id=run_id),
            "r2": MlflowMetricDataSet(key="r2", run_id=run_id),
            "report": MlflowArtifactDataSet(
                {"type": "pandas.CSVDataSet", "filepath": str(data / "report.csv")},
                run_id=run_id,
                artifact_path="reports",
            ),
        }
    )


def assert_logged(client, run_id, data):
    run = client.get_run(run_id)
    assert sorted(run.data.metrics) == ["eval.curve", "eval.rmse", "loss", "r2"]
    assert len(client.get_metric_history(run_id, "loss")) == 1500
    assert len(client.get_metric_history(run_id, "eval.curve")) == 3
    names = artifact_names(client, run_id)
    assert "reports/report.csv" in names and "model/MLmodel" in names
    model = mlflow.sklearn.load_model(f"runs:/{run_id}/model")
    assert model.predict(np.array([[5.0]]))[0] == pytest.approx(10.0)
    assert (data / "report.csv").is_file()


def test_parallel_run_logs_to_the_active_run(client, data):
    with mlflow.start_run() as run:
        ParallelRunner(max_workers=2).run(pipeline(), catalog(data))
        assert mlflow.active_run().info.run_id == run.info.run_id  # workers left it alone
    assert_logged(client, run.info.run_id, data)
    assert client.get_run(run.info.run_id).info.status == "FINISHED"


def test_parallel_run_logs_to_the_run_id_of_the_catalog(client, data):
    run_id = client.create_run(experiment_id="0").info.run_id
    client.set_terminated(run_id, "FINISHED")
    ParallelRunner(max_workers=2).run(pipeline(), catalog(data, run_id=run_id))
    assert mlflow.active_run() is None
    assert_logged(client, run_id, data)
    assert client.get_run(run_id).info.status == "FINISHED"


def test_parallel_run_with_logging_off_logs_nothing(tmp_path, data):
    tracked = catalog(data)
    set_logging(tracked, False)
    ParallelRunner(max_workers=2).run(pipeline(), tracked)
    assert (data / "report.csv").is_file()
    assert not (tmp_path / "mlruns").exists()
    assert mlflow.active_run() is None


def test_parallel_run_without_a_run_says_what_to_do(data):
    from kedro.io.core import DataSetError

    with pytest.raises(DataSetError, match=r"no MLflow run is active in this worker process"):
        ParallelRunner(max_workers=2).run(pipeline(), catalog(data))
