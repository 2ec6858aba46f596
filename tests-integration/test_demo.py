"""The demo (README's first command) end to end, then what a user finds in its store.

The demo makes its project with `kedro mlflow new`, trains it with `kedro run`,
loads and serves the logged model. These tests run it on the project's own file
store and against a real `mlflow server` (over SQLite, and over PostgreSQL), then
check the run, and that the served model answers as the project's own inference
pipeline does.
"""

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from km_testkit.executables import KEDRO
from km_testkit.mlflow_state import tracking_at
from mlflow.tracking import MlflowClient

pytestmark = pytest.mark.slow

HERE = Path(__file__).resolve().parent


def run_demo(workdir: Path, *args: str) -> str:
    env = {key: value for key, value in os.environ.items() if key != "MLFLOW_TRACKING_URI"}
    done = subprocess.run(
        [sys.executable, str(HERE / "demo.py"), "--workdir", str(workdir), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout
    return done.stdout


def run_id_in(output: str) -> str:
    lines = [line for line in output.splitlines() if line.startswith("run:")]
    assert len(lines) == 1, output
    return lines[0].split()[1]


def check_the_run(client: MlflowClient, run_id: str) -> None:
    run = client.get_run(run_id)
    assert run.info.status == "FINISHED"
    assert run.data.params == {
        "test_fraction": "0.2",
        "seed": "42",
        "learning_rate": "0.5",
        "epochs": "200",
    }
    assert run.data.tags["pipeline_name"] == "training"
    assert run.data.metrics["evaluation_metrics.accuracy"] >= 0.9
    losses = [m.value for m in client.get_metric_history(run_id, "training_metrics.loss")]
    assert len(losses) == 21 and losses[-1] < losses[0]
    top = {entry.path for entry in client.list_artifacts(run_id)}
    assert {"confusion_matrix.csv", "model"} <= top
    model_files = {entry.path for entry in client.list_artifacts(run_id, "model")}
    assert "model/MLmodel" in model_files


def test_demo_on_the_project_file_store(tmp_path: Path):
    output = run_demo(tmp_path)
    project = tmp_path / "iris-demo"
    assert "served predictions == loaded model's predictions" in output
    assert f"cd {project} && {KEDRO} mlflow ui" in output
    run_id = run_id_in(output)
    check_the_run(MlflowClient((project / "mlruns").as_uri()), run_id)

    # the project's own inference pipeline agrees with the model the training logged
    done = subprocess.run(
        [KEDRO, "run", "--pipeline=inference"],
        cwd=project,
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"},
    )
    assert done.returncode == 0, done.stderr
    pipeline_says = pd.read_csv(project / "data/07_model_output/predictions.csv")
    code = (
        "import sys, mlflow.pyfunc, pandas as pd; sys.path.insert(0, 'src');"
        f"mlflow.set_tracking_uri('{(project / 'mlruns').as_uri()}');"
        f"m = mlflow.pyfunc.load_model('runs:/{run_id}/model');"
        "m.predict(pd.read_csv('data/01_raw/iris_instances.csv')).to_csv('model.csv', index=False)"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], cwd=project, capture_output=True, text=True
    )
    assert loaded.returncode == 0, loaded.stderr
    model_says = pd.read_csv(project / "model.csv")
    assert len(model_says) == 150
    assert model_says["species"].tolist() == pipeline_says["species"].tolist()


@pytest.mark.parametrize(
    "server_fixture",
    ["mlflow_server", "postgres_mlflow_server"],
    ids=["sqlite-store", "postgresql-store"],
)
def test_demo_against_a_tracking_server(tmp_path: Path, request, server_fixture: str):
    mlflow_server = request.getfixturevalue(server_fixture)
    output = run_demo(tmp_path, "--tracking-uri", mlflow_server.url)
    assert f"tracking URI: {mlflow_server.url}" in output
    assert "served predictions == loaded model's predictions" in output
    # mlflow-artifacts: URIs resolve through the global tracking URI, not the client's
    with tracking_at(mlflow_server.url, unset_after=True):
        check_the_run(MlflowClient(mlflow_server.url), run_id_in(output))
    assert not (tmp_path / "iris-demo" / "mlruns").exists()
