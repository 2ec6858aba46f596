"""`kedro mlflow modelify` driven through the real kedro CLI, in projects made by `kedro new`.

Every test looks where a user would: the project's file store (mlruns/), the model
loaded back by ``mlflow.pyfunc.load_model`` in a fresh process, and the command's output.
"""

import inspect
import json
import os
import pickle
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List

import mlflow.pyfunc
import pytest
import yaml
from km_testkit.executables import KEDRO
from km_testkit.versions import MLFLOW_VERSION

PIPELINES = """
from kedro.pipeline import Pipeline, node


def scale(instances, factor):
    return instances * factor


def shift(scaled, offset):
    return scaled + offset


def mark_seen(instances):
    # Writes into its input: only copy_mode "assign" lets the caller's frame see it.
    instances["seen"] = 1.0
    return instances[["x"]] * 2


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
        "mutating": Pipeline([node(mark_seen, "instances", "marked")]),
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


def mlmodel(model_folder: Path) -> Dict[str, Any]:
    return yaml.safe_load((model_folder / "MLmodel").read_text())


def requirement_lines(model_folder: Path) -> List[str]:
    """The model's requirements.txt, each line as packaging writes it (mlflow releases
    order a version range's bounds differently)."""
    return normalised((model_folder / "requirements.txt").read_text().split())


def normalised(requirements: List[str]) -> List[str]:
    from packaging.requirements import Requirement

    return [str(Requirement(line)) for line in requirements]


def save_instances(project: Path) -> None:
    raw = project / "data" / "01_raw"
    raw.mkdir(parents=True, exist_ok=True)
    (raw / "instances.csv").write_text("x,y\n1.0,2.0\n3.0,4.0\n")


CONDA_ENV = """
name: km_test_env
channels: [conda-forge]
dependencies:
  - python=3.8.10
  - pip
  - pip: [mlflow, kedro==0.17.7, cachetools]
"""


def test_options_name_the_model_and_run_and_shape_what_is_logged(project: Path):
    """--model-name (--artifact-path), --run-name, --infer-signature, --copy-mode,
    --conda-env and --code-path, in one call: each leaves its own mark on the model."""
    save_instances(project)
    (project / "conda-env.yml").write_text(CONDA_ENV)
    (project / "helpers").mkdir()
    (project / "helpers" / "__init__.py").write_text("VALUE = 1\n")
    (project / "tools.py").write_text("X = 2\n")
    args = ["-p", "predict", "-i", "instances", "--model-name", "scorer", "--run-name"]
    args += ["nightly", "--infer-signature", "--copy-mode", "deepcopy"]
    args += ["--conda-env", "conda-env.yml", "--code-path", "helpers", "--code-path"]
    args += [str(project / "tools.py")]
    logged = modelify_ok(project, args)
    assert logged["uri"] == f"runs:/{logged['run_id']}/scorer"
    run_folder = runs(project)[0].parent
    assert (run_folder / "tags" / "mlflow.runName").read_text() == "nightly"
    model_folder = run_folder / "artifacts" / "scorer"
    logged_model = mlmodel(model_folder)
    assert logged_model["artifact_path"] == "scorer"
    columns = [column["name"] for column in json.loads(logged_model["signature"]["inputs"])]
    assert columns == ["x", "y"]
    assert "saved_input_example_info" not in logged_model  # not asked for
    # --conda-env: the file itself is the model's environment.
    assert yaml.safe_load((model_folder / "conda.yaml").read_text()) == yaml.safe_load(CONDA_ENV)
    if MLFLOW_VERSION >= (1, 20, 0):  # requirements.txt exists from mlflow 1.20
        assert requirement_lines(model_folder) == ["mlflow", "kedro==0.17.7", "cachetools"]
    # --code-path: a folder and a file, copied into the model's code/ folder.
    code = model_folder / "code"
    assert (code / "helpers" / "__init__.py").read_text() == "VALUE = 1\n"
    assert (code / "tools.py").read_text() == "X = 2\n"
    predictions = predict_in_new_process(project, logged["uri"])
    assert predictions["model"] == predictions["direct"]


