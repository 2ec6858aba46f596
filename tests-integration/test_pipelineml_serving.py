"""A PipelineML's model, logged by a training run, answers `mlflow models serve|predict`."""

import json
import subprocess
import urllib.error

import pandas as pd
import pytest
from iris_model import FIXTURES, train_and_log
from km_testkit.executables import MLFLOW
from km_testkit.model_server import ModelServer, models_env_options, serving_env
from km_testkit.scoring import scoring_predictions

pytestmark = pytest.mark.slow


@pytest.fixture
def logged_model(tmp_path):
    """(model URI, tracking URI, instances, expected predictions) after a real training run."""
    logged = train_and_log(tmp_path, "pipelineml-serving")
    sample = logged.instances.sample(7, random_state=1)
    expected = logged.project_predictions(sample)["species"].tolist()
    return logged.uri, logged.tracking_uri, sample, expected


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
    uri, tracking_uri, sample, expected = logged_model
    sample.to_csv(tmp_path / "input.csv", index=False)
    done = subprocess.run(
        [
            MLFLOW,
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
