"""Code written against kedro-mlflow 0.7.3 imports and runs unchanged.

Every module path its users import resolves in the combined install and gives the
same objects as our own paths; the 0.7.3 helpers behave as that release's users rely
on (a catalog's logging switched off, a dict flattened, a config read back).
"""

import importlib

import mlflow
import pytest
from kedro.io import DataCatalog
from km_testkit.mlflow_state import tracking_at
from mlflow.tracking import MlflowClient

# module path -> names that code written for 0.7.3 imports from it
REFERENCE_PATHS = {
    "kedro_mlflow.framework.context": ["get_mlflow_config"],
    "kedro_mlflow.framework.context.config": ["KedroMlflowConfig", "KedroMlflowConfigError"],
    "kedro_mlflow.framework.context.mlflow_context": ["get_mlflow_config"],
    "kedro_mlflow.framework.hooks": [
        "MlflowNodeHook",
        "MlflowPipelineHook",
        "mlflow_node_hook",
        "mlflow_pipeline_hook",
    ],
    "kedro_mlflow.framework.hooks.node_hook": [
        "MlflowNodeHook",
        "mlflow_node_hook",
        "flatten_dict",
    ],
    "kedro_mlflow.framework.hooks.pipeline_hook": ["MlflowPipelineHook", "mlflow_pipeline_hook"],
    "kedro_mlflow.io.artifacts": ["MlflowArtifactDataSet"],
    "kedro_mlflow.io.artifacts.mlflow_artifact_dataset": ["MlflowArtifactDataSet"],
    "kedro_mlflow.io.metrics": ["MlflowMetricsDataSet"],
    "kedro_mlflow.io.metrics.mlflow_metrics_dataset": ["MlflowMetricsDataSet"],
    "kedro_mlflow.io.models": ["MlflowModelLoggerDataSet", "MlflowModelSaverDataSet"],
    "kedro_mlflow.io.models.mlflow_model_logger_dataset": ["MlflowModelLoggerDataSet"],
    "kedro_mlflow.io.models.mlflow_model_saver_dataset": ["MlflowModelSaverDataSet"],
    "kedro_mlflow.io.models.mlflow_abstract_model_dataset": ["MlflowAbstractModelDataSet"],
    "kedro_mlflow.io.catalog.switch_catalog_logging": ["switch_catalog_logging"],
    "kedro_mlflow.mlflow": ["KedroPipelineModel"],
    "kedro_mlflow.mlflow.kedro_pipeline_model": ["KedroPipelineModel"],
    "kedro_mlflow.pipeline": [
        "pipeline_ml_factory",
        "KedroMlflowPipelineMLInputsError",
        "KedroMlflowPipelineMLDatasetsError",
        "KedroMlflowPipelineMLOutputsError",
    ],
    "kedro_mlflow.pipeline.pipeline_ml": ["PipelineML"],
    "kedro_mlflow.pipeline.pipeline_ml_factory": ["pipeline_ml_factory"],
}


@pytest.mark.parametrize("path", sorted(REFERENCE_PATHS))
def test_reference_module_paths_give_the_reference_names(path: str):
    module = importlib.import_module(path)
    missing = [name for name in REFERENCE_PATHS[path] if not hasattr(module, name)]
    assert not missing, f"{path} lacks {missing}"


def test_reference_paths_give_the_same_objects_as_ours():
    from kedro_mlflow.config import KedroMlflowConfig
    from kedro_mlflow.framework.context.config import KedroMlflowConfig as Reference
    from kedro_mlflow.framework.hooks import mlflow_node_hook, mlflow_pipeline_hook
    from kedro_mlflow.framework.hooks.node_hook import mlflow_node_hook as node_hook
    from kedro_mlflow.framework.hooks.pipeline_hook import mlflow_pipeline_hook as pipeline_hook
    from kedro_mlflow.io.models import MlflowModelLoggerDataSet, MlflowModelSaverDataSet
    from kedro_mlflow.io.models.mlflow_abstract_model_dataset import MlflowAbstractModelDataSet

    assert Reference is KedroMlflowConfig
    assert node_hook is mlflow_node_hook and pipeline_hook is mlflow_pipeline_hook
    assert issubclass(MlflowModelLoggerDataSet, MlflowAbstractModelDataSet)
    assert issubclass(MlflowModelSaverDataSet, MlflowAbstractModelDataSet)


