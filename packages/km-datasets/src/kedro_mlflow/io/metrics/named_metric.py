"""What the one-metric datasets share: a key named after the catalog entry by default."""

from typing import Optional

from kedro.io.core import DataSetError

from kedro_mlflow.io.common import AbstractMlflowDataSet
from kedro_mlflow.io.common.checks import optional_run_id, optional_text

from .values import check_key


class NamedMetricDataSet(AbstractMlflowDataSet):
    """A dataset for one metric ``key`` of a run (``run_id``, else the active run)."""

    def __init__(self, key: Optional[str] = None, run_id: Optional[str] = None) -> None:
        owner = type(self).__name__
        key = optional_text(owner, "key", key)
        self._key = None if key is None else check_key(owner, key, "key")
        self._run_id = optional_run_id(owner, run_id)

    @property
    def key(self) -> Optional[str]:
        """The metric's name in MLflow."""
        return self._key

    @key.setter
    def key(self, key: str) -> None:
        self._key = check_key(type(self).__name__, key, "key")

    @property
    def run_id(self) -> Optional[str]:
        """The run this dataset logs to and loads from (``None``: the active run)."""
        return self._run_id

    def set_catalog_name(self, name: str) -> None:
        """Use the catalog entry's name as key, unless a key was given."""
        if self._key is None:
            self.key = name.split("@", 1)[0]

    def _require_key(self) -> str:
        if self._key is None:
            raise DataSetError(
                f"{self}: 'key' is not set: give key=..., or use the dataset in a catalog"
                " with kedro-mlflow's hooks, which name it after its entry"
            )
        return self._key
