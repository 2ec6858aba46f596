"""km-datasets against a real `mlflow server` (SQLite store, 127.0.0.1), requests counted.

Request counts are deterministic, so they are asserted: a 2,000-step history must reach
the server in a handful of requests, not one per value (the reference sends 2,007).
"""

import multiprocessing

import mlflow
import mlflow.sklearn
import numpy as np
import pandas as pd
import pytest
from kedro.io import DataCatalog, MemoryDataSet
from kedro.io.core import DataSetError
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
from kedro_mlflow.io.models import MlflowModelLoggerDataSet, MlflowModelRegistryDataSet

pytestmark = pytest.mark.slow

FRAME = pd.DataFrame({"a": [1, 2, 3], "b": [4.0, 5.0, 6.0]})
QUICK = {"conda_env": {"dependencies": ["python", "pip", {"pip": ["mlflow"]}]}}
STEPS = 2000


def fitted(slope: float = 2.0) -> LinearRegression:
    x = np.array([[1.0], [2.0], [3.0]])
    return LinearRegression().fit(x, x[:, 0] * slope)


def log_batches(tracking) -> int:
    return sum(n for name, n in tracking.counter.by_endpoint().items() if "log-batch" in name)


def test_a_2000_step_history_through_metrics_dataset_takes_at_most_5_requests(server_tracking):
    history = [{"value": 1.0 / (step + 1), "step": step} for step in range(STEPS)]
    with mlflow.start_run() as run:
        server_tracking.counter.reset()
        MlflowMetricsDataSet(prefix="train").save({"loss": history})
        requests = server_tracking.counter.count()
    assert requests <= 5, server_tracking.counter.by_endpoint()
    assert log_batches(server_tracking) == 2  # 1,000 values per batch
    stored = server_tracking.client.get_metric_history(run.info.run_id, "train.loss")
    assert sorted((m.step, m.value) for m in stored)[1999] == (1999, pytest.approx(1 / 2000))
    loaded = MlflowMetricsDataSet(prefix="train", run_id=run.info.run_id).load()
    assert len(loaded["loss"]) == STEPS and loaded["loss"][10] == {"value": 1 / 11, "step": 10}


def test_a_2000_step_history_through_history_dataset_takes_at_most_5_requests(server_tracking):
    with mlflow.start_run() as run:
        server_tracking.counter.reset()
        MlflowMetricHistoryDataSet(key="loss").save([float(step) for step in range(STEPS)])
        requests = server_tracking.counter.count()
    assert requests <= 5, server_tracking.counter.by_endpoint()
    loaded = MlflowMetricHistoryDataSet(key="loss", run_id=run.info.run_id, mode="dict").load()
    assert loaded == {step: float(step) for step in range(STEPS)}


def test_saving_to_a_run_id_adds_one_request_to_check_the_run(server_tracking):
    run_id = server_tracking.client.create_run(server_tracking.experiment_id).info.run_id
    server_tracking.counter.reset()
    # 1,001 values: two batches (mlflow 1.x servers insert metrics one by one: keep it short)
    MlflowMetricHistoryDataSet(key="loss", run_id=run_id).save([1.0] * 1001)
    assert server_tracking.counter.count() == 3, server_tracking.counter.by_endpoint()
    assert mlflow.active_run() is None


def test_one_metric_is_one_request(server_tracking):
    with mlflow.start_run() as run:
        server_tracking.counter.reset()
        MlflowMetricDataSet(key="r2").save(0.87)
        assert server_tracking.counter.count() == 1
    assert MlflowMetricDataSet(key="r2", run_id=run.info.run_id).load() == pytest.approx(0.87)


def test_bad_metrics_send_nothing(server_tracking):
    with mlflow.start_run() as run:
        server_tracking.counter.reset()
        good = [{"value": 1.0, "step": step} for step in range(1500)]
        with pytest.raises(DataSetError, match=r"the value must be a number"):
            MlflowMetricsDataSet().save({"good": good, "bad": {"value": "x"}})
        assert server_tracking.counter.count() == 0
    assert server_tracking.client.get_run(run.info.run_id).data.metrics == {}


def test_interactive_save_starts_a_run_on_the_server(server_tracking):
    MlflowMetricsDataSet().save({"m": {"value": 1.0, "step": 0}})
    run = mlflow.active_run()
    assert run is not None and run.info.experiment_id == server_tracking.experiment_id
    assert server_tracking.client.get_run(run.info.run_id).data.metrics == {"m": 1.0}


def test_a_single_metric_without_a_run_logs_nothing_on_the_server(server_tracking):
    """As the 0.8.1 guide documents: MlflowMetricDataSet starts no run of its own."""
    client = server_tracking.client
    before = client.search_runs([server_tracking.experiment_id])
    with pytest.raises(DataSetError, match="no MLflow run is active"):
        MlflowMetricDataSet(key="m").save(1.0)
    assert mlflow.active_run() is None
    assert client.search_runs([server_tracking.experiment_id]) == before


