"""Metric batches sent in the background while logging is deferred (a tracked kedro run).

On a real file store: what is saved is in the run once flushed, a load sees what was
saved before it, a batch that cannot be written fails the flush (not the save), and
without deferral, or in a ParallelRunner worker, saves send at once.
"""

import contextlib
import multiprocessing
from pathlib import Path

import mlflow
import pytest
from kedro.io import DataCatalog, MemoryDataSet
from kedro.io.core import DataSetError
from kedro.pipeline import Pipeline, node
from kedro.runner import ParallelRunner

from kedro_mlflow.io.common import defer_logging, flush_deferred
from kedro_mlflow.io.common.deferred import deferring
from kedro_mlflow.io.metrics import (
    MlflowMetricDataSet,
    MlflowMetricHistoryDataSet,
    MlflowMetricsDataSet,
)

HISTORY = [1.0 / (step + 1) for step in range(2500)]


@pytest.fixture(autouse=True)
def _nothing_deferred_after():
    yield
    with contextlib.suppress(Exception):  # a failing batch left by a test: asserted there
        flush_deferred()


def history(client, run_id, key):
    return sorted((m.step, m.value) for m in client.get_metric_history(run_id, key))


def test_deferred_saves_are_in_the_run_once_flushed(client):
    with mlflow.start_run() as run:
        defer_logging()
        assert deferring()
        MlflowMetricHistoryDataSet(key="loss").save(HISTORY)
        MlflowMetricsDataSet(prefix="eval").save({"acc": {"value": 0.9, "step": 1}})
        MlflowMetricDataSet(key="r2").save(0.75)
        flush_deferred()
        assert not deferring()
    assert history(client, run.info.run_id, "loss") == list(enumerate(HISTORY))
    assert client.get_run(run.info.run_id).data.metrics == {
        "loss": HISTORY[-1],
        "eval.acc": 0.9,
        "r2": 0.75,
    }


def test_a_load_sees_what_was_saved_before_it(client):
    with mlflow.start_run():
        defer_logging()
        dataset = MlflowMetricHistoryDataSet(key="loss")
        dataset.save(HISTORY)
        assert dataset.load() == HISTORY  # waited for the pending batches
        metrics = MlflowMetricsDataSet(prefix="eval")
        metrics.save({"acc": [{"value": 0.5, "step": 0}, {"value": 0.7, "step": 1}]})
        assert metrics.load() == {"acc": [{"value": 0.5, "step": 0}, {"value": 0.7, "step": 1}]}
        flush_deferred()


def test_a_batch_that_cannot_be_written_fails_the_flush_not_the_save(client, tracking_uri):
    with mlflow.start_run() as run:
        # a file where the run's metrics folder goes: nobody can write there, root included
        metrics = Path(run.info.artifact_uri.replace("file://", "")).parent / "metrics"
        if metrics.is_dir():
            metrics.rmdir()
        metrics.write_text("not a folder")
        defer_logging()
        MlflowMetricHistoryDataSet(key="loss").save(HISTORY)  # checked and queued
        with pytest.raises(DataSetError) as raised:
            flush_deferred()
    message = str(raised.value)
    assert message.startswith("MlflowMetricHistoryDataSet(")
    assert f"the values of loss could not be logged to run {run.info.run_id}" in message
    assert not deferring()


def test_without_deferral_a_save_sends_before_it_returns(client):
    assert not deferring()
    with mlflow.start_run() as run:
        MlflowMetricHistoryDataSet(key="loss").save(HISTORY[:10])
        assert history(client, run.info.run_id, "loss") == list(enumerate(HISTORY[:10]))


def curve(start):
    return HISTORY


@pytest.mark.skipif(
    multiprocessing.get_start_method() != "fork",
    reason="workers inherit the active MLflow run through fork",
)
def test_parallel_runner_workers_send_at_once_while_the_parent_defers(client):
    with mlflow.start_run() as run:
        defer_logging()
        catalog = DataCatalog(
            {"loss": MlflowMetricHistoryDataSet(key="loss"), "start": MemoryDataSet(1)}
        )
        pipeline = Pipeline([node(curve, "start", "loss", name="curve")])
        ParallelRunner(max_workers=2).run(pipeline, catalog)
        flush_deferred()
    assert history(client, run.info.run_id, "loss") == list(enumerate(HISTORY))


def test_messages_say_queued_when_queued_and_logged_when_logged(client, caplog):
    caplog.set_level("INFO", logger="kedro_mlflow.io.metrics.store")
    with mlflow.start_run() as run:
        run_id = run.info.run_id
        defer_logging()
        MlflowMetricsDataSet(prefix="eval").save({"acc": {"value": 0.9, "step": 1}})
        queued = [r.getMessage() for r in caplog.records]
        flush_deferred()
        MlflowMetricDataSet(key="r2").save(0.75)  # not deferred: logged before the save ends
    messages = [r.getMessage() for r in caplog.records]
    assert any(f"1 metric values queued for run {run_id}" in m for m in queued), queued
    assert not any("logged" in m for m in queued[:1]), queued
    logged = [m for m in messages if f"metric values logged to run {run_id}" in m]
    assert len(logged) == 2, messages  # the queued save once sent, and the direct one
    assert not any("queued" in m and "r2" in m for m in messages), messages
