"""`kedro mlflow modelify` driven through the real kedro CLI, in projects made by `kedro new`.

Every test looks where a user would: the project's file store (mlruns/), the model
loaded back by ``mlflow.pyfunc.load_model`` in a fresh process, and the command's output.
"""

import json
import os
import pickle
import re
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import pytest
import yaml

KEDRO = str(Path(sys.executable).with_name("kedro"))

PIPELINES = """
from kedro.pipeline import Pipeline, node


def scale(instances, factor):
    return instances * factor


def shift(scaled, offset):
    return scaled + offset


def pipelines():
    predict = Pipeline(
        [
            node(scale, ["instances", "params:factor"], "scaled"),
            node(shift, ["scaled", "offset"], "predictions"),
        ]
    )
    return {
        "__default__": predict,
        "predict": predict,
        "two_outputs": Pipeline(
            [
                node(scale, ["instances", "params:factor"], "a"),
                node(shift, ["instances", "offset"], "b"),
            ]
        ),
        "needs_unknown": Pipeline([node(shift, ["instances", "not_in_catalog"], "out")]),
    }
"""

CATALOG = """
instances:
  type: pandas.CSVDataSet
  filepath: data/01_raw/instances.csv
offset:
  type: pickle.PickleDataSet
  filepath: data/06_models/offset.pkl
"""

# Loads the model in a fresh process, as a user would, and runs the pipeline's own
# functions on the same data with the values the project had when it was logged.
LOAD_AND_PREDICT = """
import json, sys
import mlflow.pyfunc, pandas as pd
from km_demo.km_pipelines import scale, shift
mlflow.set_tracking_uri(sys.argv[1])
frame = pd.DataFrame({"x": [1.0, 2.0, 3.5], "y": [0.0, -1.0, 10.0]})
model = mlflow.pyfunc.load_model(sys.argv[2])
print(json.dumps({
    "model": model.predict(frame).to_dict(orient="list"),
    "direct": shift(scale(frame, 3), 2.5).to_dict(orient="list"),
}))
"""


def kedro(args: List[str], cwd: Path) -> "subprocess.CompletedProcess[str]":
    return subprocess.run(
        [KEDRO, *args], cwd=cwd, capture_output=True, text=True, env=dict(os.environ)
    )


def tracking_uri(project: Path) -> str:
    return (project / "mlruns").resolve().as_uri()


def runs(project: Path) -> List[Path]:
    """Every run folder of the project's file store (deleted runs included)."""
    return sorted((project / "mlruns").glob("*/*/meta.yaml"))


@pytest.fixture
def project(kedro_project: Path, pipelines_installer) -> Path:
    """A project with the pipelines above, `factor: 3` and a saved `offset` of 2.5."""
    pipelines_installer(kedro_project, PIPELINES)
    conf = kedro_project / "conf" / "base"
    (conf / "parameters.yml").write_text("factor: 3\n")
    with open(conf / "catalog.yml", "a") as catalog:
        catalog.write(CATALOG)
    models = kedro_project / "data" / "06_models"
    models.mkdir(parents=True, exist_ok=True)
    (models / "offset.pkl").write_bytes(pickle.dumps(2.5))
    return kedro_project


def modelify_ok(project: Path, args: List[str]) -> Dict[str, str]:
    """Run modelify; check it succeeded and created one run; return its run id and URI."""
    result = kedro(["mlflow", "modelify", *args], project)
    assert result.returncode == 0, result.stdout + result.stderr
    run_id = re.search(r"^Run id: (\w+)$", result.stdout, re.MULTILINE).group(1)
    uri = re.search(r"^Model URI: (\S+)$", result.stdout, re.MULTILINE).group(1)
    assert [path.parent.name for path in runs(project)] == [run_id]
    return {"run_id": run_id, "uri": uri, "stdout": result.stdout}


