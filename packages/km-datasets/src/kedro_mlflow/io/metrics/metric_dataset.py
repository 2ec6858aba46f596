"""MlflowMetricDataSet: one number, logged as one metric at one step."""

from typing import Any, Dict, Optional

from kedro.io.core import DataSetError

from kedro_mlflow.io.common import run_to_log
from kedro_mlflow.io.common.checks import argument_error, keyword_options, one_of_two

from .named_metric import NamedMetricDataSet
from .store import latest_values, log_points, next_step, read_history
from .values import check_step, check_value

SAVE_MODES = ("overwrite", "append")


class MlflowMetricDataSet(NamedMetricDataSet):
    """A single metric: ``save`` logs a number, ``load`` reads it back as a float.

    ``save`` logs to ``run_id``, else to the active run; with neither it fails and logs
    nothing (it does not start a run, as kedro-mlflow 0.8.1's guide documents).

    Args:
        key: the metric's name. ``None`` lets the hooks name it after its catalog entry.
        run_id: the run to log to and load from; ``None`` means the active run.
        load_args: ``{"step": N}``: ``load`` returns the value at step N (the last one
            logged there); without it, the metric's latest value (MLflow's: the value at
            the largest step).
        save_args: ``{"step": N, "mode": "overwrite" | "append"}``: the step a save logs
            at. Without a step, ``"overwrite"`` (the default) logs at step 0 and
            ``"append"`` at the step after the metric's largest step in the run (0 for a
            new metric), so repeated saves build a history; with a step, mode is ignored.
        step: this package's shorthand for the same step in ``save_args`` and
            ``load_args``; giving it with a different step there is an error.

    Example:
        In ``catalog.yml``:

        .. code-block:: yaml

            best_score:
              type: kedro_mlflow.io.metrics.MlflowMetricDataSet
              key: best_score
              save_args:
                mode: append

        In Python:

        .. code-block:: python

            import mlflow

            from kedro_mlflow.io.metrics import MlflowMetricDataSet

            score = MlflowMetricDataSet(key="best_score", save_args={"mode": "append"})
            with mlflow.start_run():
                score.save(0.81)  # step 0
                score.save(0.86)  # step 1
                assert score.load() == 0.86
    """

    def __init__(
        self,
        key: Optional[str] = None,
        run_id: Optional[str] = None,
        load_args: Optional[Dict[str, Any]] = None,
        save_args: Optional[Dict[str, Any]] = None,
        step: Optional[int] = None,
    ) -> None:
        super().__init__(key=key, run_id=run_id)
        owner = type(self).__name__
        load_options = keyword_options(owner, "load_args", load_args, ("step",))
        save_options = keyword_options(owner, "save_args", save_args, ("step", "mode"))
        if step is not None:
            step = check_step(owner, "argument 'step'", step)
        for argument, options in (("load_args", load_options), ("save_args", save_options)):
            if "step" in options:
                options["step"] = check_step(owner, f"{argument}['step']", options["step"])
        self._load_step = one_of_two(
            owner, "'step'", step, "load_args['step']", load_options.get("step")
        )
        self._save_step = one_of_two(
            owner, "'step'", step, "save_args['step']", save_options.get("step")
        )
        self._mode = save_options.get("mode", "overwrite")
        if self._mode not in SAVE_MODES:
            raise argument_error(owner, "save_args['mode']", "'overwrite' or 'append'", self._mode)

    @property
    def load_args(self) -> Dict[str, Any]:
        """What ``load`` reads, in kedro-mlflow 0.8.1's form."""
        return {} if self._load_step is None else {"step": self._load_step}

    @property
    def save_args(self) -> Dict[str, Any]:
        """Where ``save`` logs, in kedro-mlflow 0.8.1's form."""
        options: Dict[str, Any] = {"mode": self._mode}
        if self._save_step is not None:
            options["step"] = self._save_step
        return options

    def _save(self, data: float) -> None:
        key = self._require_key()
        value = check_value(str(self), f"metric {key!r}", data)
        if not self.logging_enabled:
            self._keep(value)
            return
        run_id = run_to_log(str(self), self._run_id, start=False)
        if self._save_step is not None:
            step = self._save_step
        elif self._mode == "append":
            # one read of the metric's history per save: a monitoring pipeline saves
            # rarely, and the run, not this object, knows the last step
            step = next_step(run_id, key)
        else:
            step = 0
        log_points(str(self), run_id, {key: [(step, value)]})

    def _load(self) -> float:
        kept = self._kept_data()
        if kept is not None and not self.logging_enabled:
            return kept
        key = self._require_key()
        run_id = self._run_to_read(self._run_id)
        if self._load_step is None:
            values = latest_values(run_id)
            if key not in values:
                raise DataSetError(f"{self}: run {run_id} has no metric {key!r}")
            return values[key]
        at_step = [value for step, value in read_history(run_id, key) if step == self._load_step]
        if not at_step:
            raise DataSetError(
                f"{self}: run {run_id} has no value of {key!r} at step {self._load_step}"
            )
        return at_step[-1]

    def _exists_in_run(self, run_id: str) -> bool:
        return self._key is not None and self._key in latest_values(run_id)

    def _describe(self) -> Dict[str, Any]:
        return {
            "key": self._key,
            "run_id": self._run_id,
            "load_args": self.load_args or None,
            # the default is left out, so a plain dataset reads MlflowMetricDataSet(key=...)
            "save_args": None if self.save_args == {"mode": "overwrite"} else self.save_args,
        }
