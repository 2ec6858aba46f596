"""``KedroMlflowConfig``: the validated mlflow.yml, and ``setup()`` to point MLflow at it."""

from typing import Any

import attrs

from .credentials import credentials_of
from .schema import ConfigValues
from .tracking_setup import setup_tracking

__all__ = ["KedroMlflowConfig"]


@attrs.define
class KedroMlflowConfig(ConfigValues):
    """The validated content of a project's mlflow.yml.

    Build it with :func:`kedro_mlflow.framework.context.get_mlflow_config` (from a
    project) or ``from_dict``; then :meth:`setup` points MLflow at it.
    """

    def setup(self, session: Any = None) -> str:
        """Export the credentials, set the tracking URI and the experiment.

        Returns the experiment id. ``session`` (a ``KedroSession`` or context, as
        kedro-mlflow 0.7.3 took) only serves to read credentials.yml when this
        configuration was not loaded from a project.
        """
        if session is not None and self.credentials_loader is None:
            self.credentials_loader = credentials_of(session)
        return setup_tracking(self)
