"""MlflowModelRegistryDataSet: a registered model, by name and stage or version."""

from typing import Any, Dict, List, Optional, Union

from kedro.io.core import DataSetError
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from kedro_mlflow.io.common.checks import argument_error, optional_mapping
from kedro_mlflow.io.common.runs import short_message

from .flavor import Flavor
from .mlflow_abstract_model_dataset import MlflowAbstractModelDataSet

STAGES = {stage.lower(): stage for stage in ("None", "Staging", "Production", "Archived")}
LATEST = "latest"


def parse_stage_or_version(owner: str, value: Any) -> Union[int, str]:
    """A version number (int), a stage name (canonical spelling) or ``"latest"``."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit() and int(text) > 0:
            return int(text)
        if text.lower() == LATEST:
            return LATEST
        if text.lower() in STAGES:
            return STAGES[text.lower()]
    raise argument_error(
        owner,
        "stage_or_version",
        "a version number, 'latest' or a stage ('" + "', '".join(STAGES.values()) + "')",
        value,
    )


class MlflowModelRegistryDataSet(MlflowAbstractModelDataSet):
    """Load a model of the MLflow model registry (read-only).

    The version is resolved when loading: a number is that version, a stage the most
    recent version in it, ``"latest"`` the most recent version of all.

    Args:
        model_name: the registered model's name.
        stage_or_version: a version number, a stage (``Staging``, ``Production``,
            ``Archived``, ``None``) or ``"latest"`` (default).
        flavor: the flavor that loads it (``mlflow.pyfunc`` by default: a model that
            predicts whatever its flavor).
        load_args: keyword arguments of the flavor's ``load_model``.

    Example:
        In ``catalog.yml``:

        .. code-block:: yaml

            production_model:
              type: kedro_mlflow.io.models.MlflowModelRegistryDataSet
              model_name: churn
              stage_or_version: Production

        In Python, with a store that has a registry (a database, or a tracking server):

        .. code-block:: python

            import mlflow
            import mlflow.sklearn
            from sklearn.linear_model import LinearRegression

            from kedro_mlflow.io.models import MlflowModelRegistryDataSet

            mlflow.set_tracking_uri("sqlite:///mlflow.db")
            model = LinearRegression().fit([[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0])
            with mlflow.start_run():
                mlflow.sklearn.log_model(model, "model", registered_model_name="churn")
            latest = MlflowModelRegistryDataSet(model_name="churn", flavor="mlflow.sklearn")
            assert round(float(latest.load().predict([[3.0]])[0]), 6) == 7.0
    """

    def __init__(
        self,
        model_name: str,
        stage_or_version: Union[str, int] = LATEST,
        flavor: str = "mlflow.pyfunc",
        load_args: Optional[Dict[str, Any]] = None,
    ) -> None:
        owner = type(self).__name__
        if not isinstance(model_name, str) or not model_name.strip():
            raise argument_error(owner, "model_name", "a registered model's name", model_name)
        self._model_name = model_name
        self._stage_or_version = parse_stage_or_version(owner, stage_or_version)
        self._flavor = Flavor(owner, flavor, None, ("load_model",))
        self._load_args = optional_mapping(owner, "load_args", load_args)

    @property
    def model_name(self) -> str:
        """The registered model's name."""
        return self._model_name

    def resolve_version(self) -> int:
        """The version number ``stage_or_version`` designates now."""
        versions = self._versions()
        wanted = self._stage_or_version
        if isinstance(wanted, int):
            if wanted not in {version for version, _ in versions}:
                raise DataSetError(f"{self}: model {self._model_name!r} has no version {wanted}")
            return wanted
        if wanted != LATEST:
            versions = [(version, stage) for version, stage in versions if stage == wanted]
        if not versions:
            raise DataSetError(
                f"{self}: model {self._model_name!r} has no version in stage {wanted!r}"
            )
        return max(version for version, _ in versions)

    def _versions(self) -> List[Any]:
        name = self._model_name.replace("'", "\\'")
        try:
            # a new client each time: it follows mlflow.set_registry_uri() (loads are rare)
            found = MlflowClient().search_model_versions(f"name='{name}'")
        except MlflowException as error:
            raise DataSetError(
                f"{self}: the model registry cannot be searched ({short_message(error)})"
            ) from None
        versions = [(int(v.version), v.current_stage) for v in found if v.name == self._model_name]
        if not versions:
            raise DataSetError(f"{self}: no model named {self._model_name!r} is registered")
        return versions

    def _load(self) -> Any:
        uri = f"models:/{self._model_name}/{self.resolve_version()}"
        return self._flavor.load(uri, self._load_args)

    def _save(self, data: Any) -> None:
        raise DataSetError(
            f"{self} is read-only: register models with MlflowModelLoggerDataSet's"
            " save_args {'registered_model_name': ...} or mlflow.register_model()"
        )

    def _exists(self) -> bool:
        try:
            self.resolve_version()
        except DataSetError:
            return False
        return True

    def _describe(self) -> Dict[str, Any]:
        return {
            "model_name": self._model_name,
            "stage_or_version": self._stage_or_version,
            "flavor": self._flavor.name,
        }
