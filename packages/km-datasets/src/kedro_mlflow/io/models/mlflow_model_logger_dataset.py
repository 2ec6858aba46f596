"""MlflowModelLoggerDataSet: a model logged to an MLflow run with its flavor, loaded back."""

import logging
from typing import Any, Dict, Optional

from kedro.io.core import DataSetError
from mlflow.exceptions import MlflowException

from kedro_mlflow.compat.mlflow_compat import reopen_run, retry_half_written_metric
from kedro_mlflow.io.common import tracking_client
from kedro_mlflow.io.common.checks import (
    optional_mapping,
    optional_run_id,
    relative_artifact_path,
)
from kedro_mlflow.io.common.runs import active_run_id, existing_run, short_message, start_run_for

from .flavor import PYFUNC_WORKFLOWS, Flavor, check_reserved
from .mlflow_abstract_model_dataset import MlflowAbstractModelDataSet

logger = logging.getLogger(__name__)


class MlflowModelLoggerDataSet(MlflowAbstractModelDataSet):
    """A model stored in an MLflow run, through its flavor's ``log_model``/``load_model``.

    Saving logs to ``run_id`` when it is given and no run is active, else to the active
    run (starting one if none is active, as MLflow does). Saving to ``run_id`` while
    another run is active fails: MLflow flavors log to the active run only. Loading
    reads ``runs:/<run_id or active run>/<artifact_path>``.

    Args:
        flavor: the flavor module: ``mlflow.sklearn``, any built-in one, or the import
            path of a custom flavor module.
        run_id: the run to save to and load from (``None``: the active run).
        artifact_path: the model's folder in the run.
        pyfunc_workflow: ``"python_model"`` or ``"loader_module"`` for ``mlflow.pyfunc``
            and flavors with pyfunc's API: the saved object is passed as that argument.
        load_args: keyword arguments of the flavor's ``load_model``.
        save_args: keyword arguments of the flavor's ``log_model``.

    Example:
        In ``catalog.yml``:

        .. code-block:: yaml

            regressor:
              type: kedro_mlflow.io.models.MlflowModelLoggerDataSet
              flavor: mlflow.sklearn
              artifact_path: regressor

        In Python:

        .. code-block:: python

            import mlflow
            from sklearn.linear_model import LinearRegression

            from kedro_mlflow.io.models import MlflowModelLoggerDataSet

            model = LinearRegression().fit([[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0])
            with mlflow.start_run() as run:
                MlflowModelLoggerDataSet(flavor="mlflow.sklearn").save(model)
            logged = MlflowModelLoggerDataSet(flavor="mlflow.sklearn", run_id=run.info.run_id)
            assert round(float(logged.load().predict([[3.0]])[0]), 6) == 7.0
    """

    def __init__(
        self,
        flavor: str,
        run_id: Optional[str] = None,
        artifact_path: str = "model",
        pyfunc_workflow: Optional[str] = None,
        load_args: Optional[Dict[str, Any]] = None,
        save_args: Optional[Dict[str, Any]] = None,
    ) -> None:
        owner = type(self).__name__
        self._flavor = Flavor(owner, flavor, pyfunc_workflow, ("log_model", "load_model"))
        self._run_id = optional_run_id(owner, run_id)
        folder = relative_artifact_path(owner, "artifact_path", artifact_path)
        if folder is None:
            raise DataSetError(f"{owner}: 'artifact_path' must name a folder of the run")
        self._artifact_path = folder
        self._load_args = optional_mapping(owner, "load_args", load_args)
        self._save_args = optional_mapping(owner, "save_args", save_args)
        check_reserved(owner, "save_args", self._save_args, ("artifact_path", *PYFUNC_WORKFLOWS))

    @property
    def run_id(self) -> Optional[str]:
        """The run the model is saved to and loaded from (``None``: the active run)."""
        return self._run_id

    @property
    def artifact_path(self) -> str:
        """The model's folder in the run."""
        return self._artifact_path

    def _save(self, model: Any) -> None:
        self._flavor.check_can_save(str(self))
        if not self.logging_enabled:
            self._keep(model)
            return
        active = active_run_id()
        if self._run_id and active not in (None, self._run_id):
            raise DataSetError(
                f"{self}: cannot save to run_id {self._run_id!r} while run {active} is"
                " active: MLflow logs models to the active run only. End the active run"
                " (mlflow.end_run()) or remove run_id to log to the active run"
            )
        if self._run_id and active is None:
            existing_run(str(self), self._run_id)
            with reopen_run(self._run_id):
                self._log(model)
            run_id = self._run_id
        else:
            run_id = active or start_run_for(str(self))
            self._log(model)
        logger.info("%s: model logged to run %s under %s", self, run_id, self._artifact_path)

    def _log(self, model: Any) -> None:
        retry_half_written_metric(
            lambda: self._flavor.log(model, self._artifact_path, self._save_args)
        )

    def _load(self) -> Any:
        kept = self._kept_data()
        if kept is not None and not self.logging_enabled:
            return kept
        run_id = self._run_to_read(self._run_id)
        uri = f"runs:/{run_id}/{self._artifact_path}"
        try:
            return self._flavor.load(uri, self._load_args)
        except (MlflowException, OSError) as error:
            raise DataSetError(
                f"{self}: no model can be loaded from {uri} ({short_message(error)})"
            ) from None

    def _exists_in_run(self, run_id: str) -> bool:
        return bool(tracking_client().list_artifacts(run_id, self._artifact_path))

    def _describe(self) -> Dict[str, Any]:
        return {
            "flavor": self._flavor.name,
            "run_id": self._run_id,
            "artifact_path": self._artifact_path,
            "pyfunc_workflow": self._flavor.pyfunc_workflow,
            # argument names only: values such as an input_example can be large
            "load_args": sorted(self._load_args) or None,
            "save_args": sorted(self._save_args) or None,
        }
