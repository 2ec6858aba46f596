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
from typing import List

import pytest
from km_testkit.executables import KEDRO

pytestmark = pytest.mark.slow


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
from kedro_mlflow.compat.kedro_compat import load_project_context
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


def _run(args, project: Path, fixtures: Path, **extra_env: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(fixtures)}
    env.pop("MLFLOW_TRACKING_URI", None)
    # The kedro entry point and every command it starts come from this interpreter's venv.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    if "PYTHONPATH" in extra_env:
        extra_env["PYTHONPATH"] = os.pathsep.join([extra_env["PYTHONPATH"], str(fixtures)])
    env.update(extra_env)
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
    # fit alone neither makes nor reads the scaler the model ships (0.7.3 refused it too).
    assert "'scaler'" in partial.stderr + partial.stdout


FAILING_PIPELINES = """
from kedro.pipeline import Pipeline, node
from iris_demo.pipeline import create_ml_pipeline
from kedro_mlflow.pipeline import pipeline_ml_factory


def broken_fit(scaled, labels):
    raise RuntimeError("fit_classifier's own failure")


def pipelines():
    ml = create_ml_pipeline()
    nodes = [n for n in ml.only_nodes_with_tags("training").nodes if n.name != "fit"]
    nodes.append(node(broken_fit, ["scaled", "labels"], "classifier", name="fit"))
    training = pipeline_ml_factory(
        Pipeline(nodes), ml.only_nodes_with_tags("inference"), input_name="instances"
    )
    return {"training": training, "__default__": training}
"""


def test_a_node_failing_in_kedro_run_reports_its_own_error(
    kedro_project: Path, fixtures_dir: Path, pipelines_installer
):
    """kedro's runner asks the PipelineML for its resume hint (only_nodes...) after a
    failure: that must not hide the node's error."""
    _iris_project(kedro_project, pipelines_installer)
    pipelines_installer(kedro_project, FAILING_PIPELINES)
    failed = _run([KEDRO, "run", "--pipeline=training"], kedro_project, fixtures_dir)
    output = _kedro_output(failed)
    assert failed.returncode != 0
    assert "RuntimeError: fit_classifier's own failure" in output
    assert "PipelineMLOperationError" not in output
    assert "You can resume the pipeline run" in output


def _kedro_output(done: subprocess.CompletedProcess) -> str:
    return done.stdout + done.stderr


def test_kedro_pipeline_list_and_describe_show_the_pipeline_ml(
    kedro_project: Path, fixtures_dir: Path, pipelines_installer
):
    # `kedro pipeline list` and `describe` exist from kedro 0.16.0 to 0.17.7 (deprecated in
    # 0.17.7 for `kedro registry ...`, with a warning line on stdout).
    _iris_project(kedro_project, pipelines_installer)
    listed = _run([KEDRO, "pipeline", "list"], kedro_project, fixtures_dir)
    assert listed.returncode == 0, _kedro_output(listed)
    names = [line[2:] for line in listed.stdout.splitlines() if line.startswith("- ")]
    assert names == ["__default__", "inference", "training"]
    described = _run([KEDRO, "pipeline", "describe", "training"], kedro_project, fixtures_dir)
    assert described.returncode == 0, _kedro_output(described)
    nodes = [line[2:] for line in described.stdout.splitlines() if line.startswith("- ")]
    # The training nodes only: the inference pipeline is bound to it, not part of it.
    assert nodes == ["fit_scaler (fit_scaler)", "scale (scale)", "fit (fit_classifier)"]


# A runner given to `kedro run --runner=<dotted path>`: it receives the pipeline kedro
# runs after applying the command line's filters, and says what it got. Whether the
# model is then logged is the hook's business: km-hooks' tests run such filters with it.
REPORTING_RUNNER = """
import json
from kedro.runner import SequentialRunner


class ReportingRunner(SequentialRunner):
    def run(self, pipeline, catalog, *args, **kwargs):
        outputs = super().run(pipeline, catalog, *args, **kwargs)
        print("KM_RAN " + json.dumps({
            "type": type(pipeline).__name__,
            "nodes": sorted(n.name for n in pipeline.nodes),
            "inference": sorted(n.name for n in pipeline.inference.nodes)
            if hasattr(pipeline, "inference") else None,
        }))
        return outputs
"""


