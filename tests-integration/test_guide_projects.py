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
import subprocess
import sys
import textwrap
from pathlib import Path

import kedro
import pandas as pd
import pytest
import yaml
from guide_project import INSTANCES, PACKAGE, expected_predictions, typed, write_guide_project
from mlflow.tracking import MlflowClient

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """The guide's project after `kedro run --pipeline=training`: (project, client, run)."""
    project = write_guide_project(tmp_path_factory.mktemp("guide"))
    output = typed(project, "run", "--pipeline=training")
    client = MlflowClient((project / "mlruns").resolve().as_uri())
    experiment = client.get_experiment_by_name(PACKAGE)  # init names it after the package
    assert experiment is not None, output
    (run,) = client.search_runs([experiment.experiment_id])
    return project, client, run


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
