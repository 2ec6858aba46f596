"""MlflowMetricsDataSet: a dict of metrics (values or histories) logged under a prefix."""

import copy
from typing import Any, Dict, List, Optional, Union

from kedro.io.core import DataSetError

from kedro_mlflow.io.common import AbstractMlflowDataSet, run_to_log
from kedro_mlflow.io.common.checks import optional_run_id, optional_text

from .store import log_points, metric_keys, read_history
from .values import Point, check_key, parse_metrics

Entry = Dict[str, Union[float, int]]
MetricsDict = Dict[str, Union[Entry, List[Entry]]]


def catalog_name(name: str) -> str:
    """A catalog entry's name without kedro's transcoding suffix (``name@pandas``)."""
    return name.split("@", 1)[0]


def as_entries(points: List[Point]) -> Union[Entry, List[Entry]]:
    """One point as an entry, several as a list of entries (what ``load`` returns)."""
    entries = [{"value": value, "step": step} for step, value in points]
    return entries[0] if len(entries) == 1 else entries


class MlflowMetricsDataSet(AbstractMlflowDataSet):
    """Metrics returned by a node, logged to MLflow as ``<prefix>.<name>``.

    ``save`` takes ``{"name": {"value": v, "step": s}}`` or ``{"name": [{"value": v,
    "step": s}, ...]}``; a missing step is 0 for a single entry and the entry's position
    in a list. The whole dict is checked before anything is logged, and a history is
    sent in batches (``log_batch``), not one request per value.

    ``load`` reads the run back in the same shape: a metric with one value as an entry,
    a metric with several as the list of its history, ordered by step.

    Args:
        prefix: prepended to every name, with a dot. ``None`` logs the names as they
            are, unless the hooks name the dataset after its catalog entry.
        run_id: the run to log to and load from; ``None`` means the active run (a save
            with no active run starts one, as ``mlflow.log_metric`` does).

    Example:
        In ``catalog.yml`` (the node returns the dict):

        .. code-block:: yaml

            training_metrics:
              type: kedro_mlflow.io.metrics.MlflowMetricsDataSet
              prefix: training

        In Python:

        .. code-block:: python

            import mlflow
            from mlflow.tracking import MlflowClient

            from kedro_mlflow.io.metrics import MlflowMetricsDataSet

            metrics = MlflowMetricsDataSet(prefix="training")
            with mlflow.start_run() as run:
                metrics.save(
                    {
                        "accuracy": {"value": 0.93, "step": 0},
                        "loss": [{"value": 0.7, "step": 0}, {"value": 0.4, "step": 1}],
                    }
                )
            logged = MlflowClient().get_run(run.info.run_id).data.metrics
            assert logged == {"training.accuracy": 0.93, "training.loss": 0.4}
    """

    def __init__(self, prefix: Optional[str] = None, run_id: Optional[str] = None) -> None:
        owner = type(self).__name__
        self._prefix = optional_text(owner, "prefix", prefix)
        if self._prefix is not None:
            check_key(owner, self._prefix, "prefix")
        self._run_id = optional_run_id(owner, run_id)

    @property
    def prefix(self) -> Optional[str]:
        """What is prepended to every metric name (with a dot), if anything."""
        return self._prefix

    @prefix.setter
    def prefix(self, prefix: Optional[str]) -> None:
        owner = type(self).__name__
        prefix = optional_text(owner, "prefix", prefix)
        self._prefix = None if prefix is None else check_key(owner, prefix, "prefix")

    @property
    def run_id(self) -> Optional[str]:
        """The run this dataset logs to and loads from (``None``: the active run)."""
        return self._run_id

    def set_catalog_name(self, name: str) -> None:
        """Use the catalog entry's name as prefix, unless a prefix was given."""
        if self._prefix is None:
            self.prefix = catalog_name(name)

    def _key(self, name: str) -> str:
        return f"{self._prefix}.{name}" if self._prefix else name

    def _save(self, data: MetricsDict) -> None:
        points = parse_metrics(str(self), data)
        keys = {self._key(name): name_points for name, name_points in points.items()}
        for key in keys:
            check_key(str(self), key)
        if not self.logging_enabled:
            self._keep({name: as_entries(name_points) for name, name_points in points.items()})
            return
        run_id = run_to_log(str(self), self._run_id)
        log_points(str(self), run_id, keys)

    def _load(self) -> MetricsDict:
        kept = self._kept_data()
        if kept is not None and not self.logging_enabled:
            return copy.deepcopy(kept)
        run_id = self._run_to_read(self._run_id)
        start = f"{self._prefix}." if self._prefix else ""
        names = [key for key in metric_keys(run_id) if key.startswith(start)]
        if not names:
            raise DataSetError(
                f"{self}: run {run_id} has no metric"
                + (f" whose name starts with {start!r}" if start else "")
            )
        return {key[len(start) :]: as_entries(read_history(run_id, key)) for key in names}

    def _exists_in_run(self, run_id: str) -> bool:
        start = f"{self._prefix}." if self._prefix else ""
        return any(key.startswith(start) for key in metric_keys(run_id))

    def _describe(self) -> Dict[str, Any]:
        return {"prefix": self._prefix, "run_id": self._run_id}