def _run_filtered(kedro_project, fixtures_dir, tmp_path, *filters):
    runner_dir = tmp_path / "runner"
    runner_dir.mkdir(exist_ok=True)
    (runner_dir / "km_reporting_runner.py").write_text(REPORTING_RUNNER)
    return _run(
        [
            *(KEDRO, "run", "--pipeline=training", *filters),
            "--runner=km_reporting_runner.ReportingRunner",
        ],
        kedro_project,
        fixtures_dir,
        PYTHONPATH=str(runner_dir),
    )


INFERENCE_NODES = ["predict", "scale_instances"]  # iris_demo.pipeline's inference pipeline
MAKERS = {"classifier": "fit", "scaler": "fit_scaler"}  # the training node making each


def _to(output: str, project: Path, fixtures: Path) -> List[str]:
    """The filter ending the run at ``output``: `--to-outputs` where `kedro run` has it
    (not in kedro 0.16 nor 0.17.0), else `--to-nodes` at the node that makes it."""
    help_text = _run([KEDRO, "run", "--help"], project, fixtures).stdout
    if "--to-outputs" in help_text:
        return [f"--to-outputs={output}"]
    return [f"--to-nodes={MAKERS[output]}"]


@pytest.mark.parametrize("filters", [["--from-inputs=instances"], "to classifier"])
def test_kedro_run_filters_that_keep_every_node_keep_the_binding(
    kedro_project: Path, fixtures_dir: Path, pipelines_installer, tmp_path, filters
):
    _iris_project(kedro_project, pipelines_installer)
    if filters == "to classifier":
        filters = _to("classifier", kedro_project, fixtures_dir)
        if filters[0].startswith("--to-nodes"):  # no --to-outputs: click refuses it
            refused = _run_filtered(
                kedro_project, fixtures_dir, tmp_path, "--to-outputs=classifier"
            )
            assert refused.returncode == 2
            assert "no such option: --to-outputs" in _kedro_output(refused)
            assert not (kedro_project / "data" / "06_models" / "classifier.pkl").exists()
    done = _run_filtered(kedro_project, fixtures_dir, tmp_path, *filters)
    assert done.returncode == 0, _kedro_output(done)
    assert "Completed 3 out of 3 tasks" in _kedro_output(done)
    ran = json.loads(done.stdout.split("KM_RAN ", 1)[1].splitlines()[0])
    assert ran == {
        "type": "PipelineML",
        "nodes": ["fit", "fit_scaler", "scale"],
        "inference": INFERENCE_NODES,
    }
    assert (kedro_project / "data" / "06_models" / "classifier.pkl").exists()


def test_kedro_run_from_an_artifact_training_reads_keeps_the_binding(
    kedro_project: Path, fixtures_dir: Path, pipelines_installer, tmp_path
):
    """As with 0.7.3: `--from-inputs=scaler` trains the classifier on the saved scaler,
    which the model then ships as training read it."""
    _iris_project(kedro_project, pipelines_installer)
    first = _run([KEDRO, "run", "--pipeline=training"], kedro_project, fixtures_dir)
    assert first.returncode == 0, _kedro_output(first)
    done = _run_filtered(kedro_project, fixtures_dir, tmp_path, "--from-inputs=scaler")
    output = _kedro_output(done)
    assert done.returncode == 0, output
    assert "Completed 2 out of 2 tasks" in output
    ran = json.loads(done.stdout.split("KM_RAN ", 1)[1].splitlines()[0])
    assert ran == {"type": "PipelineML", "nodes": ["fit", "scale"], "inference": INFERENCE_NODES}


def test_kedro_run_filters_that_skip_an_artifact_are_refused_before_running(
    kedro_project: Path, fixtures_dir: Path, pipelines_installer, tmp_path
):
    _iris_project(kedro_project, pipelines_installer)
    filters = _to("scaler", kedro_project, fixtures_dir)
    done = _run_filtered(kedro_project, fixtures_dir, tmp_path, *filters)
    output = _kedro_output(done)
    assert done.returncode == 1, output
    assert "PipelineMLOperationError" in output
    assert "these are neither: 'classifier'" in output and "`<pipeline>.training`" in output
    assert "KM_RAN" not in output and "Completed" not in output
    assert not (kedro_project / "data" / "06_models" / "classifier.pkl").exists()
