"""The base class of kedro-mlflow's datasets: a public switch for logging to MLflow."""

from typing import Any, Optional

from kedro.io import AbstractDataSet
from kedro.io.core import DataSetError

from .runs import active_run_id, run_to_read


class AbstractMlflowDataSet(AbstractDataSet):
    """A kedro dataset that logs what it saves to MLflow, unless its logging is off.

    ``logging_enabled`` is the switch: the hooks turn it off on every such dataset of
    a pipeline whose tracking is disabled; a script may do the same. With logging off
    a dataset writes nothing to MLflow: file-backed datasets still save and load their
    files, and datasets stored only in MLflow (metrics, logged models) keep what was
    last saved in memory so that later nodes of the same process can load it. Reads
    that a dataset is configured for (a ``run_id``) still happen.

    The switch is a plain attribute: it survives pickling (``ParallelRunner``) and
    ``copy.deepcopy``.
    """

    # A class default keeps subclasses free to define their own __init__.
    _logging_enabled = True
    _kept: Any = None

    @property
    def logging_enabled(self) -> bool:
        """Whether ``save`` logs to MLflow (True unless switched off)."""
        return self._logging_enabled

    @logging_enabled.setter
    def logging_enabled(self, enabled: bool) -> None:
        if not isinstance(enabled, bool):
            raise DataSetError(
                f"{type(self).__name__}: 'logging_enabled' must be True or False,"
                f" got {enabled!r} ({type(enabled).__name__})"
            )
        self._logging_enabled = enabled

    # kedro-mlflow 0.7.3's name of the same switch, which code written for it sets.
    _logging_activated = logging_enabled

    def set_catalog_name(self, name: str) -> None:
        """Tell the dataset the name of its catalog entry.

        Datasets that name what they log after their entry (the metric datasets) use it
        when no name was given; the others ignore it. The hooks call this for every entry.
        """

    def _keep(self, data: Any) -> None:
        """Hold ``data`` in memory while logging is off (``None`` is never saved by kedro)."""
        self._kept = data

    def _kept_data(self) -> Optional[Any]:
        return self._kept

    def _exists(self) -> bool:
        """Kept in memory while logging is off, else present in its run."""
        if not self.logging_enabled and self._kept_data() is not None:
            return True
        run_id = getattr(self, "_run_id", None) or active_run_id()
        return run_id is not None and self._exists_in_run(run_id)

    def _exists_in_run(self, run_id: str) -> bool:
        """Whether the run ``run_id`` holds what this dataset loads."""
        raise NotImplementedError(f"{type(self).__name__} defines its own _exists")

    def _run_to_read(self, run_id: Optional[str]) -> str:
        """The run a load reads from, with a hint when logging is off and nothing is kept."""
        if not self.logging_enabled and not run_id and active_run_id() is None:
            raise DataSetError(
                f"{self}: logging to MLflow is off for this dataset and nothing was saved"
                " to it in this process, so there is nothing to load"
            )
        return run_to_read(str(self), run_id)

    def _release(self) -> None:
        super()._release()
        self._kept = None
