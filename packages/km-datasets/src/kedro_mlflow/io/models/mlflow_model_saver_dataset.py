"""MlflowModelSaverDataSet: a model saved to a local folder with its flavor (kedro-versioned)."""

import logging
import re
import shutil
import uuid
from pathlib import Path, PurePath, PurePosixPath
from typing import Any, Dict, Optional, Union

from kedro.io.core import AbstractVersionedDataSet, DataSetError, Version, get_protocol_and_path

from kedro_mlflow.io.common.checks import argument_error, optional_mapping

from .flavor import PYFUNC_WORKFLOWS, Flavor, check_reserved
from .mlflow_abstract_model_dataset import MlflowAbstractModelDataSet

logger = logging.getLogger(__name__)

# A module's import path: what a flavor is, and what a folder path with a slash is not.
_MODULE_PATH = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")


def _in_release_order(flavor: Any, filepath: Any) -> bool:
    """Whether the two were given in kedro-mlflow 0.8.1's positional order (filepath first).

    Only when that reading is the one that makes sense: ``flavor`` cannot be a module's
    import path (it has a slash, a dash...) and ``filepath`` is one.
    """
    if not isinstance(filepath, str) or not _MODULE_PATH.match(filepath):
        return False
    if isinstance(flavor, PurePath):  # a path object is never a flavor
        return True
    return isinstance(flavor, str) and not _MODULE_PATH.match(flavor)


class MlflowModelSaverDataSet(MlflowAbstractModelDataSet, AbstractVersionedDataSet):
    """A model in a local folder, written by its flavor's ``save_model`` (MLflow's format).

    It logs nothing itself (as the kedro-mlflow guides document); wrap it in an
    ``MlflowArtifactDataSet`` to also log the folder to the run. With ``versioned: True``
    (or ``version``) each save goes to a new kedro version folder; without, a save
    replaces the folder (the old one is removed only once the new one is written).

    Args:
        flavor: the flavor module: ``mlflow.sklearn``, any built-in one, or the import
            path of a custom flavor module.
        filepath: the local folder of the model.
        pyfunc_workflow: ``"python_model"`` or ``"loader_module"`` for ``mlflow.pyfunc``
            and flavors with pyfunc's API: the saved object is passed as that argument.
        load_args: keyword arguments of the flavor's ``load_model``.
        save_args: keyword arguments of the flavor's ``save_model``.
        log_args: accepted for kedro-mlflow 0.8.1's catalogs, which may carry it, and
            ignored as that release ignores it: the dataset logs nothing (a warning says so).
        version: a kedro ``Version``, or a version string to load (as in the docs).

    ``MlflowModelSaverDataSet(filepath, flavor)``, 0.8.1's positional order, is read as
    such when the first argument cannot be a flavor's import path and the second is one.


    Example:
        In ``catalog.yml`` (wrapped, so that each save is also logged to the run):

        .. code-block:: yaml

            regressor:
              type: kedro_mlflow.io.artifacts.MlflowArtifactDataSet
              data_set:
                type: kedro_mlflow.io.models.MlflowModelSaverDataSet
                flavor: mlflow.sklearn
                filepath: data/06_models/regressor

        In Python:

        .. code-block:: python

            from sklearn.linear_model import LinearRegression

            from kedro_mlflow.io.models import MlflowModelSaverDataSet

            saved = MlflowModelSaverDataSet(flavor="mlflow.sklearn", filepath="regressor")
            saved.save(LinearRegression().fit([[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0]))
            assert round(float(saved.load().predict([[3.0]])[0]), 6) == 7.0
    """

    def __init__(
        self,
        flavor: str,
        filepath: str,
        pyfunc_workflow: Optional[str] = None,
        load_args: Optional[Dict[str, Any]] = None,
        save_args: Optional[Dict[str, Any]] = None,
        log_args: Optional[Dict[str, Any]] = None,
        version: Union[Version, str, None] = None,
    ) -> None:
        owner = type(self).__name__
        if _in_release_order(flavor, filepath):
            flavor, filepath = filepath, flavor
        self._flavor = Flavor(owner, flavor, pyfunc_workflow, ("save_model", "load_model"))
        if not isinstance(filepath, (str, Path)) or not str(filepath).strip():
            raise argument_error(owner, "filepath", "a local folder path", filepath)
        protocol, path = get_protocol_and_path(str(filepath))
        if protocol != "file":
            raise argument_error(owner, "filepath", "a local folder path", filepath)
        if isinstance(version, str):
            version = Version(version, None)
        elif version is not None and not isinstance(version, Version):
            raise argument_error(owner, "version", "a kedro Version or a version string", version)
        self._load_args = optional_mapping(owner, "load_args", load_args)
        self._save_args = optional_mapping(owner, "save_args", save_args)
        check_reserved(owner, "save_args", self._save_args, ("path", *PYFUNC_WORKFLOWS))
        self._log_args = optional_mapping(owner, "log_args", log_args)
        if self._log_args:
            logger.warning(
                "%s (%s): log_args is ignored: this dataset saves the model to its folder"
                " and logs nothing to MLflow, as kedro-mlflow 0.8.1 did. To also log it,"
                " wrap the entry in kedro_mlflow.io.artifacts.MlflowArtifactDataSet",
                owner,
                filepath,
            )
        super().__init__(filepath=PurePosixPath(path), version=version)

    def _save(self, model: Any) -> None:
        self._flavor.check_can_save(str(self))
        target = Path(str(self._get_save_path()))
        target.parent.mkdir(parents=True, exist_ok=True)
        # save_model refuses an existing folder: write beside it, then swap, so a failed
        # save leaves the previous model in place.
        staging = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.saving")
        try:
            self._flavor.save(model, str(staging), self._save_args)
            if target.exists():
                shutil.rmtree(target)
            staging.rename(target)
        finally:
            if staging.exists():
                shutil.rmtree(staging)

    def _load(self) -> Any:
        path = Path(str(self._get_load_path()))
        if not path.exists():
            raise DataSetError(f"{self}: there is no model at {path}")
        return self._flavor.load(str(path), self._load_args)

    def _exists(self) -> bool:
        return Path(str(self._get_load_path())).exists()

    def _describe(self) -> Dict[str, Any]:
        return {
            "flavor": self._flavor.name,
            "filepath": str(self._filepath),
            "pyfunc_workflow": self._flavor.pyfunc_workflow,
            "load_args": sorted(self._load_args) or None,
            "save_args": sorted(self._save_args) or None,
            "log_args": sorted(self._log_args) or None,
            "version": self._version,
        }
