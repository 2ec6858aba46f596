"""MlflowMetricDataSet: one number, logged as one metric at one step."""

from typing import Any, Dict, Optional

from kedro.io.core import DataSetError

from kedro_mlflow.io.common import run_to_log

from .named_metric import NamedMetricDataSet
from .store import latest_values, log_points, read_history
from .values import check_step, check_value


class MlflowMetricDataSet(NamedMetricDataSet):
    """A single metric: ``save`` logs a number, ``load`` reads it back as a float.

    Args:
        key: the metric's name. ``None`` lets the hooks name it after its catalog entry.
        run_id: the run to log to and load from; ``None`` means the active run (a save
            with no active run starts one, as ``mlflow.log_metric`` does).
        step: the step the value is logged at (0 when ``None``, as in MLflow). ``load``
            returns the value at this step; without a step, the metric's latest value.
    """

    def __init__(
        self, key: Optional[str] = None, run_id: Optional[str] = None, step: Optional[int] = None
    ) -> None:
        super().__init__(key=key, run_id=run_id)
        owner = type(self).__name__
        self._step = None if step is None else check_step(owner, "argument 'step'", step)

    def _save(self, data: float) -> None:
        key = self._require_key()
        value = check_value(str(self), f"metric {key!r}", data)
        if not self.logging_enabled:
            self._keep(value)
            return
        run_id = run_to_log(str(self), self._run_id)
        log_points(str(self), run_id, {key: [(self._step or 0, value)]})

    def _load(self) -> float:
        kept = self._kept_data()
        if kept is not None and not self.logging_enabled:
            return kept
        key = self._require_key()
        run_id = self._run_to_read(self._run_id)
        if self._step is None:
            values = latest_values(run_id)
            if key not in values:
                raise DataSetError(f"{self}: run {run_id} has no metric {key!r}")
            return values[key]
        at_step = [value for step, value in read_history(run_id, key) if step == self._step]
        if not at_step:
            raise DataSetError(f"{self}: run {run_id} has no value of {key!r} at step {self._step}")
        return at_step[-1]

    def _exists_in_run(self, run_id: str) -> bool:
        return self._key is not None and self._key in latest_values(run_id)

    def _describe(self) -> Dict[str, Any]:
        return {"key": self._key, "run_id": self._run_id, "step": self._step}
