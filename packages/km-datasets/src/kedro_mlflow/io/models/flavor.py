"""An MLflow model flavor (``mlflow.sklearn``, a custom module...) and how to call it."""

import importlib
from types import ModuleType
from typing import Any, Dict, Iterable, Optional

from kedro.io.core import DataSetError

from kedro_mlflow.io.common.checks import argument_error, describe

PYFUNC = "mlflow.pyfunc"
PYFUNC_WORKFLOWS = ("python_model", "loader_module")


class Flavor:
    """A flavor module, checked once and imported by name when used.

    Only the name is kept, so datasets holding a Flavor pickle and deep-copy.

    Args:
        owner: the dataset's name, for error messages.
        name: the module's import path.
        pyfunc_workflow: ``None``, ``"python_model"`` or ``"loader_module"``: with a
            workflow, the saved object goes to ``log_model``/``save_model`` as that
            keyword (the pyfunc API), else as their first argument (every built-in flavor).
        functions: the functions the dataset calls; the module must have them.
    """

    def __init__(
        self,
        owner: str,
        name: Any,
        pyfunc_workflow: Optional[str],
        functions: Iterable[str],
    ) -> None:
        if not isinstance(name, str) or not name.strip():
            raise argument_error(owner, "flavor", "the import path of an MLflow flavor", name)
        if pyfunc_workflow is not None and pyfunc_workflow not in PYFUNC_WORKFLOWS:
            raise argument_error(
                owner, "pyfunc_workflow", "None, 'python_model' or 'loader_module'", pyfunc_workflow
            )
        self.name = name
        self.pyfunc_workflow = pyfunc_workflow
        module = self._import(owner)
        missing = [
            function for function in functions if not callable(getattr(module, function, None))
        ]
        if missing:
            raise DataSetError(
                f"{owner}: flavor {name!r} is not an MLflow flavor module: it has no"
                f" {' or '.join(missing)} function"
            )

    def _import(self, owner: str) -> ModuleType:
        try:
            return importlib.import_module(self.name)
        except Exception as error:  # any error raised while importing the module
            raise DataSetError(
                f"{owner}: flavor {self.name!r} cannot be imported"
                f" ({type(error).__name__}: {error}); install the package that provides it"
            ) from None

    @property
    def module(self) -> ModuleType:
        """The flavor module (already imported once, so this is a dictionary look-up)."""
        return importlib.import_module(self.name)

    def check_can_save(self, owner: str) -> None:
        """Refuse to save with ``mlflow.pyfunc`` and no workflow (loading needs none)."""
        if self.name == PYFUNC and self.pyfunc_workflow is None:
            raise DataSetError(
                f"{owner}: flavor 'mlflow.pyfunc' needs 'pyfunc_workflow' to save: 'python_model'"
                " (save a mlflow.pyfunc.PythonModel) or 'loader_module' (save a loader"
                " module's name, with data_path in save_args); nothing was saved"
            )

    @staticmethod
    def _model_arguments(workflow: str, model: Any) -> Dict[str, Any]:
        if workflow == "loader_module" and isinstance(model, ModuleType):
            model = model.__name__  # pyfunc wants the module's import path
        return {workflow: model}

    def log(self, model: Any, artifact_path: str, save_args: Dict[str, Any]) -> None:
        """Log ``model`` to the active run under ``artifact_path``."""
        if self.pyfunc_workflow:
            arguments = self._model_arguments(self.pyfunc_workflow, model)
            self.module.log_model(artifact_path=artifact_path, **arguments, **save_args)
        else:
            self.module.log_model(model, artifact_path=artifact_path, **save_args)

    def save(self, model: Any, path: str, save_args: Dict[str, Any]) -> None:
        """Save ``model`` to the local folder ``path`` (which must not exist)."""
        if self.pyfunc_workflow:
            arguments = self._model_arguments(self.pyfunc_workflow, model)
            self.module.save_model(path=path, **arguments, **save_args)
        else:
            self.module.save_model(model, path=path, **save_args)

    def load(self, model_uri: str, load_args: Dict[str, Any]) -> Any:
        """Load the model at ``model_uri`` (``runs:/``, ``models:/`` or a local path)."""
        return self.module.load_model(model_uri, **load_args)


def check_reserved(owner: str, argument: str, arguments: Dict[str, Any], reserved: Iterable[str]):
    """Refuse ``save_args`` keys that the dataset sets itself."""
    clashes = sorted(key for key in arguments if key in set(reserved))
    if clashes:
        raise DataSetError(
            f"{owner}: {argument} must not contain {', '.join(map(repr, clashes))}: the dataset"
            f" sets {'it' if len(clashes) == 1 else 'them'} itself, got {describe(arguments)}"
        )
