"""A project's kedro-mlflow configuration, read from its kedro context or session."""

from typing import Any, Optional

from kedro_mlflow.compat.kedro_compat import (
    active_context,
    context_package_name,
    context_project_path,
)

from .mlflow_config import KedroMlflowConfig
from .reader import read_mlflow_config


def get_mlflow_config(context: Optional[Any] = None) -> KedroMlflowConfig:
    """The validated mlflow.yml of a project, for the context's environment.

    ``context`` is a ``KedroContext`` (``load_context(...)`` on kedro 0.16,
    ``session.load_context()`` on 0.17) or a ``KedroSession``; without it, the
    current session's context, else the project in the working directory.
    Call ``.setup()`` on the result to point MLflow at it.
    """
    if context is None:
        context = active_context()
    elif not hasattr(context, "config_loader") and hasattr(context, "load_context"):
        context = context.load_context()
    return read_mlflow_config(
        context.config_loader,
        project_path=context_project_path(context),
        package_name=context_package_name(context),
    )
