import sys
from pathlib import Path

import mlflow
import pytest
from kedro.extras.datasets.pickle import PickleDataSet
from kedro.io import DataCatalog, MemoryDataSet
from kedro.runner import SequentialRunner
from km_testkit.mlflow_state import tracking_at

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    """Holds ``iris_demo``, the project package; on sys.path like an installed package."""
    if str(FIXTURES) not in sys.path:
        sys.path.insert(0, str(FIXTURES))
    return FIXTURES


@pytest.fixture
def iris(fixtures_dir):
    import iris_demo.nodes
    import iris_demo.pipeline

    return iris_demo


@pytest.fixture
def iris_catalog(tmp_path, iris):
    """The training data in memory, the fitted objects pickled under tmp_path/data."""
    instances, labels = iris.nodes.iris_frames()
    data = tmp_path / "data"
    return DataCatalog(
        {
            "instances": MemoryDataSet(instances),
            "labels": MemoryDataSet(labels),
            "scaler": PickleDataSet(filepath=str(data / "scaler.pkl")),
            "classifier": PickleDataSet(filepath=str(data / "classifier.pkl")),
        }
    )


@pytest.fixture
def trained(iris, iris_catalog):
    """(PipelineML, catalog, instances) after a real training run with kedro's runner."""
    pipeline_ml = iris.pipeline.create_pipelines()["training"]
    instances = iris_catalog.load("instances")
    SequentialRunner().run(pipeline_ml, iris_catalog)
    return pipeline_ml, iris_catalog, instances


@pytest.fixture(params=["file", "sqlite"])
def tracking(request, tmp_path, monkeypatch):
    """A real, empty MLflow store (file or SQLite) with artifacts under tmp_path."""
    if request.param == "file":
        uri = (tmp_path / "mlruns").as_uri()
    else:
        uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    # set_experiment below is process-wide: the previous selection comes back afterwards.
    with tracking_at(uri, monkeypatch, unset_after=True):
        experiment_id = mlflow.create_experiment(
            "km-pipelineml", artifact_location=(tmp_path / "artifacts").as_uri()
        )
        mlflow.set_experiment("km-pipelineml")
        yield {"uri": uri, "experiment_id": experiment_id}


@pytest.fixture(autouse=True)
def _no_tracking_uri_from_outside(monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
