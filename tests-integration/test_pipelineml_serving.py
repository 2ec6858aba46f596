"""A PipelineML's model, logged by a training run, answers `mlflow models serve|predict`."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import mlflow
import pandas as pd
import pytest

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


def _env(tracking_uri: str) -> dict:
    env = dict(os.environ)
    # mlflow starts gunicorn/uvicorn through PATH: use this environment's.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = str(FIXTURES)  # the project's package, as if installed
    env["MLFLOW_TRACKING_URI"] = tracking_uri
    return env


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _mlflow_cli() -> str:
    return str(Path(sys.executable).parent / "mlflow")


def test_mlflow_models_serve_answers_an_http_request(logged_model, tmp_path):
    from kedro_mlflow.config.mlflow_compat import (
        models_env_options,
        scoring_predictions,
        scoring_request,
    )

    uri, tracking_uri, sample, expected = logged_model
    port = _free_port()
    log = (tmp_path / "serve.log").open("w")  # closed once the server stops
    server = subprocess.Popen(
        [
            _mlflow_cli(),
            *("models", "serve", "-m", uri, "-h", "127.0.0.1", "-p", str(port)),
            *models_env_options(),
        ],
        env=_env(tracking_uri),
        cwd=str(tmp_path),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # gunicorn's workers go with it on stop
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.time() + 180
        while True:
            assert server.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                with urllib.request.urlopen(f"{base}/ping", timeout=5) as answer:
                    if answer.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            assert time.time() < deadline, (tmp_path / "serve.log").read_text()
            time.sleep(0.5)
        content_type, body = scoring_request(sample)
        request = urllib.request.Request(
            f"{base}/invocations", data=body.encode(), headers={"Content-Type": content_type}
        )
        with urllib.request.urlopen(request, timeout=60) as answer:
            predictions = scoring_predictions(json.loads(answer.read().decode()))
        assert [row["species"] for row in predictions] == expected

        bad = sample.drop(columns=["petal_width"])
        content_type, body = scoring_request(bad)
        request = urllib.request.Request(
            f"{base}/invocations", data=body.encode(), headers={"Content-Type": content_type}
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=60)
        assert refused.value.code == 400
        assert "petal_width" in refused.value.read().decode()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()


def test_mlflow_models_predict_answers_from_a_csv_file(logged_model, tmp_path):
    from kedro_mlflow.config.mlflow_compat import models_env_options, scoring_predictions

    uri, tracking_uri, sample, expected = logged_model
    sample.to_csv(tmp_path / "input.csv", index=False)
    done = subprocess.run(
        [
            _mlflow_cli(),
            *("models", "predict", "-m", uri, "-i", "input.csv", "-o", "out.json", "-t", "csv"),
            *models_env_options(),
        ],
        env=_env(tracking_uri),
        cwd=str(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout
    predictions = scoring_predictions(json.loads((tmp_path / "out.json").read_text()))
    assert [row["species"] for row in pd.DataFrame(predictions).to_dict("records")] == expected
