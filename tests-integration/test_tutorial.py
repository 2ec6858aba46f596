"""The getting-started tutorial and the 5-minute PipelineML summary, as a user types them.

On the project's file store, on a SQLite-backed `mlflow server` and on a PostgreSQL-backed
one: `kedro mlflow init`, the tracking URI set in mlflow.yml, `kedro run`, what the run
shows (parameters, tags), `kedro mlflow ui`, a catalog dataset wrapped to be logged as
an artifact, then the training run's model reused by another project's catalog, by its
run id.
"""

import json
import urllib.request
from pathlib import Path
from typing import List

import mlflow
import pandas as pd
import pytest
from backends import BACKENDS, SERVER_FIXTURES
from km_testkit.projects import kedro_mlflow_ui, new_project, typed
from mlflow.tracking import MlflowClient

pytestmark = pytest.mark.slow

PACKAGE = "km_tutorial"


def runs_of(client: MlflowClient) -> List[mlflow.entities.Run]:
    experiment = client.get_experiment_by_name(PACKAGE)
    return client.search_runs([experiment.experiment_id], order_by=["attribute.start_time ASC"])


def check_ui_shows(project: Path, run_id: str) -> None:
    """`kedro mlflow ui` serves the project's store: the run is there; Ctrl-C stops it."""
    with kedro_mlflow_ui(project) as (process, base):
        api = f"{base}/api/2.0/mlflow/runs/get?run_id={run_id}"
        with urllib.request.urlopen(api, timeout=30) as answer:
            assert json.loads(answer.read())["run"]["info"]["run_id"] == run_id
    assert process.returncode == 0


@pytest.mark.parametrize("backend", BACKENDS)
def test_tutorial_then_five_minute_summary(tmp_path: Path, backend: str, request):
    project = new_project(tmp_path, "km-tutorial", PACKAGE)
    (project / "conf/local/mlflow.yml").unlink()  # the project before the plugin's set-up

    # 3.3.1: initialize, and point mlflow.yml at the team's server when there is one
    said = typed(project, "mlflow", "init")
    assert "'conf/local/mlflow.yml' successfully updated." in said
    mlflow_yml = project / "conf/local/mlflow.yml"
    if backend == "file-store":
        uri = (project / "mlruns").as_uri()
    else:
        uri = request.getfixturevalue(SERVER_FIXTURES[backend]).url
        text = mlflow_yml.read_text()
        assert "\nmlflow_tracking_uri: mlruns\n" in text  # init writes the guide's value
        mlflow_yml.write_text(
            text.replace("mlflow_tracking_uri: mlruns", f"mlflow_tracking_uri: {uri}")
        )
    client = MlflowClient(uri)
    # a server's mlflow-artifacts: URIs resolve through the global tracking URI
    mlflow.set_tracking_uri(uri)
    request.addfinalizer(lambda: mlflow.set_tracking_uri(None))

    # 3.3.2: run the pipeline; 3.3.3.1: its parameters and how it was run are in the run
    typed(project, "run")
    (first,) = runs_of(client)
    assert first.info.status == "FINISHED"
    assert first.data.params == {
        "test_fraction": "0.2",
        "seed": "42",
        "learning_rate": "0.5",
        "epochs": "200",
    }
    assert first.data.tags["kedro_command"] == "kedro run"
    assert first.data.tags["mlflow.runName"] == "__default__"

    # 3.3.3: the UI (a project tracking to a server is told to open the server instead)
    if backend == "file-store":
        check_ui_shows(project, first.info.run_id)
    else:
        assert f"tracks to the server {uri}" in typed(project, "mlflow", "ui")

    # 3.3.3.3: a dataset of the catalog, wrapped so that each run logs it as an artifact
    catalog = project / "conf/base/catalog.yml"
    plain = (
        "predictions:\n  type: pandas.CSVDataSet\n"
        "  filepath: data/07_model_output/predictions.csv\n"
    )
    assert plain in catalog.read_text()
    catalog.write_text(
        catalog.read_text().replace(
            plain,
            "predictions:\n  type: kedro_mlflow.io.artifacts.MlflowArtifactDataSet\n"
            "  data_set:\n    type: pandas.CSVDataSet\n"
            "    filepath: data/07_model_output/predictions.csv\n",
        )
    )

    # 5.4.1: train, and the inference pipeline is logged as a model at the end
    typed(project, "run", "--pipeline=training")
    training = runs_of(client)[-1]
    assert training.data.tags["mlflow.runName"] == "training"
    assert training.info.status == "FINISHED"

    # 5.3.2.4: another kedro project reuses the model, loaded from its catalog by run id
    scored = score_in_another_project(tmp_path, uri, training.info.run_id, project)

    # the project's own inference pipeline agrees, and logs its predictions as an artifact
    typed(project, "run", "--pipeline=inference")
    inference = runs_of(client)[-1]
    assert inference.data.tags["mlflow.runName"] == "inference"
    assert "predictions.csv" in {
        entry.path for entry in client.list_artifacts(inference.info.run_id)
    }
    assert len(scored) == 150
    assert (
        scored == pd.read_csv(project / "data/07_model_output/predictions.csv")["species"].tolist()
    )


SCORING_PIPELINES = """
from kedro.pipeline import Pipeline, node


def score(model, instances):
    return model.predict(instances)


def pipelines():
    scoring = Pipeline([node(score, ["pipeline_inference_model", "instances"], "scored")])
    return {"__default__": scoring}
"""


def score_in_another_project(folder: Path, uri: str, run_id: str, trained: Path) -> List[str]:
    """A second project, tracking to the same store, whose one node predicts with the
    training run's model (an `MlflowModelLoggerDataSet` with its run id); the species it
    wrote. The trained project's package is importable, as an installed dependency is."""
    from kedro_mlflow.compat.kedro_compat import find_project, register_project_pipelines

    scoring = new_project(folder, "km-scoring", "km_scoring")
    (scoring / "src" / "km_scoring" / "scoring.py").write_text(SCORING_PIPELINES)
    register_project_pipelines(find_project(scoring), "km_scoring.scoring", "pipelines")
    mlflow_yml = scoring / "conf/local/mlflow.yml"
    text = mlflow_yml.read_text()
    mlflow_yml.write_text(text.replace("mlflow_tracking_uri: null", f"mlflow_tracking_uri: {uri}"))
    (scoring / "conf/base/catalog.yml").write_text(
        "pipeline_inference_model:\n"
        "  type: kedro_mlflow.io.models.MlflowModelLoggerDataSet\n"
        "  flavor: mlflow.pyfunc\n"
        "  pyfunc_workflow: python_model\n"
        "  artifact_path: model\n"
        f"  run_id: {run_id}\n"
        "instances:\n  type: pandas.CSVDataSet\n"
        f"  filepath: {trained / 'data/01_raw/iris_instances.csv'}\n"
        "scored:\n  type: pandas.CSVDataSet\n  filepath: data/07_model_output/scored.csv\n"
    )
    typed(scoring, "run", pythonpath=trained / "src")
    return pd.read_csv(scoring / "data/07_model_output/scored.csv")["species"].tolist()