@pytest.mark.skipif(MLFLOW_VERSION < (1, 20, 0), reason="pip_requirements: mlflow>=1.20")
def test_artifact_path_pip_requirements_file_and_input_example(project: Path):
    save_instances(project)
    (project / "model-requirements.txt").write_text("pandas>=1,<3\nkedro==0.17.7\n")
    args = ["-p", "predict", "-i", "instances", "--artifact-path", "nested/scorer"]
    args += ["--pip-requirements", "model-requirements.txt", "--infer-input-example"]
    logged = modelify_ok(project, args)
    assert logged["uri"] == f"runs:/{logged['run_id']}/nested/scorer"
    model_folder = runs(project)[0].parent / "artifacts" / "nested" / "scorer"
    logged_model = mlmodel(model_folder)
    assert logged_model["artifact_path"] == "nested/scorer"
    # mlflow pins itself when the file does not; the file's lines follow as written.
    lines = [line for line in requirement_lines(model_folder) if not line.startswith("mlflow")]
    assert lines == ["pandas<3,>=1", "kedro==0.17.7"]
    conda = yaml.safe_load((model_folder / "conda.yaml").read_text())
    pip = next(item["pip"] for item in conda["dependencies"] if isinstance(item, dict))
    assert {"pandas<3,>=1", "kedro==0.17.7"} <= set(normalised(pip))
    # --infer-input-example: the first row of the input, as the catalog loads it.
    example_info = logged_model["saved_input_example_info"]
    example = json.loads((model_folder / example_info["artifact_path"]).read_text())
    assert example["columns"] == ["x", "y"] and example["data"] == [[1.0, 2.0]]


MUTATION_CHECK = """
import json, sys
import mlflow.pyfunc, pandas as pd
mlflow.set_tracking_uri(sys.argv[1])
frame = pd.DataFrame({"x": [1.0, 2.0]})
predictions = mlflow.pyfunc.load_model(sys.argv[2]).predict(frame)
print(json.dumps({"predictions": predictions["x"].tolist(), "caller": list(frame.columns)}))
"""


