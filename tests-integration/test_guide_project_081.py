"""A project written as the kedro-mlflow 0.8.1 guide shows, run unchanged with `kedro run`.

The same ml_app project as test_guide_projects.py, in 0.8.1's words: mlflow.yml in the
server / tracking / ui layout (as 0.8.1's `kedro mlflow init` wrote it, with a store
variable and dict flattening set), `pipeline_ml_factory(..., kpm_kwargs=...,
log_model_kwargs=dict(artifact_path=..., conda_env=..., signature="auto"))` in the
registry, and the metric datasets with their 0.8.1 `key` / `save_args`. Checked in the
store as a user finds it, and by serving the model with `mlflow models serve`.
"""

import json
from pathlib import Path

import pytest
import yaml
from guide_project import CATALOG, INSTANCES, PACKAGE, expected_predictions, typed
from guide_project import write_guide_project as write_project
from km_testkit.model_server import ModelServer, serving_env
from mlflow.tracking import MlflowClient

pytestmark = pytest.mark.slow

STORE_VALUE = "store-only-value-7f3a"  # must reach the nodes, never the store

# conf/local/mlflow.yml as kedro-mlflow 0.8.1's init writes it (ui port and host as the
# strings it writes), with a store variable and dict flattening set.
MLFLOW_YML = f"""\
server:
  mlflow_tracking_uri: mlruns
  stores_environment_variables:
    KM_GUIDE_STORE_VARIABLE: {STORE_VALUE}
  credentials: null

tracking:
  disable_tracking:
    pipelines: []

  experiment:
    name: {PACKAGE}
    restore_if_deleted: True

  run:
    id: null
    name: null
    nested: True

  params:
    dict_params:
      flatten: True
      recursive: True
      sep: "."
    long_params_strategy: fail

ui:
  port: "5000"
  host: "127.0.0.1"
"""

ARTIFACT_PATH = "km_guide_model"
CONDA_ENV = {"python": "3.8", "dependencies": [f"{PACKAGE}==0.1"]}

# The registry as the 0.8.1 guide writes it, plus a reporting node for the metric datasets.
REGISTRY = """
import os

from kedro.pipeline import Pipeline, node
from kedro_mlflow.pipeline import pipeline_ml_factory

from {package}.pipelines.ml_app.pipeline import create_ml_pipeline


def report(model, model_options):
    if os.environ.get("KM_GUIDE_STORE_VARIABLE") != "__STORE_VALUE__":
        raise RuntimeError("the store variable of mlflow.yml was not exported")
    return 0.75, [0.5, 0.25, 0.125]


def guide_pipelines():
    ml_pipeline = create_ml_pipeline()
    reporting = Pipeline(
        [
            node(
                report,
                ["model", "params:model_options"],
                ["accuracy", "loss_history"],
                tags=["training"],
            )
        ]
    )
    training_pipeline_ml = pipeline_ml_factory(
        training=ml_pipeline.only_nodes_with_tags("training") + reporting,
        inference=ml_pipeline.only_nodes_with_tags("inference"),
        input_name="instances",
        kpm_kwargs=dict(copy_mode="deepcopy"),
        log_model_kwargs=dict(
            artifact_path="__ARTIFACT_PATH__",
            conda_env=__CONDA_ENV__,
            signature="auto",
        ),
    )
    return {{"training": training_pipeline_ml, "__default__": training_pipeline_ml}}
"""

METRIC_ENTRIES = """
accuracy:
  type: kedro_mlflow.io.metrics.MlflowMetricDataSet
  key: guide_accuracy
  save_args:
    mode: append

loss_history:
  type: kedro_mlflow.io.metrics.MlflowMetricHistoryDataSet
  save_args:
    mode: list
"""


