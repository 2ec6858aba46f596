"""The two forms of pipeline_ml_factory's options: kedro-mlflow 0.7.x's and 0.8.x's.

0.7.x takes ``conda_env``, ``model_name``, ``model_signature`` and ``**kwargs``
(KedroPipelineModel's and ``mlflow.pyfunc.log_model``'s arguments mixed); 0.8.x takes
``log_model_kwargs`` (``mlflow.pyfunc.log_model``'s own names: ``artifact_path``,
``signature``, ``conda_env``, ...) and ``kpm_kwargs`` (``copy_mode``, ``runner``). Both
come down to the same PipelineML options; one call uses one form.
"""

from typing import Any, Dict, Mapping, Optional

from .errors import ModelOptionError

# 0.8.x's log_model_kwargs names -> PipelineML's
_RENAMED = {"artifact_path": "model_name", "signature": "model_signature"}
# 0.7.x's defaults: an argument left at them does not count as using the 0.7.x form
DEFAULTS_07 = {"conda_env": None, "model_name": "model", "model_signature": "auto"}


def pipeline_ml_options(
    options_07: Dict[str, Any],
    kwargs: Dict[str, Any],
    kpm_kwargs: Optional[Mapping[str, Any]],
    log_model_kwargs: Optional[Mapping[str, Any]],
) -> Dict[str, Any]:
    """PipelineML's keyword arguments from whichever form the call used."""
    if kpm_kwargs is None and log_model_kwargs is None:
        return {**options_07, **kwargs}
    used_07 = sorted(
        [name for name, value in options_07.items() if value != DEFAULTS_07[name]] + list(kwargs)
    )
    if used_07:
        raise ModelOptionError(
            "pipeline_ml_factory takes either kedro-mlflow 0.7.x's arguments (conda_env,"
            " model_name, model_signature, **kwargs) or 0.8.x's (log_model_kwargs,"
            f" kpm_kwargs), not both: this call gives {', '.join(used_07)} with"
            " log_model_kwargs/kpm_kwargs. Move them into log_model_kwargs (artifact_path,"
            " signature, conda_env, ...) or kpm_kwargs (copy_mode, runner)."
        )
    options = dict(DEFAULTS_07)
    for name, value in _mapping("log_model_kwargs", log_model_kwargs).items():
        options[_RENAMED.get(name, name)] = value
    for name, value in _mapping("kpm_kwargs", kpm_kwargs).items():
        if name not in ("copy_mode", "runner"):
            raise ModelOptionError(
                f"kpm_kwargs takes copy_mode and runner (KedroPipelineModel's options),"
                f" got {name!r}."
            )
        options[name] = value
    return options


def _mapping(name: str, value: Optional[Mapping[str, Any]]) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ModelOptionError(f"{name} must be a dict, got {type(value).__name__} {value!r}.")
    return value
