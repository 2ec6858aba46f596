"""MlflowArtifactDataSet: any file-backed kedro dataset whose saves are logged as artifacts."""

import logging
import shutil
import tempfile
from pathlib import Path
from typing import Any, Dict, Optional

from kedro.io.core import DataSetError
from mlflow.exceptions import MlflowException

from kedro_mlflow.compat.mlflow_compat import retry_half_written_metric
from kedro_mlflow.io.common import AbstractMlflowDataSet, tracking_client
from kedro_mlflow.io.common.checks import optional_run_id, relative_artifact_path
from kedro_mlflow.io.common.runs import active_run_id, existing_run, short_message, start_run_for

from . import wrapped

logger = logging.getLogger(__name__)


def _merge(owner: str, name: str, given: Any, nested: Dict[str, Any]) -> Any:
    """An argument given at the top or under ``data_set``; both, if they differ, is an error."""
    if name not in nested:
        return given
    if given is not None and given != nested[name]:
        raise DataSetError(
            f"{owner}: {name!r} is given twice, as {given!r} and under 'data_set' as"
            f" {nested[name]!r}: keep one"
        )
    return nested[name]


class MlflowArtifactDataSet(AbstractMlflowDataSet):
    """Wrap a kedro dataset: each ``save`` also logs the file it wrote to MLflow.

    Args:
        data_set: the wrapped dataset's config, as in ``catalog.yml``: ``type`` (a class
            or an import path such as ``"pandas.CSVDataSet"``), a local ``filepath``
            (a file or a folder) and any other argument of that type, ``versioned: True``
            included.
        run_id: the run to log to, and to download the artifact from on ``load``.
            ``None``: ``save`` logs to the active run (starting one if none is active,
            as MLflow does) and ``load`` reads the local file.
        artifact_path: the folder of the run the artifact goes to (``None``: the run's
            artifact root).
        credentials: passed on to the wrapped dataset, as the catalog does.

    Example:
        In ``catalog.yml``:

        .. code-block:: yaml

            confusion_matrix:
              type: kedro_mlflow.io.artifacts.MlflowArtifactDataSet
              artifact_path: reporting
              data_set:
                type: pandas.CSVDataSet
                filepath: data/08_reporting/confusion_matrix.csv

        In Python:

        .. code-block:: python

            import mlflow
            import pandas as pd
            from mlflow.tracking import MlflowClient

            from kedro_mlflow.io.artifacts import MlflowArtifactDataSet

            dataset = MlflowArtifactDataSet(
                data_set={"type": "pandas.CSVDataSet", "filepath": "matrix.csv"},
                artifact_path="reporting",
            )
            with mlflow.start_run() as run:
                dataset.save(pd.DataFrame({"predicted": [0, 1], "actual": [0, 1]}))
            logged = MlflowClient().list_artifacts(run.info.run_id, "reporting")
            assert [artifact.path for artifact in logged] == ["reporting/matrix.csv"]
    """

    def __init__(
        self,
        data_set: Dict[str, Any],
        run_id: Optional[str] = None,
        artifact_path: Optional[str] = None,
        credentials: Optional[Dict[str, Any]] = None,
    ) -> None:
        owner = type(self).__name__
        config = dict(wrapped.check_config(owner, data_set))
        if credentials is not None:
            config["credentials"] = credentials
        config, nested = wrapped.split_wrapper_arguments(config, ("run_id", "artifact_path"))
        run_id = _merge(owner, "run_id", run_id, nested)
        artifact_path = _merge(owner, "artifact_path", artifact_path, nested)
        # the path first: a remote one would fail to build without its filesystem package
        self._local_path = wrapped.local_path(owner, config)
        self._data_set = wrapped.build(owner, config)
        self._type = wrapped.type_name(config["type"])
        self._run_id = optional_run_id(owner, run_id)
        self._artifact_path = relative_artifact_path(owner, "artifact_path", artifact_path)

    @property
    def data_set(self) -> Any:
        """The wrapped kedro dataset."""
        return self._data_set

    @property
    def run_id(self) -> Optional[str]:
        """The run artifacts are logged to and loaded from (``None``: the active run)."""
        return self._run_id

    @property
    def artifact_path(self) -> Optional[str]:
        """The run's folder the artifact goes to (``None``: the artifact root)."""
        return self._artifact_path

    def _remote_path(self, local: Path) -> str:
        """The artifact's path in the run: ``artifact_path/<file or folder name>``."""
        return f"{self._artifact_path}/{local.name}" if self._artifact_path else local.name

    def _save(self, data: Any) -> None:
        if self.logging_enabled and self._run_id:
            # Refuse before writing anything when the run cannot take the artifact.
            existing_run(str(self), self._run_id)
        self._data_set.save(data)
        if not self.logging_enabled:
            return
        local = wrapped.saved_path(self._data_set, self._local_path)
        run_id = self._run_id or active_run_id() or start_run_for(str(self))
        client = tracking_client()
        try:
            if local.is_dir():
                remote = self._remote_path(local)
                retry_half_written_metric(lambda: client.log_artifacts(run_id, str(local), remote))
            else:
                retry_half_written_metric(
                    lambda: client.log_artifact(run_id, str(local), self._artifact_path)
                )
        except (MlflowException, OSError) as error:
            # kedro passes some OSErrors on as they are: name the dataset and artifact here
            raise DataSetError(
                f"{self}: {local} was saved, but could not be logged to run {run_id} as"
                f" {self._remote_path(local)!r} ({type(error).__name__}: {short_message(error)})"
            ) from error
        logger.info("%s: %s logged to run %s as %s", self, local, run_id, self._remote_path(local))

    def _load(self) -> Any:
        if self._run_id:
            self._download(self._run_id)
        return self._data_set.load()

    def _download(self, run_id: str) -> None:
        """Replace the local copy with the artifact of ``run_id`` (the documented behaviour)."""
        existing_run(str(self), run_id)
        target = wrapped.load_target(self._data_set, self._local_path)
        remote = self._remote_path(target)
        with tempfile.TemporaryDirectory() as folder:
            try:
                fetched = tracking_client().download_artifacts(run_id, remote, folder)
            except (MlflowException, OSError) as error:
                raise DataSetError(
                    f"{self}: run {run_id} has no artifact {remote!r} to load"
                    f" ({short_message(error)})"
                ) from None
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(fetched, str(target))
        self._data_set.release()
        logger.info("%s: artifact %s of run %s downloaded to %s", self, remote, run_id, target)

    def _exists(self) -> bool:
        return self._data_set.exists()

    def _release(self) -> None:
        super()._release()
        self._data_set.release()

    def _describe(self) -> Dict[str, Any]:
        return {
            "data_set": f"{self._type}(filepath={self._local_path})",
            "run_id": self._run_id,
            "artifact_path": self._artifact_path,
        }
