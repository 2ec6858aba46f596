"""Metrics to and from a run: whole histories in a few ``log_batch`` calls.

During a tracked kedro run the calls are sent in the background (see
:mod:`kedro_mlflow.io.common.deferred`); reads wait for them first.
"""

import logging
import time
from typing import Dict, Iterable, List, Mapping, Tuple

from kedro.io.core import DataSetError
from mlflow.entities import Metric

from kedro_mlflow.compat.mlflow_compat import metric_history
from kedro_mlflow.io.common import tracking_client
from kedro_mlflow.io.common.deferred import deferring, log_call, wait_for_deferred
from kedro_mlflow.io.common.runs import short_message

from .values import Point, StampedPoint

logger = logging.getLogger(__name__)

# The most metrics a tracking server takes in one log_batch call (the REST API's limit,
# the same in mlflow 1.x and 2.x). One call per value would be one HTTP request each.
BATCH_SIZE = 1000


def log_points(owner: str, run_id: str, points: Mapping[str, Iterable[Point]]) -> int:
    """Log every point of every metric to ``run_id``; the number of values logged.

    The points share one timestamp: they are the result of one save. A failure to
    send is a DataSetError naming ``owner`` (the dataset), the metrics and the run,
    raised by the save, or by the hooks' flush when sending is deferred.
    """
    stamped = {
        key: [(step, value, None) for step, value in key_points]
        for key, key_points in points.items()
    }
    return log_stamped_points(owner, run_id, stamped)


def log_stamped_points(
    owner: str, run_id: str, points: Mapping[str, Iterable[StampedPoint]]
) -> int:
    """As :func:`log_points`, a point's own timestamp kept where it has one."""
    now = int(time.time() * 1000)
    metrics = [
        Metric(key, value, now if timestamp is None else timestamp, step)
        for key, key_points in points.items()
        for step, value, timestamp in key_points
    ]
    client = tracking_client()

    def send() -> None:
        try:
            for start in range(0, len(metrics), BATCH_SIZE):
                client.log_batch(run_id, metrics=metrics[start : start + BATCH_SIZE])
        except Exception as error:
            keys = ", ".join(sorted(points))
            raise DataSetError(
                f"{owner}: the values of {keys} could not be logged to run {run_id}"
                f" ({type(error).__name__}: {short_message(error)})"
            ) from error
        logger.info("%s: %d metric values logged to run %s", owner, len(metrics), run_id)

    if deferring():  # said now; "logged" is said once the values are in the run
        logger.info("%s: %d metric values queued for run %s", owner, len(metrics), run_id)
    log_call(send)
    return len(metrics)


def metric_keys(run_id: str) -> List[str]:
    """The keys of every metric logged to ``run_id``."""
    wait_for_deferred()
    return sorted(tracking_client().get_run(run_id).data.metrics)


def latest_values(run_id: str) -> Dict[str, float]:
    """Each metric's latest value (MLflow's: the last logged at the largest step)."""
    wait_for_deferred()
    return dict(tracking_client().get_run(run_id).data.metrics)


def read_history(run_id: str, key: str) -> List[Point]:
    """Every point of the metric ``key``, ordered by step then by logging time."""
    return [(step, value) for step, value, _ in read_stamped_history(run_id, key)]


def read_stamped_history(run_id: str, key: str) -> List[Tuple[int, float, int]]:
    """Every (step, value, timestamp) of the metric ``key``, ordered by step then time."""
    wait_for_deferred()
    history = metric_history(tracking_client(), run_id, key)
    ordered = sorted(history, key=lambda metric: (metric.step, metric.timestamp))
    return [(int(metric.step), float(metric.value), int(metric.timestamp)) for metric in ordered]


def next_step(run_id: str, key: str) -> int:
    """The step after the largest step of ``key`` in the run (0 for a new metric)."""
    steps = [step for step, _, _ in read_stamped_history(run_id, key)]
    return max(steps) + 1 if steps else 0
