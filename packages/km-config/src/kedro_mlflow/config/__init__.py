"""kedro-mlflow's configuration: the mlflow.yml schema, its loading and `setup()`."""

from .errors import KedroMlflowConfigError
from .reader import read_mlflow_config
from .schema import (
    LONG_PARAMETERS_STRATEGIES,
    DisableTrackingOptions,
    ExperimentOptions,
    HookOptions,
    KedroMlflowConfig,
    NodeHookOptions,
    RunOptions,
    SchemaKey,
    UiOptions,
    iter_keys,
)
from .template import render_mlflow_yml

__all__ = [
    "LONG_PARAMETERS_STRATEGIES",
    "DisableTrackingOptions",
    "ExperimentOptions",
    "HookOptions",
    "KedroMlflowConfig",
    "KedroMlflowConfigError",
    "NodeHookOptions",
    "RunOptions",
    "SchemaKey",
    "UiOptions",
    "iter_keys",
    "read_mlflow_config",
    "render_mlflow_yml",
]
