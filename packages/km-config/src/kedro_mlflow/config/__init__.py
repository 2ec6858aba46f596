"""kedro-mlflow's configuration: the mlflow.yml schema, its loading and `setup()`."""

from .errors import KedroMlflowConfigError
from .layouts import LAYOUTS
from .mlflow_config import KedroMlflowConfig
from .project_config import get_mlflow_config
from .reader import read_mlflow_config
from .schema import (
    LONG_PARAMETERS_STRATEGIES,
    DictParamsOptions,
    DisableTrackingOptions,
    ExperimentOptions,
    HookOptions,
    NodeHookOptions,
    ParamsOptions,
    RunOptions,
    SchemaKey,
    ServerOptions,
    ServerTrackingLayout,
    TrackingExperimentOptions,
    TrackingOptions,
    UiOptions,
    iter_keys,
)
from .template import render_mlflow_yml

__all__ = [
    "LAYOUTS",
    "LONG_PARAMETERS_STRATEGIES",
    "DictParamsOptions",
    "DisableTrackingOptions",
    "ExperimentOptions",
    "HookOptions",
    "KedroMlflowConfig",
    "KedroMlflowConfigError",
    "NodeHookOptions",
    "ParamsOptions",
    "RunOptions",
    "SchemaKey",
    "ServerOptions",
    "ServerTrackingLayout",
    "TrackingExperimentOptions",
    "TrackingOptions",
    "UiOptions",
    "get_mlflow_config",
    "iter_keys",
    "read_mlflow_config",
    "render_mlflow_yml",
]
