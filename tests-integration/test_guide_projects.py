"""Projects written as the guides of the releases we stand in for show them, run unchanged.

On kedro 0.17 the project follows the kedro-mlflow 0.7.3 guide, on kedro 0.16 the 0.4.1
guide: `kedro new`, `kedro mlflow init`, the catalog entries and imports the guides
write, a PipelineML built with `pipeline_ml_factory(training=..only_nodes_with_tags(..),
inference=..., input_name="instances")` whose inference pipeline reads a lookup file that
training reads too (and, for 0.7.3, a `params:` input), then `kedro run --pipeline=training`
with the real kedro CLI. What the store holds is checked as a user finds it: the run,
its tags, params, metrics, artifacts, and the model's predictions.
"""

import ast
import os
import re
import subprocess
import sys
import textwrap
import urllib.request
from pathlib import Path

import kedro
import pandas as pd
import pytest
import yaml
from guide_project import (
    INSTANCES,
    PACKAGE,
    WITH_PARAMS_INPUT,
    expected_predictions,
    typed,
    write_guide_project,
)
from mlflow.tracking import MlflowClient

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def trained_with_output(tmp_path_factory):
    """The guide's project after `kedro run --pipeline=training`: (project, client, run,
    the command's output)."""
    project = write_guide_project(tmp_path_factory.mktemp("guide"))
    output = typed(project, "run", "--pipeline=training")
    client = MlflowClient((project / "mlruns").resolve().as_uri())
    experiment = client.get_experiment_by_name(PACKAGE)  # init names it after the package
    assert experiment is not None, output
    (run,) = client.search_runs([experiment.experiment_id])
    return project, client, run, output


@pytest.fixture(scope="module")
def trained(trained_with_output):
    """The guide's project after `kedro run --pipeline=training`: (project, client, run)."""
    return trained_with_output[:3]


def test_the_init_template_is_the_guide_s(trained):
    project, _, _ = trained
    written = yaml.safe_load((project / "conf/local/mlflow.yml").read_text())
    assert written["mlflow_tracking_uri"] == "mlruns"
    # the guide's two keys, and kedro-mlflow 0.8's restore_if_deleted added at its default
    assert written["experiment"] == {"name": PACKAGE, "create": True, "restore_if_deleted": True}
    assert written["run"] == {"id": None, "name": None, "nested": True}


def test_the_training_run_holds_params_tags_and_metrics(trained):
    project, _, run = trained
    assert run.info.status == "FINISHED"
    assert run.data.params["learning_rate"] == "0.9"
    tags = run.data.tags
    assert tags["pipeline_name"] == "training"
    assert tags["env"] == "local"
    assert tags["project_path"] == str(project.resolve())
    assert tags["kedro_version"] == kedro.__version__
    assert ast.literal_eval(tags["extra_params"]) == {}
    assert tags["kedro_command"] == "kedro run --pipeline=training"
    assert run.data.metrics["training_metrics.accuracy"] == 1.0


def test_the_training_run_logs_the_artifact_and_the_model(trained):
    _, client, run = trained
    logged = {item.path for item in client.list_artifacts(run.info.run_id)}
    assert {"scaler.pkl", "model"} <= logged, logged
    model_files = {Path(i.path).name for i in client.list_artifacts(run.info.run_id, "model")}
    assert "MLmodel" in model_files, model_files


def test_the_logged_model_predicts_as_the_inference_pipeline(trained, tmp_path: Path):
    """Loaded by mlflow in a new Python elsewhere, with the project's package importable
    (as in the environment the model names), it predicts what the nodes compute."""
    project, _, run = trained
    INSTANCES.to_csv(tmp_path / "in.csv", index=False)
    code = textwrap.dedent(
        f"""
        import mlflow.pyfunc, pandas as pd
        model = mlflow.pyfunc.load_model({run.info.artifact_uri + "/model"!r})
        model.predict(pd.read_csv("in.csv")).to_csv("out.csv", index=False)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(project / "src")},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    pd.testing.assert_frame_equal(
        pd.read_csv(tmp_path / "out.csv"), expected_predictions(), check_dtype=False
    )


def _line_with(output: str, text: str) -> str:
    (line,) = [line for line in output.splitlines() if text in line]
    return line


def test_the_training_run_says_what_it_uploads_and_that_its_run_ended(trained_with_output):
    project, _, run, output = trained_with_output
    run_id = run.info.run_id
    upload = _line_with(output, "Uploading the model 'model'")
    # the inference pipeline's inputs but `instances`: scaler.pkl, model.pkl, weights.yml
    # (and, for 0.7.3, `params:threshold_shift`, pickled for the model)
    files = len(MODEL_FILES) + (1 if WITH_PARAMS_INPUT else 0)
    found = re.search(r"\((\d+) B in (\d+) artifact files\)", upload)
    assert found is not None, upload
    known = sum((project / "data" / name).stat().st_size for name in MODEL_FILES)
    assert int(found.group(2)) == files, upload
    assert int(found.group(1)) >= known, upload
    assert f"to MLflow run {run_id} at {run.info.artifact_uri}/model" in upload, upload
    end = _line_with(output, f"MLflow run {run_id} ended FINISHED")
    lines = output.splitlines()
    assert lines.index(upload) < lines.index(end)


MODEL_FILES = ("06_models/scaler.pkl", "06_models/model.pkl", "01_raw/weights.yml")


def test_a_run_on_a_tracking_server_ends_with_its_page_in_the_ui(mlflow_server, tmp_path: Path):
    project = write_guide_project(tmp_path)
    mlflow_yml = project / "conf/local/mlflow.yml"
    mlflow_yml.write_text(
        mlflow_yml.read_text().replace(
            "mlflow_tracking_uri: mlruns", f"mlflow_tracking_uri: {mlflow_server.url}"
        )
    )
    output = typed(project, "run", "--pipeline=training")
    line = _line_with(output, "in the MLflow UI: ")
    run_id = line.split("MLflow run ")[1].split()[0]
    run = MlflowClient(mlflow_server.url).get_run(run_id)
    assert run.info.status == "FINISHED"
    experiment = run.info.experiment_id
    page = f"{mlflow_server.url.rstrip('/')}/#/experiments/{experiment}/runs/{run_id}"
    assert line.endswith(f"MLflow run {run_id} ended FINISHED; in the MLflow UI: {page}"), line
    upload = _line_with(output, "Uploading the model 'model'")
    assert f"to MLflow run {run_id} at " in upload, upload
    # the page is the server's UI (the part after '#' is the UI's own route)
    with urllib.request.urlopen(page, timeout=30) as answer:
        assert answer.status == 200
        assert b"<html" in answer.read().lower()
