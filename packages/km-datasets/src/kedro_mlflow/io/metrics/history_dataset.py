"""MlflowMetricHistoryDataSet: one metric's whole history, logged in batches."""

import time
from typing import Any, Dict, List, Optional, Tuple, Union

from kedro.io.core import DataSetError

from kedro_mlflow.io.common import run_to_log
from kedro_mlflow.io.common.checks import argument_error, keyword_options, one_of_two

from .named_metric import NamedMetricDataSet
from .store import log_stamped_points, metric_keys, read_stamped_history
from .values import HISTORY_SHAPES, parse_history

MODES = tuple(HISTORY_SHAPES)  # ("list", "dict", "history")
History = Union[List[float], Dict[int, float], List[Dict[str, Union[int, float]]]]
# (step, value, timestamp in ms), as read from a run
Logged = Tuple[int, float, int]


def shape(points: List[Logged], mode: str) -> History:
    """``points`` in the shape ``mode`` names."""
    if mode == "list":
        return [value for _, value, _ in points]
    if mode == "dict":
        return {step: value for step, value, _ in points}  # the last value of a step wins
    return [
        {"step": step, "value": value, "timestamp": timestamp} for step, value, timestamp in points
    ]


def _mode(owner: str, argument: str, mode: Any) -> Optional[str]:
    if mode is not None and mode not in MODES:
        raise argument_error(owner, argument, "one of " + ", ".join(map(repr, MODES)), mode)
    return mode


class MlflowMetricHistoryDataSet(NamedMetricDataSet):
    """The history of one metric: every value it took, step by step.

    ``save`` takes three shapes: a list of numbers (value ``i`` at step ``i``), a
    mapping ``{step: value}``, or a list of ``{"step": s, "value": v, "timestamp": t}``
    (``timestamp``, in ms, is optional: the time of the save otherwise). The whole history
    is checked first, then sent in batches of at most 1,000 values. It logs to ``run_id``,
    else to the active run; with neither it fails and logs nothing (it does not start a
    run, as kedro-mlflow 0.8.1 does not).

    ``load`` returns the history ordered by step, in the shape of the load mode:
    ``"list"`` (the values), ``"dict"`` (``{step: value}``) or ``"history"`` (the list
    of ``{"step", "value", "timestamp"}``).

    Args:
        key: the metric's name. ``None`` lets the hooks name it after its catalog entry.
        run_id: the run to log to and load from; ``None`` means the active run.
        load_args: ``{"mode": "list" | "dict" | "history"}``: the shape ``load``
            returns ("list" by default).
        save_args: ``{"mode": "list" | "dict" | "history"}``: the shape ``save`` is
            given; data in another shape is refused. Without it, any of the three.
        mode: this package's name for ``load_args``' mode; giving both with different
            values is an error.

    Example:
        In ``catalog.yml``:

        .. code-block:: yaml

            loss_history:
              type: kedro_mlflow.io.metrics.MlflowMetricHistoryDataSet
              key: loss
              load_args:
                mode: dict

        In Python:

        .. code-block:: python

            import mlflow

            from kedro_mlflow.io.metrics import MlflowMetricHistoryDataSet

            with mlflow.start_run() as run:
                MlflowMetricHistoryDataSet(key="loss").save([0.9, 0.5, 0.3])
            history = MlflowMetricHistoryDataSet(
                key="loss", run_id=run.info.run_id, load_args={"mode": "dict"}
            )
            assert history.load() == {0: 0.9, 1: 0.5, 2: 0.3}
    """

    def __init__(
        self,
        key: Optional[str] = None,
        run_id: Optional[str] = None,
        load_args: Optional[Dict[str, Any]] = None,
        save_args: Optional[Dict[str, Any]] = None,
        mode: Optional[str] = None,
    ) -> None:
        super().__init__(key=key, run_id=run_id)
        owner = type(self).__name__
        load_options = keyword_options(owner, "load_args", load_args, ("mode",))
        save_options = keyword_options(owner, "save_args", save_args, ("mode",))
        load_mode = one_of_two(
            owner,
            "'mode'",
            _mode(owner, "mode", mode),
            "load_args['mode']",
            _mode(owner, "load_args['mode']", load_options.get("mode")),
        )
        self._mode: str = load_mode or "list"
        self._save_mode = _mode(owner, "save_args['mode']", save_options.get("mode"))

    @property
    def load_args(self) -> Dict[str, Any]:
        """The shape ``load`` returns, in kedro-mlflow 0.8.1's form."""
        return {"mode": self._mode}

    @property
    def save_args(self) -> Dict[str, Any]:
        """The shape ``save`` expects (empty: any of the three)."""
        return {} if self._save_mode is None else {"mode": self._save_mode}

    def _save(self, data: History) -> None:
        key = self._require_key()
        points = parse_history(f"{self} metric {key!r}", data, self._save_mode)
        if not points:
            raise DataSetError(f"{self}: the history of {key!r} is empty (nothing was logged)")
        if not self.logging_enabled:
            now = int(time.time() * 1000)
            kept = [(step, value, now if stamp is None else stamp) for step, value, stamp in points]
            self._keep(sorted(kept, key=lambda point: (point[0], point[2])))
            return
        run_id = run_to_log(str(self), self._run_id, start=False)
        log_stamped_points(str(self), run_id, {key: points})

    def _load(self) -> History:
        kept = self._kept_data()
        if kept is not None and not self.logging_enabled:
            return shape(kept, self._mode)
        key = self._require_key()
        run_id = self._run_to_read(self._run_id)
        points = read_stamped_history(run_id, key)
        if not points:
            raise DataSetError(f"{self}: run {run_id} has no metric {key!r}")
        return shape(points, self._mode)

    def _exists_in_run(self, run_id: str) -> bool:
        return self._key is not None and self._key in metric_keys(run_id)

    def _describe(self) -> Dict[str, Any]:
        return {
            "key": self._key,
            "run_id": self._run_id,
            "load_args": self.load_args,
            "save_args": self.save_args or None,
        }