def registry_source() -> str:
    conda = repr(CONDA_ENV).replace("{", "{{").replace("}", "}}")
    return (
        REGISTRY.replace("__STORE_VALUE__", STORE_VALUE)
        .replace("__ARTIFACT_PATH__", ARTIFACT_PATH)
        .replace("__CONDA_ENV__", conda)
    )


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """The 0.8.1 project after `kedro run --pipeline=training`: (project, client, run)."""
    project = write_project(
        tmp_path_factory.mktemp("guide081"),
        registry=registry_source(),
        catalog=CATALOG + METRIC_ENTRIES,
        init_args=("--layout", "0.8"),
        mlflow_yml=MLFLOW_YML,
    )
    parameters = project / "conf/base/parameters.yml"
    values = yaml.safe_load(parameters.read_text())
    values["model_options"] = {"depth": 3, "penalty": {"l2": 0.5}}
    parameters.write_text(yaml.safe_dump(values))
    output = typed(project, "run", "--pipeline=training")
    client = MlflowClient((project / "mlruns").resolve().as_uri())
    experiment = client.get_experiment_by_name(PACKAGE)
    assert experiment is not None, output
    (run,) = client.search_runs([experiment.experiment_id])
    return project, client, run


def test_init_layout_08_wrote_the_file_the_project_replaced(tmp_path: Path):
    """What 0.8.1's init wrote and what ours writes with --layout 0.8 have the same keys."""
    ours = write_project(tmp_path, init_args=("--layout", "0.8"))
    written = yaml.safe_load((ours / "conf/local/mlflow.yml").read_text())
    theirs = yaml.safe_load(MLFLOW_YML)

    def paths(tree, prefix=""):
        for key, value in tree.items():
            path = f"{prefix}{key}"
            if isinstance(value, dict) and key != "stores_environment_variables":
                yield from paths(value, path + ".")
            else:
                yield path

    assert set(paths(written)) == set(paths(theirs))


def test_the_run_follows_the_0_8_layout(trained):
    _, _, run = trained
    assert run.info.status == "FINISHED"
    assert run.data.tags["pipeline_name"] == "training"
    params = run.data.params
    assert params["learning_rate"] == "0.9"
    # tracking.params.dict_params.flatten / recursive / sep
    assert params["model_options.depth"] == "3"
    assert params["model_options.penalty.l2"] == "0.5"
    assert "model_options" not in params


def test_store_variables_reach_the_nodes_and_are_never_logged(trained):
    _, _, run = trained  # the report node fails the run when it is not exported
    logged = [*run.data.params.values(), *run.data.tags.values()]
    assert not [value for value in logged if STORE_VALUE in value]
    assert not [key for key in [*run.data.params, *run.data.tags] if "KM_GUIDE" in key]


def test_the_metric_datasets_log_with_their_0_8_arguments(trained):
    _, client, run = trained
    run_id = run.info.run_id
    assert run.data.metrics["training_metrics.accuracy"] == 1.0
    accuracy = client.get_metric_history(run_id, "guide_accuracy")  # key, not the entry name
    assert [(m.step, m.value) for m in accuracy] == [(0, 0.75)]
    assert "accuracy" not in run.data.metrics
    history = sorted(client.get_metric_history(run_id, "loss_history"), key=lambda m: m.step)
    assert [(m.step, m.value) for m in history] == [(0, 0.5), (1, 0.25), (2, 0.125)]


def test_the_model_honours_log_model_kwargs(trained):
    _, client, run = trained
    run_id = run.info.run_id
    top = {item.path for item in client.list_artifacts(run_id)}
    assert ARTIFACT_PATH in top and "model" not in top, top
    folder = Path(client.download_artifacts(run_id, ARTIFACT_PATH))
    mlmodel = yaml.safe_load((folder / "MLmodel").read_text())
    inputs = json.loads(mlmodel["signature"]["inputs"])  # signature="auto"
    assert [column["name"] for column in inputs] == ["x1", "x2"]
    # the guide's short conda form, written as conda reads it (python pinned, pip pins)
    conda = yaml.safe_load((folder / "conda.yaml").read_text())
    assert conda["dependencies"][0] == "python=3.8"
    (pip,) = [d["pip"] for d in conda["dependencies"] if isinstance(d, dict)]
    assert f"{PACKAGE}==0.1" in pip


def test_the_served_model_predicts_as_the_inference_pipeline(trained, tmp_path: Path):
    project, _, run = trained
    uri = f"{run.info.artifact_uri}/{ARTIFACT_PATH}"
    env = serving_env((project / "mlruns").resolve().as_uri(), project / "src")
    with ModelServer(uri, env, tmp_path / "serve.log") as server:
        answer = server.predict(INSTANCES)
    expected = expected_predictions()["prediction"].tolist()
    assert [row["prediction"] for row in answer] == expected
