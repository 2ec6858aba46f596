"""The hooks that turn every `kedro run` into an MLflow run.

Register `mlflow_pipeline_hook` and `mlflow_node_hook` (kedro >= 0.16.4 does it
from km-hooks' entry points; declaring them by hand as well is harmless).
"""

from .node_hook import MlflowNodeHook, mlflow_node_hook
from .pipeline_hook import MlflowPipelineHook, mlflow_pipeline_hook

__all__ = ["MlflowNodeHook", "MlflowPipelineHook", "mlflow_node_hook", "mlflow_pipeline_hook"]
