"""An inference input declared as an MlflowArtifactDataSet is shipped from its local file.

km-datasets' dataset saves through the file dataset it wraps (and logs that file to the
run); km-pipelineml ships the wrapped file with the model, so the model loads it
without MLflow logging anything.
"""

import os

import mlflow
import pandas as pd
from iris_model import FIXTURES
from kedro.extras.datasets.pickle import PickleDataSet
from kedro.io import DataCatalog, MemoryDataSet
from kedro.runner import SequentialRunner
from km_testkit.mlflow_state import tracking_at

from kedro_mlflow.io.artifacts import MlflowArtifactDataSet
from kedro_mlflow.mlflow import log_pipeline_ml


def test_an_mlflow_artifact_dataset_input_is_shipped_from_its_file(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(FIXTURES))
    import iris_demo.nodes
    import iris_demo.pipeline

    instances, labels = iris_demo.nodes.iris_frames()
    scaler_file = tmp_path / "data" / "scaler.pkl"
    catalog = DataCatalog(
        {
            "instances": MemoryDataSet(instances),
            "labels": MemoryDataSet(labels),
            "scaler": MlflowArtifactDataSet(
                data_set={"type": "pickle.PickleDataSet", "filepath": str(scaler_file)}
            ),
            "classifier": PickleDataSet(filepath=str(tmp_path / "data" / "classifier.pkl")),
        }
    )
    pipeline_ml = iris_demo.pipeline.create_pipelines()["training"]
    pipeline_ml.check_artifacts_persisted(catalog)
    # the experiment another test of this process selected is not in this store
    with tracking_at((tmp_path / "mlruns").as_uri(), monkeypatch, unset_after=True):
        with mlflow.start_run() as run:
            SequentialRunner().run(pipeline_ml, catalog)
            uri = log_pipeline_ml(pipeline_ml, catalog, run, input_data=instances)
        client = mlflow.tracking.MlflowClient()
        # The dataset logged its file to the run, as it does in any kedro run ...
        assert "scaler.pkl" in [a.path for a in client.list_artifacts(run.info.run_id)]
        # ... and the model ships the same local file.
        paths = pipeline_ml.extract_pipeline_artifacts(catalog)
        assert paths["scaler"] == str(scaler_file)
        local = client.download_artifacts(run.info.run_id, "model")
        assert sorted(os.listdir(os.path.join(local, "artifacts"))) == [
            "classifier.pkl",
            "scaler.pkl",
        ]
        predicted = mlflow.pyfunc.load_model(uri).predict(instances)
    scaler = PickleDataSet(filepath=str(scaler_file)).load()
    classifier = catalog.load("classifier")
    expected = iris_demo.nodes.predict(iris_demo.nodes.scale(instances, scaler), classifier)
    pd.testing.assert_frame_equal(predicted, expected)