def test_the_factory_stays_a_function_whatever_is_imported_first():
    from kedro_mlflow.pipeline import pipeline_ml_factory
    from kedro_mlflow.pipeline.pipeline_ml_factory import pipeline_ml_factory as from_module

    assert callable(pipeline_ml_factory) and pipeline_ml_factory is from_module


def test_flatten_dict_as_0_7_3_documents_it():
    from kedro_mlflow.framework.hooks.node_hook import flatten_dict

    nested = {"a": {"b": 1, "c": {"d": 2}}, "e": 3}
    assert flatten_dict(nested) == {"a.b": 1, "a.c.d": 2, "e": 3}
    assert flatten_dict(nested, recursive=False, sep="__") == {"a__b": 1, "a__c": {"d": 2}, "e": 3}


@pytest.fixture
def tracking_uri(tmp_path, monkeypatch):
    """A file store for this test, set as mlflow's tracking URI while it runs."""
    monkeypatch.delenv("MLFLOW_EXPERIMENT_ID", raising=False)
    # the experiment another test of this process selected is not in this store
    with tracking_at((tmp_path / "mlruns").as_uri(), monkeypatch) as uri:
        yield uri


def test_switch_catalog_logging_turns_the_datasets_logging_off(tracking_uri: str):
    from kedro_mlflow.io.catalog.switch_catalog_logging import switch_catalog_logging
    from kedro_mlflow.io.metrics import MlflowMetricsDataSet

    uri = tracking_uri
    metrics = MlflowMetricsDataSet(prefix="quiet")
    catalog = DataCatalog({"metrics": metrics})
    switch_catalog_logging(catalog, False)
    assert metrics._logging_activated is False and metrics.logging_enabled is False
    with mlflow.start_run() as run:
        catalog.save("metrics", {"loss": {"value": 0.5, "step": 0}})
    assert MlflowClient(uri).get_run(run.info.run_id).data.metrics == {}
    switch_catalog_logging(catalog)  # logging_flag defaults to True
    assert metrics._logging_activated is True
    with mlflow.start_run() as run:
        catalog.save("metrics", {"loss": {"value": 0.5, "step": 0}})
    assert MlflowClient(uri).get_run(run.info.run_id).data.metrics == {"quiet.loss": 0.5}


def test_config_keeps_0_7_3_attributes_and_methods(tmp_path):
    from kedro_mlflow.framework.context.config import KedroMlflowConfig

    config = KedroMlflowConfig.from_dict(
        {"experiment": {"name": "exp"}, "ui": {"port": "5001"}}, project_path=tmp_path
    )
    # 0.7.3's keys, and 0.8's restore_if_deleted (read in the flat layout too)
    assert config.experiment_opts == {"name": "exp", "create": True, "restore_if_deleted": True}
    assert config.run_opts == {"id": None, "name": None, "nested": True}
    assert config.ui_opts == {"port": 5001, "host": None}
    assert config.disable_tracking_opts == {"pipelines": []}
    assert config.node_hook_opts["long_parameters_strategy"] == "fail"
    assert config.mlflow_tracking_uri == (tmp_path / "mlruns").as_uri()
    assert isinstance(config.mlflow_client, MlflowClient)
    # 0.7.3 code updates an instance in place
    assert config.from_dict({"run": {"nested": False}}) is config
    assert config.run_opts["nested"] is False
    assert config.experiment_opts["name"] == "exp"
    assert config.to_dict()["run"] == {"id": None, "name": None, "nested": False}
