"""A PipelineML's model, logged by a training run, answers `mlflow models serve|predict`."""

import json
import subprocess
import sys
import urllib.error
from pathlib import Path

import mlflow
import pandas as pd
import pytest
from model_server import ModelServer, mlflow_executable, serving_env

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "packages" / "km-pipelineml" / "tests" / "fixtures"  # the iris_demo project


@pytest.fixture
def logged_model(tmp_path):
    """(model URI, tracking URI, instances, expected predictions) after a real training run."""
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

    instances, labels = iris_demo.nodes.iris_frames()
    catalog = DataCatalog(
        {
            "instances": MemoryDataSet(instances),
            "labels": MemoryDataSet(labels),
            "scaler": PickleDataSet(filepath=str(tmp_path / "data" / "scaler.pkl")),
            "classifier": PickleDataSet(filepath=str(tmp_path / "data" / "classifier.pkl")),
        }
    )
    pipeline_ml = iris_demo.pipeline.create_pipelines()["training"]
    SequentialRunner().run(pipeline_ml, catalog)
    tracking_uri = (tmp_path / "mlruns").as_uri()
    mlflow.set_tracking_uri(tracking_uri)
    try:
        experiment_id = mlflow.create_experiment("pipelineml-serving")
        with mlflow.start_run(experiment_id=experiment_id):
            uri = log_pipeline_ml(pipeline_ml, catalog, input_data=instances)
    finally:
        mlflow.set_tracking_uri(None)
    sample = instances.sample(7, random_state=1)
    expected = iris_demo.nodes.predict(
        iris_demo.nodes.scale(sample, catalog.load("scaler")), catalog.load("classifier")
    )
    return uri, tracking_uri, sample, expected["species"].tolist()


def test_mlflow_models_serve_answers_an_http_request(logged_model, tmp_path):
    uri, tracking_uri, sample, expected = logged_model
    env = serving_env(tracking_uri, python_path=FIXTURES)
    with ModelServer(uri, env, tmp_path / "serve.log") as server:
        assert [row["species"] for row in server.predict(sample)] == expected
        with pytest.raises(urllib.error.HTTPError) as refused:
            server.predict(sample.drop(columns=["petal_width"]))
        assert refused.value.code == 400
        assert "petal_width" in refused.value.read().decode()
        with pytest.raises(urllib.error.HTTPError) as refused:
            server.predict(sample.assign(sepal_length="wide"))
        assert refused.value.code == 400
        assert "sepal_length" in refused.value.read().decode()
        # a refused request leaves the server serving
        assert [row["species"] for row in server.predict(sample)] == expected


def test_mlflow_models_predict_answers_from_a_csv_file(logged_model, tmp_path):
    from kedro_mlflow.config.mlflow_compat import models_env_options, scoring_predictions

    uri, tracking_uri, sample, expected = logged_model
    sample.to_csv(tmp_path / "input.csv", index=False)
    done = subprocess.run(
        [
            mlflow_executable(),
            *("models", "predict", "-m", uri, "-i", "input.csv", "-o", "out.json", "-t", "csv"),
            *models_env_options(),
        ],
        env=serving_env(tracking_uri, python_path=FIXTURES),
        cwd=str(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout
    predictions = scoring_predictions(json.loads((tmp_path / "out.json").read_text()))
    assert [row["species"] for row in pd.DataFrame(predictions).to_dict("records")] == expected