def predict_in_new_process(project: Path, uri: str) -> Dict[str, Dict[str, List[float]]]:
    # The project is on the path as if installed; its files stay where they are.
    environment = {**os.environ, "PYTHONPATH": str(project / "src")}
    result = subprocess.run(
        [sys.executable, "-c", LOAD_AND_PREDICT, tracking_uri(project), uri],
        cwd=project,
        capture_output=True,
        text=True,
        env=environment,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def run_meta(project: Path, run_id: str) -> Dict[str, str]:
    (meta,) = [path for path in runs(project) if path.parent.name == run_id]
    return yaml.safe_load(meta.read_text())


def test_a_plain_pipeline_becomes_a_self_contained_model(project: Path):
    logged = modelify_ok(project, ["--pipeline", "predict", "--input-name", "instances"])
    assert logged["uri"] == f"runs:/{logged['run_id']}/model"
    assert (
        f"Pipeline 'predict' logged as model 'model' in the new run {logged['run_id']}"
        in (logged["stdout"])
    )
    meta = run_meta(project, logged["run_id"])
    assert meta["status"] == 3  # FINISHED
    experiments = [yaml.safe_load(p.read_text()) for p in (project / "mlruns").glob("*/meta.yaml")]
    (experiment,) = [e for e in experiments if e["experiment_id"] == meta["experiment_id"]]
    assert experiment["name"] == "km_demo"  # the project's experiment (mlflow.yml default)
    # The parameter and the file the pipeline reads travel with the model: changing them
    # in the project afterwards changes nothing.
    (project / "conf/base/parameters.yml").write_text("factor: 100\n")
    (project / "data/06_models/offset.pkl").unlink()
    predictions = predict_in_new_process(project, logged["uri"])
    assert predictions["model"] == predictions["direct"]
    assert predictions["model"]["x"] == [5.5, 8.5, 13.0]


def test_options_name_the_model_and_run_and_infer_the_signature(project: Path):
    raw = project / "data" / "01_raw"
    raw.mkdir(parents=True, exist_ok=True)
    (raw / "instances.csv").write_text("x,y\n1.0,2.0\n3.0,4.0\n")
    args = ["-p", "predict", "-i", "instances", "--model-name", "scorer", "--run-name"]
    args += ["nightly", "--infer-signature", "--copy-mode", "deepcopy"]
    logged = modelify_ok(project, args)
    assert logged["uri"] == f"runs:/{logged['run_id']}/scorer"
    run_folder = runs(project)[0].parent
    assert (run_folder / "tags" / "mlflow.runName").read_text() == "nightly"
    mlmodel = yaml.safe_load((run_folder / "artifacts" / "scorer" / "MLmodel").read_text())
    columns = [column["name"] for column in json.loads(mlmodel["signature"]["inputs"])]
    assert columns == ["x", "y"]
    predictions = predict_in_new_process(project, logged["uri"])
    assert predictions["model"] == predictions["direct"]


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["-p", "missing", "-i", "instances"],
            "No pipeline named 'missing' is registered in this project; the registered"
            " pipelines are: '__default__', 'needs_unknown', 'predict', 'two_outputs'.",
        ),
        (
            ["-p", "predict", "-i", "scaled"],
            "--input-name 'scaled' is not a free input of pipeline 'predict'",
        ),
        (
            ["-p", "predict", "-i", "nowhere"],
            "its free inputs are: 'instances', 'offset', 'params:factor'.",
        ),
        (
            ["-p", "two_outputs", "-i", "instances"],
            "Pipeline 'two_outputs' has 2 outputs ('a', 'b')",
        ),
        (
            ["-p", "needs_unknown", "-i", "instances"],
            "Pipeline 'needs_unknown' cannot be logged as a model: the model ships every free"
            " input but --input-name 'instances', and the catalog cannot load these:"
            " 'not_in_catalog'",
        ),
        (
            ["-p", "predict", "-i", "instances", "--infer-signature"],
            "--infer-signature needs the data of 'instances', which the catalog cannot load",
        ),
    ],
)
def test_bad_input_is_a_clear_error_and_logs_nothing(project: Path, args: List[str], message: str):
    result = kedro(["mlflow", "modelify", *args], project)
    assert result.returncode == 1, result.stdout + result.stderr
    assert message in " ".join(result.stderr.split())
    assert "Traceback" not in result.stdout + result.stderr
    assert runs(project) == []


def test_an_unsaved_file_is_named_and_nothing_is_logged(project: Path):
    (project / "data/06_models/offset.pkl").unlink()
    result = kedro(["mlflow", "modelify", "-p", "predict", "-i", "instances"], project)
    assert result.returncode == 1
    assert "'offset' (its file " in result.stderr and "does not exist yet" in result.stderr
    assert runs(project) == []


def test_a_bad_copy_mode_is_a_usage_error(project: Path):
    args = ["-p", "predict", "-i", "instances", "--copy-mode", "shallow"]
    result = kedro(["mlflow", "modelify", *args], project)
    assert result.returncode == 2
    assert "--copy-mode" in result.stderr and "'shallow'" in result.stderr
    assert runs(project) == []


def test_modelify_is_a_project_command(tmp_path: Path, project: Path):
    listed = kedro(["mlflow", "-h"], project)
    assert listed.returncode == 0 and "modelify" in listed.stdout
    outside = kedro(["mlflow", "-h"], tmp_path)
    assert "modelify" not in outside.stdout
    result = kedro(["mlflow", "modelify", "-p", "predict", "-i", "instances"], tmp_path)
    assert result.returncode == 1
    assert "`kedro mlflow modelify` works at the root of a kedro project" in result.stderr
