"""The conda environment a logged model declares."""

import platform
import sys
from typing import Any, Dict, List, Optional, Union

import kedro
from kedro.pipeline import Pipeline

import mlflow
from kedro_mlflow.compat.kedro_compat import node_function

if sys.version_info >= (3, 8):
    from importlib import metadata
else:  # pragma: no cover - Python 3.7
    import importlib_metadata as metadata

# Modules whose nodes never name the project: kedro itself and this plugin.
_NOT_THE_PROJECT = ("kedro", "kedro_mlflow", "builtins", "__main__")


def default_conda_env(inference: Pipeline) -> Dict[str, Any]:
    """This Python, mlflow, kedro, km-pipelineml and the packages the nodes come from.

    The Python version goes in ``dependencies`` as ``python=X.Y.Z``: mlflow 1.2x+ reads
    it from there to build ``python_env.yaml`` and fails when it is missing.
    """
    pip = [
        f"mlflow=={mlflow.__version__}",
        f"kedro=={kedro.__version__}",
        f"km-pipelineml=={metadata.version('km-pipelineml')}",
    ]
    pip += [r for r in project_requirements(inference) if r not in pip]
    return {
        "name": "kedro_mlflow_model",
        "channels": ["conda-forge"],
        "dependencies": [f"python={platform.python_version()}", "pip", {"pip": pip}],
    }


def project_requirements(inference: Pipeline) -> List[str]:
    """``name==version`` for each top-level package the inference nodes' functions live in."""
    requirements = []
    modules = {_top_module(node_function(node)) for node in inference.nodes}
    for top in sorted(module for module in modules if module is not None):
        if top in _NOT_THE_PROJECT or top in sys.builtin_module_names:
            continue
        requirement = _requirement(top)
        if requirement and requirement not in requirements:
            requirements.append(requirement)
    return requirements


def normalise_conda_env(conda_env: Union[None, str, Dict[str, Any]]) -> Any:
    """Turn the documented short form ``{"python": 3.7, "dependencies": [...]}`` into conda's.

    That form has no ``python=`` dependency and no pip section, which mlflow 1.2x+
    rejects; pip-style pins (``pkg==1.0``) go to the pip section, conda ones stay.
    Paths and full environments pass through unchanged.
    """
    if not isinstance(conda_env, dict) or "python" not in conda_env:
        return conda_env
    env = {k: v for k, v in conda_env.items() if k != "python"}
    conda: List[Any] = [f"python={conda_env['python']}"]
    pip: List[str] = []
    for dependency in env.get("dependencies", []):
        if isinstance(dependency, dict):
            pip += list(dependency.get("pip", []))
        elif dependency == "pip" or str(dependency).startswith("python="):
            continue
        elif "==" in str(dependency) or "[" in str(dependency):
            pip.append(str(dependency))
        else:
            conda.append(dependency)
    env["dependencies"] = [*conda, "pip", {"pip": pip}]
    return env


def _top_module(func: Any) -> Optional[str]:
    func = getattr(func, "func", func)  # functools.partial
    module = getattr(func, "__module__", None)
    return module.split(".")[0] if module else None


def _requirement(top: str) -> Optional[str]:
    for name in (top, top.replace("_", "-")):
        try:
            return f"{name}=={metadata.version(name)}"
        except metadata.PackageNotFoundError:
            continue
    # A kedro project run from its sources is importable but not installed.
    version = getattr(sys.modules.get(top), "__version__", None)
    if version:
        return f"{top}=={version}"
    if top in sys.modules and getattr(sys.modules[top], "__file__", None):
        return top
    return None
