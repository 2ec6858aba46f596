"""kedro's entry points into km-hooks: the hook objects kedro >= 0.16.4 registers itself.

They are other objects than `kedro_mlflow.framework.hooks.mlflow_pipeline_hook` and
`mlflow_node_hook`: pluggy refuses one object registered twice, and users may list
the documented ones by hand while these are registered; the hooks run each call once.
The module is named after the distribution because `kedro info` looks it up so.
"""

from kedro_mlflow.framework.hooks import MlflowNodeHook, MlflowPipelineHook

pipeline_hook = MlflowPipelineHook()
node_hook = MlflowNodeHook()
