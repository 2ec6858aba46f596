"""km-pipelineml's iris_demo test project trained, and its inference pipeline logged as a
model in a file store: what the serving tests start from."""

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mlflow
import pandas as pd
from km_testkit.mlflow_state import tracking_at

FIXTURES = Path(__file__).resolve().parents[1] / "packages" / "km-pipelineml" / "tests" / "fixtures"


@dataclass
class LoggedModel:
    uri: str  # runs:/<id>/model
    tracking_uri: str
    instances: pd.DataFrame  # what the model was trained on
    catalog: Any  # the training's catalog: the fitted objects are saved under `folder`
    pipeline_ml: Any

    def project_predictions(self, rows: pd.DataFrame) -> pd.DataFrame:
        """What the project's inference pipeline, run by kedro here, answers for ``rows``."""
        from kedro.io import DataCatalog, MemoryDataSet
        from kedro.runner import SequentialRunner

        feed = DataCatalog(
            {
                "instances": MemoryDataSet(rows),
                "scaler": MemoryDataSet(self.catalog.load("scaler")),
                "classifier": MemoryDataSet(self.catalog.load("classifier")),
            }
        )
        return SequentialRunner().run(self.pipeline_ml.inference, feed)["predictions"]


def train_and_log(folder: Path, experiment: str) -> LoggedModel:
    """Train iris_demo (its fitted objects saved in ``folder / "training"``) and log its
    model to a new ``experiment`` of the file store ``folder / "mlruns"``."""
    sys.path.insert(0, str(FIXTURES))
    try:
        import iris_demo.nodes
        import iris_demo.pipeline
    finally:
        sys.path.remove(str(FIXTURES))
    from kedro.extras.datasets.pickle import PickleDataSet
    from kedro.io import DataCatalog, MemoryDataSet
    from kedro.runner import SequentialRunner

    from kedro_mlflow.mlflow import log_pipeline_ml

    training = folder / "training"
    instances, labels = iris_demo.nodes.iris_frames()
    catalog = DataCatalog(
        {
            "instances": MemoryDataSet(instances),
            "labels": MemoryDataSet(labels),
            "scaler": PickleDataSet(filepath=str(training / "scaler.pkl")),
            "classifier": PickleDataSet(filepath=str(training / "classifier.pkl")),
        }
    )
    pipeline_ml = iris_demo.pipeline.create_pipelines()["training"]
    SequentialRunner().run(pipeline_ml, catalog)
    tracking_uri = (folder / "mlruns").as_uri()
    with tracking_at(tracking_uri, unset_after=True):
        experiment_id = mlflow.create_experiment(experiment)
        with mlflow.start_run(experiment_id=experiment_id):
            uri = log_pipeline_ml(pipeline_ml, catalog, input_data=instances)
    return LoggedModel(uri, tracking_uri, instances, catalog, pipeline_ml)