def test_run_id_registration_extra_requirements_and_copy_mode_dict(project: Path):
    """--run-id, --registered-model-name, --await-registration-for, --extra-pip-requirements
    and a --copy-mode dict, in one call on a SQLite store (registration needs a database)."""
    from mlflow.entities import RunStatus
    from mlflow.tracking import MlflowClient

    uri = f"sqlite:///{(project / 'mlflow.db').resolve().as_posix()}"
    (project / "conf" / "local" / "mlflow.yml").write_text(f"mlflow_tracking_uri: {uri}\n")
    client = MlflowClient(tracking_uri=uri)
    # The run may live in any experiment: a training run logged by another project.
    elsewhere = client.create_experiment(
        "elsewhere", artifact_location=(project / "elsewhere").resolve().as_uri()
    )
    run_id = client.create_run(elsewhere).info.run_id
    client.set_terminated(run_id, status="FAILED")
    args = ["-p", "mutating", "-i", "instances", "--run-id", run_id]
    args += ["--copy-mode", "{'instances': 'assign'}"]
    args += ["--registered-model-name", "km_model"]
    # mlflow's own log_model says whether it takes await_registration_for (not 1.9)
    awaits = "await_registration_for" in inspect.signature(mlflow.pyfunc.log_model).parameters
    if awaits:
        args += ["--await-registration-for", "17"]
    else:  # refused before anything is logged, naming the option and the mlflow
        refused = kedro(["mlflow", "modelify", *args, "--await-registration-for", "17"], project)
        assert refused.returncode == 1
        assert "--await-registration-for cannot be used" in refused.stderr
        assert f"mlflow {mlflow.__version__}" in refused.stderr
        assert client.list_artifacts(run_id) == []
    extras = MLFLOW_VERSION >= (1, 20, 0)
    if extras:
        args += ["--extra-pip-requirements", "scikit-learn>=0.20,<2,cachetools"]
    result = kedro(["mlflow", "modelify", *args], project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Run id: {run_id}\n" in result.stdout
    assert f"Model URI: runs:/{run_id}/model\n" in result.stdout
    # The model went into the given run, which keeps its status; no run was created.
    experiments = client.get_experiment_by_name("km_demo"), client.get_experiment("0")
    for experiment in experiments:
        if experiment is not None:
            assert client.search_runs([experiment.experiment_id]) == []
    assert [run.info.run_id for run in client.search_runs([elsewhere])] == [run_id]
    assert client.get_run(run_id).info.status == RunStatus.to_string(RunStatus.FAILED)
    model_folder = project / "elsewhere" / run_id / "artifacts" / "model"
    assert mlmodel(model_folder)["run_id"] == run_id
    # --registered-model-name: version 1 of km_model is this run's model.
    (version,) = client.search_model_versions("name='km_model'")
    assert (str(version.version), version.run_id) == ("1", run_id)
    assert version.source.rstrip("/").endswith(f"{run_id}/artifacts/model")
    if awaits and MLFLOW_VERSION < (2, 0, 0):
        # mlflow 1.x's client says how long it waits; 2.x's local stores skip the wait.
        assert "Waiting up to 17 seconds" in result.stdout + result.stderr
    if extras:
        # Added to the requirements mlflow infers (which include mlflow itself).
        lines = requirement_lines(model_folder)
        assert lines[-2:] == ["scikit-learn<2,>=0.20", "cachetools"]
        assert any(line.startswith("mlflow") for line in lines)
    # The dict copy mode reached the model: with "assign" the node writes into the
    # caller's own frame (the default copy would leave it untouched).
    environment = {**os.environ, "PYTHONPATH": str(project / "src")}
    checked = subprocess.run(
        [sys.executable, "-c", MUTATION_CHECK, uri, "models:/km_model/1"],
        cwd=project,
        capture_output=True,
        text=True,
        env=environment,
    )
    assert checked.returncode == 0, checked.stderr
    seen = json.loads(checked.stdout.strip().splitlines()[-1])
    assert seen == {"predictions": [2.0, 4.0], "caller": ["x", "seen"]}


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["-p", "missing", "-i", "instances"],
            "No pipeline named 'missing' is registered in this project; the registered"
            " pipelines are: '__default__', 'mutating', 'needs_unknown', 'predict',"
            " 'two_outputs'.",
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


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["--copy-mode", "shallow"],
            "Invalid value for --copy-mode: expected one of assign/copy/deepcopy, or a dict"
            " mapping datasets of the pipeline to one of them, got 'shallow'.",
        ),
        (
            ["--copy-mode", "{'instances': 'shallow'}"],
            "Invalid value for --copy-mode: expected one of assign/copy/deepcopy, or a dict",
        ),
        (
            ["--copy-mode", "{'nowhere': 'copy'}"],
            "Invalid value for --copy-mode: 'nowhere' is not a dataset of the pipeline; its"
            " datasets are 'instances', 'offset', 'params:factor', 'predictions', 'scaled'.",
        ),
        (
            ["--conda-env", "missing.yml"],
            "Invalid value for --conda-env: expected the path of a file that exists, got"
            " 'missing.yml'.",
        ),
        (
            ["--conda-env", "conf/base/parameters.yml"],
            "Invalid value for --conda-env: expected a conda environment YAML file (a mapping"
            " whose dependencies are a list), got 'conf/base/parameters.yml'.",
        ),
        (
            ["--artifact-path", "../outside"],
            "Invalid value for --artifact-path: expected a relative folder of the run, without"
            " '..', got '../outside'.",
        ),
        (
            ["--code-path", "src/km_demo", "--code-path", "no_such_folder"],
            "Invalid value for --code-path: expected the path of a file or folder that"
            " exists, got 'no_such_folder'.",
        ),
        (
            ["--pip-requirements", "missing/requirements.txt"],
            "Invalid value for --pip-requirements: expected the path of a pip requirements"
            " file that exists, got 'missing/requirements.txt'.",
        ),
        (
            ["--extra-pip-requirements", "pandas>=1,scikit learn"],
            "Invalid value for --extra-pip-requirements: expected a pip requirements file or a"
            " comma-separated list of requirement specifiers (e.g. 'pandas>=1,<2,scikit-learn');"
            " 'scikit learn' is not a requirement specifier, got",
        ),
        (
            ["--await-registration-for", "ten"],
            "Invalid value for --await-registration-for: expected a whole number of seconds"
            " (0 or more), got 'ten'.",
        ),
        (
            ["--run-id", "0123456789abcdef0123456789abcdef"],
            "Invalid value for --run-id: expected the id of a run of the project's tracking"
            " store, got '0123456789abcdef0123456789abcdef'",
        ),
        (
            ["--conda-env", "conf/base/catalog.yml", "--pip-requirements", "pandas"],
            "--conda-env and --pip-requirements exclude each other",
        ),
    ],
)
def test_a_bad_option_value_is_named_and_nothing_is_logged(
    project: Path, args: List[str], message: str
):
    result = kedro(["mlflow", "modelify", "-p", "predict", "-i", "instances", *args], project)
    assert result.returncode == 1, result.stdout + result.stderr
    assert message in " ".join(result.stderr.split())
    assert "Traceback" not in result.stdout + result.stderr
    assert runs(project) == []
    assert not list(project.glob("mlruns/*/*/artifacts"))