def test_artifacts_go_to_the_server_and_come_back(server_tracking, local_data):
    dataset = MlflowArtifactDataSet(
        {"type": "pandas.CSVDataSet", "filepath": str(local_data / "table.csv")},
        artifact_path="tables",
    )
    with mlflow.start_run() as run:
        dataset.save(FRAME)
    run_id = run.info.run_id
    client = server_tracking.client
    assert [f.path for f in client.list_artifacts(run_id, "tables")] == ["tables/table.csv"]
    elsewhere = local_data / "elsewhere"
    elsewhere.mkdir()
    downloaded = client.download_artifacts(run_id, "tables/table.csv", str(elsewhere))
    pd.testing.assert_frame_equal(pd.read_csv(downloaded), FRAME)
    reloaded = MlflowArtifactDataSet(
        {"type": "pandas.CSVDataSet", "filepath": str(local_data / "copy" / "table.csv")},
        run_id=run_id,
        artifact_path="tables",
    )
    pd.testing.assert_frame_equal(reloaded.load(), FRAME)


def test_a_model_folder_goes_to_the_server_and_comes_back(server_tracking, local_data):
    config = {
        "type": "kedro_mlflow.io.models.MlflowModelSaverDataSet",
        "flavor": "mlflow.sklearn",
        "save_args": QUICK,
    }
    with mlflow.start_run() as run:
        MlflowArtifactDataSet({**config, "filepath": str(local_data / "model")}).save(fitted())
    reloaded = MlflowArtifactDataSet(
        {**config, "filepath": str(local_data / "copy" / "model")}, run_id=run.info.run_id
    )
    assert reloaded.load().predict(np.array([[4.0]]))[0] == pytest.approx(8.0)
    served = mlflow.pyfunc.load_model(f"runs:/{run.info.run_id}/model")
    assert served.predict(pd.DataFrame({"x": [1.0]}))[0] == pytest.approx(2.0)


def test_logged_models_load_and_predict(server_tracking):
    with mlflow.start_run() as run:
        MlflowModelLoggerDataSet(flavor="mlflow.sklearn", save_args=QUICK).save(fitted(3.0))
    model = MlflowModelLoggerDataSet(flavor="mlflow.sklearn", run_id=run.info.run_id).load()
    assert model.predict(np.array([[2.0]]))[0] == pytest.approx(6.0)


def test_registered_models_load_by_stage_and_version(server_tracking):
    name = f"model-{server_tracking.experiment_name}"
    for slope in (1.0, 2.0):
        with mlflow.start_run() as run:
            MlflowModelLoggerDataSet(flavor="mlflow.sklearn", save_args=QUICK).save(fitted(slope))
        mlflow.register_model(f"runs:/{run.info.run_id}/model", name)
    server_tracking.client.transition_model_version_stage(name, "1", "Production")
    production = MlflowModelRegistryDataSet(name, "Production", flavor="mlflow.sklearn")
    assert production.load().predict(np.array([[1.0]]))[0] == pytest.approx(1.0)
    latest = MlflowModelRegistryDataSet(name)
    assert latest.load().predict(pd.DataFrame({"x": [1.0]}))[0] == pytest.approx(2.0)


def test_an_unknown_run_id_is_a_clear_error(server_tracking):
    with pytest.raises(DataSetError, match=r"run_id '0+1' names no run of the tracking store"):
        MlflowMetricsDataSet(run_id="0" * 31 + "1").save({"m": {"value": 1.0}})


def test_with_logging_off_no_request_reaches_the_server(server_tracking, local_data):
    catalog = DataCatalog(
        {
            "metrics": MlflowMetricsDataSet(),
            "history": MlflowMetricHistoryDataSet(key="loss"),
            "model": MlflowModelLoggerDataSet(flavor="mlflow.sklearn"),
            "table": MlflowArtifactDataSet(
                {"type": "pandas.CSVDataSet", "filepath": str(local_data / "t.csv")}
            ),
        }
    )
    set_logging(catalog, False)
    catalog.save("metrics", {"m": {"value": 1.0}})
    catalog.save("history", [1.0] * STEPS)
    catalog.save("model", fitted())
    catalog.save("table", FRAME)
    assert catalog.load("history") == [1.0] * STEPS
    pd.testing.assert_frame_equal(catalog.load("table"), FRAME)
    assert server_tracking.counter.count() == 0
    assert mlflow.active_run() is None


def produce(points: pd.DataFrame):
    history = [float(step) for step in range(300)]
    return {"rmse": {"value": 0.5}}, history, points


@pytest.mark.skipif(multiprocessing.get_start_method() != "fork", reason="needs fork")
def test_parallel_runner_run_logs_to_the_server(server_tracking, local_data):
    catalog = DataCatalog(
        {
            "points": MemoryDataSet(FRAME),
            "metrics": MlflowMetricsDataSet(prefix="eval"),
            "loss": MlflowMetricHistoryDataSet(key="loss"),
            "table": MlflowArtifactDataSet(
                {"type": "pandas.CSVDataSet", "filepath": str(local_data / "t.csv")}
            ),
        }
    )
    pipeline = Pipeline([node(produce, "points", ["metrics", "loss", "table"])])
    with mlflow.start_run() as run:
        ParallelRunner(max_workers=2).run(pipeline, catalog)
    run_id = run.info.run_id
    stored = server_tracking.client.get_run(run_id)
    assert sorted(stored.data.metrics) == ["eval.rmse", "loss"]
    assert len(server_tracking.client.get_metric_history(run_id, "loss")) == 300
    assert [f.path for f in server_tracking.client.list_artifacts(run_id)] == ["t.csv"]
