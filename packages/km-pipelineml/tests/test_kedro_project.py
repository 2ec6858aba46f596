"""A real kedro project (`kedro new`) registers a PipelineML, trains with `kedro run`, logs it.

The logging hook belongs to km-hooks: here a script does its job after `kedro run`,
through the project's own context, pipelines and catalog. Each step runs in its own
process, as users run them.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

KEDRO = str(Path(sys.executable).with_name("kedro"))

# The project's pipelines: iris_demo's, registered through the shared fixture's helper
# (packages/conftest.py knows where each kedro version registers them).
PIPELINES = """
from iris_demo.pipeline import create_pipelines as iris_pipelines


def pipelines():
    found = iris_pipelines()
    return {**found, "__default__": found["training"]}
"""

CATALOG = """
instances:
  type: pandas.CSVDataSet
  filepath: data/01_raw/instances.csv
labels:
  type: pandas.CSVDataSet
  filepath: data/01_raw/labels.csv
scaler:
  type: pickle.PickleDataSet
  filepath: data/06_models/scaler.pkl
classifier:
  type: pickle.PickleDataSet
  filepath: data/06_models/classifier.pkl
"""

LOG_AFTER_RUN = """
import json, sys
import mlflow
from kedro_mlflow.config.kedro_compat import load_project_context
from kedro_mlflow.mlflow import log_pipeline_ml
from kedro_mlflow.pipeline import PipelineML

context = load_project_context(sys.argv[1])
training = context.pipelines["training"]
assert isinstance(training, PipelineML), type(training)
training.check_artifacts_persisted(context.catalog)
mlflow.set_tracking_uri(sys.argv[2])
with mlflow.start_run() as run:
    uri = log_pipeline_ml(training, context.catalog, run)
instances = context.catalog.load("instances")
print(json.dumps({"uri": uri, "rows": len(instances)}))
"""

PREDICT = """
import json, sys
import mlflow.pyfunc, pandas as pd
mlflow.set_tracking_uri(sys.argv[2])
instances = pd.read_csv(sys.argv[3])
print(json.dumps(mlflow.pyfunc.load_model(sys.argv[1]).predict(instances)["species"].tolist()))
"""


def _iris_project(kedro_project: Path, install) -> None:
    sys.path.insert(0, str(Path(__file__).parent / "fixtures"))
    try:
        from iris_demo.nodes import iris_frames
    finally:
        sys.path.pop(0)
    instances, labels = iris_frames()
    raw = kedro_project / "data" / "01_raw"
    raw.mkdir(parents=True, exist_ok=True)
    instances.to_csv(raw / "instances.csv", index=False)
    labels.to_frame().to_csv(raw / "labels.csv", index=False)
    with (kedro_project / "conf" / "base" / "catalog.yml").open("a") as catalog:
        catalog.write(CATALOG)
    install(kedro_project, PIPELINES)


def _run(args, project: Path, fixtures: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(fixtures)}
    env.pop("MLFLOW_TRACKING_URI", None)
    return subprocess.run(
        args, cwd=str(project), env=env, capture_output=True, text=True, timeout=600
    )


def test_kedro_run_trains_then_the_registered_pipeline_ml_logs_its_model(
    kedro_project: Path, fixtures_dir: Path, pipelines_installer
):
    _iris_project(kedro_project, pipelines_installer)
    # --tag goes through kedro's own filtering of the PipelineML.
    trained = _run(
        [KEDRO, "run", "--pipeline=training", "--tag=training"], kedro_project, fixtures_dir
    )
    assert trained.returncode == 0, trained.stdout + trained.stderr
    assert (kedro_project / "data" / "06_models" / "classifier.pkl").exists()

    tracking = (kedro_project / "mlruns").as_uri()
    logged = _run(
        [sys.executable, "-c", LOG_AFTER_RUN, str(kedro_project), tracking],
        kedro_project,
        fixtures_dir,
    )
    assert logged.returncode == 0, logged.stderr
    answer = json.loads(logged.stdout.strip().splitlines()[-1])
    assert answer["rows"] == 150

    csv = kedro_project / "data" / "01_raw" / "instances.csv"
    predicted = _run(
        [sys.executable, "-c", PREDICT, answer["uri"], tracking, str(csv)],
        kedro_project,
        fixtures_dir,
    )
    assert predicted.returncode == 0, predicted.stderr
    species = json.loads(predicted.stdout.strip().splitlines()[-1])
    assert len(species) == 150 and set(species) == {0, 1, 2}


def test_a_partial_kedro_run_of_a_pipeline_ml_is_refused_clearly(
    kedro_project: Path, fixtures_dir: Path, pipelines_installer
):
    _iris_project(kedro_project, pipelines_installer)
    partial = _run([KEDRO, "run", "--pipeline=training", "--node=fit"], kedro_project, fixtures_dir)
    assert partial.returncode != 0
    assert "PipelineMLOperationError" in partial.stderr + partial.stdout
    assert "'instances'" in partial.stderr + partial.stdout