def test_a_deleted_run_id_is_refused(project: Path):
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=tracking_uri(project))
    run_id = client.create_run(client.create_experiment("old")).info.run_id
    client.delete_run(run_id)
    args = ["-p", "predict", "-i", "instances", "-r", run_id]
    result = kedro(["mlflow", "modelify", *args], project)
    assert result.returncode == 1
    assert f"Invalid value for --run-id: the run '{run_id}' is deleted" in result.stderr
    assert not list(project.glob("mlruns/*/*/artifacts/*"))


@pytest.mark.skipif(MLFLOW_VERSION >= (2, 0, 0), reason="mlflow 2.x file stores have a registry")
def test_registering_in_a_store_without_registry_logs_nothing(project: Path):
    args = ["-p", "predict", "-i", "instances", "--registered-model-name", "km_model"]
    result = kedro(["mlflow", "modelify", *args], project)
    assert result.returncode == 1
    assert "--registered-model-name 'km_model': the project's MLflow store cannot register" in (
        " ".join(result.stderr.split())
    )
    assert runs(project) == []


def test_when_mlflow_fails_the_new_run_is_marked_failed_and_deleted(project: Path):
    # A folder name longer than the file system allows: only mlflow's writing finds out.
    args = ["-p", "predict", "-i", "instances", "--artifact-path", "a" * 300]
    result = kedro(["mlflow", "modelify", *args], project)
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    message = " ".join(result.stderr.split())
    assert "MLflow could not log the model (OSError: " in message
    (meta_file,) = runs(project)
    assert f"the run {meta_file.parent.name} was marked FAILED and deleted." in message
    meta = yaml.safe_load(meta_file.read_text())
    assert (meta["status"], meta["lifecycle_stage"]) == (4, "deleted")  # RunStatus.FAILED


@pytest.mark.skipif(MLFLOW_VERSION >= (1, 20, 0), reason="mlflow takes pip_requirements")
def test_pip_requirements_on_an_older_mlflow_name_the_version_needed(project: Path):
    args = ["-p", "predict", "-i", "instances", "--pip-requirements", "pandas"]
    result = kedro(["mlflow", "modelify", *args], project)
    assert result.returncode == 1
    message = " ".join(result.stderr.split())
    assert "--pip-requirements cannot be used: pip_requirements needs mlflow>=1.20.0" in message
    assert "this environment has mlflow 1." in message
    assert runs(project) == []


def test_modelify_says_what_it_uploads_and_where_before_logging(project: Path):
    result = kedro(["mlflow", "modelify", "-p", "predict", "-i", "instances"], project)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    run_id = re.search(r"^Run id: (\w+)$", result.stdout, re.MULTILINE).group(1)
    (upload,) = [line for line in output.splitlines() if "Uploading the model 'model'" in line]
    # offset.pkl and `params:factor`, pickled for the model: a few bytes
    found = re.search(r"\((\d+) B in 2 artifact files\) to MLflow run (\w+) at (\S+)$", upload)
    assert found is not None, upload
    assert int(found.group(1)) > (project / "data/06_models/offset.pkl").stat().st_size
    assert found.group(2) == run_id
    run_folder = next(path.parent for path in runs(project) if path.parent.name == run_id)
    assert found.group(3) == f"{(run_folder / 'artifacts').as_uri()}/model", upload


def test_modelify_is_a_project_command(tmp_path: Path, project: Path):
    listed = kedro(["mlflow", "-h"], project)
    assert listed.returncode == 0 and "modelify" in listed.stdout
    outside = kedro(["mlflow", "-h"], tmp_path)
    assert "modelify" not in outside.stdout
    result = kedro(["mlflow", "modelify", "-p", "predict", "-i", "instances"], tmp_path)
    assert result.returncode == 1
    assert "`kedro mlflow modelify` works at the root of a kedro project" in result.stderr
