"""MlflowMetricHistoryDataSet: one metric's whole history, logged in batches."""

from typing import Any, Dict, List, Optional, Union

from kedro.io.core import DataSetError

from kedro_mlflow.io.common import run_to_log
from kedro_mlflow.io.common.checks import argument_error

from .named_metric import NamedMetricDataSet
from .store import log_points, metric_keys, read_history
from .values import Point, parse_history

MODES = ("list", "dict", "history")
History = Union[List[float], Dict[int, float], List[Dict[str, Union[int, float]]]]


def shape(points: List[Point], mode: str) -> History:
    """``points`` in the shape ``mode`` names."""
    if mode == "list":
        return [value for _, value in points]
    if mode == "dict":
        return {step: value for step, value in points}  # the last value of a step wins
    return [{"step": step, "value": value} for step, value in points]


class MlflowMetricHistoryDataSet(NamedMetricDataSet):
    """The history of one metric: every value it took, step by step.

    ``save`` takes any of three shapes: a list of numbers (value ``i`` at step ``i``),
    a mapping ``{step: value}``, or a list of ``{"step": s, "value": v}``. The whole
    history is checked first, then sent in batches of at most 1,000 values.

    ``load`` returns the history ordered by step, in the shape ``mode`` names:
    ``"list"`` (the values), ``"dict"`` (``{step: value}``) or ``"history"`` (the list
    of ``{"step", "value"}``).

    Args:
        key: the metric's name. ``None`` lets the hooks name it after its catalog entry.
        run_id: the run to log to and load from; ``None`` means the active run (a save
            with no active run starts one, as ``mlflow.log_metric`` does).
        mode: the shape ``load`` returns: ``"list"`` (default), ``"dict"`` or ``"history"``.
    """

    def __init__(
        self, key: Optional[str] = None, run_id: Optional[str] = None, mode: str = "list"
    ) -> None:
        super().__init__(key=key, run_id=run_id)
        if mode not in MODES:
            raise argument_error(
                type(self).__name__, "mode", "one of " + ", ".join(map(repr, MODES)), mode
            )
        self._mode = mode

    def _save(self, data: History) -> None:
        key = self._require_key()
        points = parse_history(f"{self} metric {key!r}", data)
        if not points:
            raise DataSetError(f"{self}: the history of {key!r} is empty (nothing was logged)")
        if not self.logging_enabled:
            self._keep(sorted(points, key=lambda point: point[0]))
            return
        run_id = run_to_log(str(self), self._run_id)
        log_points(str(self), run_id, {key: points})

    def _load(self) -> History:
        kept = self._kept_data()
        if kept is not None and not self.logging_enabled:
            return shape(kept, self._mode)
        key = self._require_key()
        run_id = self._run_to_read(self._run_id)
        points = read_history(run_id, key)
        if not points:
            raise DataSetError(f"{self}: run {run_id} has no metric {key!r}")
        return shape(points, self._mode)

    def _exists_in_run(self, run_id: str) -> bool:
        return self._key is not None and self._key in metric_keys(run_id)

    def _describe(self) -> Dict[str, Any]:
        return {"key": self._key, "run_id": self._run_id, "mode": self._mode}
