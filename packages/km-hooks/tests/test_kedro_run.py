"""`kedro run` on a real project: the MLflow run it makes, read back from the store."""

import ast
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import List
from urllib.parse import urlparse

import pytest
import yaml
from km_testkit.executables import KEDRO
from km_testkit.ports import free_port
from km_testkit.projects import DEMO_PACKAGE as PACKAGE  # the `kedro_project` fixture's
from km_testkit.versions import MLFLOW_VERSION
from mlflow.models import Model
from mlflow.tracking import MlflowClient

from kedro_mlflow.compat.kedro_compat import plugin_hooks_auto_registered
from kedro_mlflow.compat.mlflow_compat import max_param_length, max_tag_length

PIPELINES = """
from pathlib import Path
from kedro.pipeline import Pipeline, node


def train(alpha, model_options, parameters):
    Path("node_ran.txt").write_text("train")
    return alpha


def explode(trained):
    raise ValueError("the node failed on purpose")


def pipelines():
    train_node = node(
        train, ["params:alpha", "params:model_options", "parameters"], "trained", name="train"
    )
    training = Pipeline([train_node])
    failing = Pipeline([train_node, node(explode, "trained", "never", name="explode")])
    return {"__default__": training, "training": training, "failing": failing, "quiet": training}
"""

PARAMETERS = """
alpha: 0.5
model_options:
  lr: 0.1
  layers:
    n: 2
"""


@pytest.fixture
def project(kedro_project: Path, pipelines_installer) -> Path:
    pipelines_installer(kedro_project, PIPELINES)
    if not plugin_hooks_auto_registered():  # kedro 0.16.0-0.16.3: users list them
        _declare_hooks_by_hand(kedro_project)
    (kedro_project / "conf/base/parameters.yml").write_text(PARAMETERS)
    return kedro_project


def mlflow_yml(project: Path, text: str) -> None:
    (project / "conf/local/mlflow.yml").write_text(textwrap.dedent(text))


def kedro_run(project: Path, args: List[str]) -> "subprocess.CompletedProcess[str]":
    return subprocess.run(
        [KEDRO, "run", *args], cwd=project, capture_output=True, text=True, env=dict(os.environ)
    )


def runs(project: Path, experiment: str = PACKAGE) -> list:
    client = MlflowClient((project / "mlruns").resolve().as_uri())
    found = client.get_experiment_by_name(experiment)
    return [] if found is None else client.search_runs([found.experiment_id])


def test_kedro_run_is_one_finished_mlflow_run_with_params_and_tags(project: Path):
    result = kedro_run(project, ["--pipeline", "training", "--params", "alpha:0.7"])
    assert result.returncode == 0, result.stdout + result.stderr
    (run,) = runs(project)
    assert run.info.status == "FINISHED"
    assert run.data.params["alpha"] == "0.7"
    assert run.data.params["model_options"] == str({"lr": 0.1, "layers": {"n": 2}})
    assert "parameters" in run.data.params
    tags = run.data.tags
    assert tags["mlflow.runName"] == "training"
    assert tags["pipeline_name"] == "training"
    assert tags["env"] == "local"
    assert tags["kedro_command"] == "kedro run --pipeline training --params alpha:0.7"
    assert tags["project_path"] == str(project.resolve())
    assert tags["kedro_version"]


# kedro's run parameters, each logged as a tag under its own name (0.7.3 guide, 3.3.3)
RUN_PARAM_TAGS = {
    "env",
    "extra_params",
    "from_inputs",
    "from_nodes",
    "kedro_version",
    "load_versions",
    "node_names",
    "pipeline_name",
    "project_path",
    "run_id",
    "tags",
    "to_nodes",
}


def test_run_tags_are_kedro_run_parameters_under_kedro_names(project: Path):
    result = kedro_run(
        project, ["--pipeline", "training", "--node", "train", "--params", "alpha:0.7"]
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (run,) = runs(project)
    tags = run.data.tags
    assert RUN_PARAM_TAGS | {"git_sha", "kedro_command"} <= set(tags), sorted(tags)
    ours = {key for key in tags if key.startswith("kedro_")}
    assert ours == {"kedro_version", "kedro_command"}, ours  # no kedro_ prefix on the others
    assert tags["pipeline_name"] == "training"
    assert tags["env"] == "local"
    assert list(ast.literal_eval(tags["node_names"])) == ["train"]
    assert ast.literal_eval(tags["extra_params"]) == {"alpha": 0.7}
    assert tags["project_path"] == str(project.resolve())
    assert tags["git_sha"] == "None"  # not a git repository
    assert ast.literal_eval(tags["from_inputs"]) == []
    found = MlflowClient((project / "mlruns").resolve().as_uri()).search_runs(
        [run.info.experiment_id], filter_string="tags.pipeline_name = 'training'"
    )
    assert [r.info.run_id for r in found] == [run.info.run_id]


def test_default_pipeline_run_tags_its_pipeline_name_as_kedro_gives_it(project: Path):
    assert kedro_run(project, []).returncode == 0
    (run,) = runs(project)
    assert run.data.tags["pipeline_name"] == "None"  # as the guide's table shows
    assert set(run.data.tags) >= RUN_PARAM_TAGS


def test_default_pipeline_names_the_run(project: Path):
    assert kedro_run(project, []).returncode == 0
    (run,) = runs(project)
    assert run.data.tags["mlflow.runName"] == "__default__"


def test_dict_parameters_are_flattened_when_asked(project: Path):
    mlflow_yml(
        project,
        """
        hooks:
          node:
            flatten_dict_params: true
            recursive: false
            sep: "__"
    """,
    )
    assert kedro_run(project, []).returncode == 0
    (run,) = runs(project)
    assert run.data.params["model_options__lr"] == "0.1"
    assert run.data.params["model_options__layers"] == str({"n": 2})
    assert run.data.params["parameters__alpha"] == "0.5"


@pytest.mark.parametrize("strategy", ["tag", "truncate"])
def test_long_parameters_follow_the_strategy(project: Path, strategy: str):
    limit = max_param_length()
    long_value = "x" * (limit + 10)
    (project / "conf/base/parameters.yml").write_text(PARAMETERS.replace("0.5", long_value))
    mlflow_yml(project, f"hooks:\n  node:\n    long_parameters_strategy: {strategy}\n")
    result = kedro_run(project, [])
    assert result.returncode == 0, result.stdout + result.stderr
    (run,) = runs(project)
    if strategy == "tag":  # a tag holds more than a param, up to mlflow's own tag limit
        assert run.data.tags["alpha"] == long_value[: max_tag_length()]
        assert "alpha" not in run.data.params
        cut = len(long_value) > max_tag_length()  # mlflow 2.x: tags are shorter than params
        warning = f"Parameter 'alpha' of node 'train' is {len(long_value)} characters long"
        assert (warning in result.stdout + result.stderr) == cut, result.stdout + result.stderr
    else:
        assert run.data.params["alpha"] == long_value[:limit]


@pytest.mark.parametrize("store", ["file", "sqlite"])
def test_long_parameter_with_fail_fails_the_run_at_its_node(project: Path, store: str):
    long_value = "x" * (max_param_length() + 10)
    (project / "conf/base/parameters.yml").write_text(PARAMETERS.replace("0.5", long_value))
    uri = "mlruns" if store == "file" else "sqlite:///mlflow.db"
    mlflow_yml(
        project,
        f"mlflow_tracking_uri: {uri}\nhooks:\n  node:\n    long_parameters_strategy: fail\n",
    )
    result = kedro_run(project, [])
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "LongParameterError" in output and "'alpha'" in output and "'train'" in output, output
    assert not (project / "node_ran.txt").exists()  # the node did not run
    if store == "file":
        (run,) = runs(project)
    else:
        client = MlflowClient(f"sqlite:///{project.resolve()}/mlflow.db")
        experiment = client.get_experiment_by_name(PACKAGE)
        (run,) = client.search_runs([experiment.experiment_id])
    assert run.info.status == "FAILED"
    assert "alpha" not in run.data.params and "alpha" not in run.data.tags
    assert run.data.params["model_options"] == str({"lr": 0.1, "layers": {"n": 2}})


def test_failing_node_leaves_a_failed_run_with_the_params_that_ran(project: Path):
    result = kedro_run(project, ["--pipeline", "failing"])
    assert result.returncode != 0
    (run,) = runs(project)
    assert run.info.status == "FAILED"
    assert run.data.params["alpha"] == "0.5"


def test_disabled_pipeline_logs_nothing(project: Path):
    mlflow_yml(project, "disable_tracking:\n  pipelines:\n    - quiet\n")
    result = kedro_run(project, ["--pipeline", "quiet"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert (project / "node_ran.txt").exists()
    assert runs(project) == []


def test_unreachable_server_fails_before_any_node_runs(project: Path):
    port = free_port()
    mlflow_yml(project, f"mlflow_tracking_uri: http://127.0.0.1:{port}\n")
    result = kedro_run(project, [])
    assert result.returncode != 0
    assert f"the tracking server http://127.0.0.1:{port} does not answer" in (
        result.stdout + result.stderr
    )
    assert not (project / "node_ran.txt").exists()


def _declare_hooks_by_hand(project: Path) -> None:
    """Add the documented hook objects to the project, the way its kedro version allows."""
    hooks = (
        "kedro_mlflow.framework.hooks.mlflow_pipeline_hook",
        "kedro_mlflow.framework.hooks.mlflow_node_hook",
    )
    settings = project / "src" / PACKAGE / "settings.py"
    kedro_yml = project / ".kedro.yml"
    if settings.exists():  # kedro 0.17
        text = settings.read_text()
        text += (
            "\nfrom kedro_mlflow.framework.hooks import mlflow_node_hook, mlflow_pipeline_hook\n"
            "HOOKS = (*HOOKS, mlflow_pipeline_hook, mlflow_node_hook)\n"
        )
        settings.write_text(text)
    elif "hooks:" in kedro_yml.read_text():  # kedro 0.16.5+
        lines = "".join(f"  - {hook}\n" for hook in hooks)
        kedro_yml.write_text(kedro_yml.read_text().replace("hooks:\n", "hooks:\n" + lines))
    else:  # kedro 0.16.0-0.16.4: the ProjectContext lists them
        run = project / "src" / PACKAGE / "run.py"
        text = run.read_text().replace(
            f'    package_name = "{PACKAGE}"\n',
            f'    package_name = "{PACKAGE}"\n'
            "    from kedro_mlflow.framework.hooks import mlflow_node_hook, mlflow_pipeline_hook\n"
            "    hooks = (mlflow_pipeline_hook, mlflow_node_hook)\n",
        )
        run.write_text(text)


def test_hooks_declared_by_hand_log_once(project: Path):
    if plugin_hooks_auto_registered():
        _declare_hooks_by_hand(project)  # on top of the entry points' registration
    result = kedro_run(project, ["--params", "alpha:0.9"])
    assert result.returncode == 0, result.stdout + result.stderr
    (run,) = runs(project)
    assert run.info.status == "FINISHED"
    assert run.data.params["alpha"] == "0.9"


@pytest.mark.skipif(not plugin_hooks_auto_registered(), reason="kedro < 0.16.4")
def test_entry_points_register_the_hooks_on_their_own(project: Path):
    assert kedro_run(project, []).returncode == 0
    assert len(runs(project)) == 1


def _disable_plugin(project: Path, name: str) -> None:
    """List ``name`` in the project's disabled plugins, where its kedro version reads them."""
    settings = project / "src" / PACKAGE / "settings.py"
    if settings.exists():  # kedro 0.17
        settings.write_text(settings.read_text() + f"\nDISABLE_HOOKS_FOR_PLUGINS = ({name!r},)\n")
    else:  # kedro 0.16: .kedro.yml
        kedro_yml = project / ".kedro.yml"
        kedro_yml.write_text(kedro_yml.read_text() + f"disable_hooks_for_plugins:\n  - {name}\n")


@pytest.mark.skipif(not plugin_hooks_auto_registered(), reason="kedro < 0.16.4")
@pytest.mark.parametrize("name", ["kedro-mlflow", "km-hooks"])
def test_a_project_can_disable_the_auto_registered_hooks(project: Path, name: str):
    _disable_plugin(project, name)
    result = kedro_run(project, [])
    assert result.returncode == 0, result.stdout + result.stderr
    assert runs(project) == []


@pytest.mark.skipif(not plugin_hooks_auto_registered(), reason="kedro < 0.16.4")
def test_hooks_declared_by_hand_track_when_the_plugin_is_disabled(project: Path):
    _disable_plugin(project, "kedro-mlflow")
    _declare_hooks_by_hand(project)
    result = kedro_run(project, ["--params", "alpha:0.7"])
    assert result.returncode == 0, result.stdout + result.stderr
    (run,) = runs(project)
    assert run.info.status == "FINISHED"
    assert run.data.params["alpha"] == "0.7"


def _python(project: Path, body: str) -> "subprocess.CompletedProcess[str]":
    """Run ``body`` in a new Python process in the project; ``run(name)`` runs a pipeline."""
    code = (
        "from km_testkit.projects import run_project\n"
        "def run(pipeline):\n"
        "    run_project('.', pipeline_name=pipeline)\n"
    ) + textwrap.dedent(body)
    return subprocess.run([sys.executable, "-c", code], cwd=project, capture_output=True, text=True)


OUTER_RUN = """
import mlflow
mlflow.set_tracking_uri("mlruns")
mlflow.set_experiment("notebook")
with mlflow.start_run(run_name="outer") as outer:
    print("OUTER", outer.info.run_id)
    try:
        run("training")
    except Exception as error:
        print("ERROR", type(error).__name__, error)
    assert mlflow.active_run().info.run_id == outer.info.run_id, "the outer run was ended"
"""


def _outer_run_id(result: "subprocess.CompletedProcess[str]") -> str:
    assert "OUTER " in result.stdout, result.stdout + result.stderr
    return result.stdout.split("OUTER ")[1].split()[0]


def test_a_kedro_run_inside_an_active_run_is_its_child(project: Path):
    result = _python(project, OUTER_RUN)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ERROR" not in result.stdout, result.stdout
    outer = _outer_run_id(result)
    client = MlflowClient((project / "mlruns").resolve().as_uri())
    assert client.get_run(outer).data.params == {}  # the kedro run logged to its child
    (child,) = runs(project)
    assert child.info.run_id != outer
    assert child.data.tags["mlflow.parentRunId"] == outer
    assert child.info.status == "FINISHED"
    assert child.data.params["alpha"] == "0.5"
    assert child.data.tags["pipeline_name"] == "training"


def test_nested_false_refuses_a_kedro_run_inside_an_active_run(project: Path):
    mlflow_yml(project, "run:\n  nested: false\n")
    result = _python(project, OUTER_RUN)
    assert result.returncode == 0, result.stdout + result.stderr
    outer = _outer_run_id(result)
    error = result.stdout.split("ERROR ")[1]
    assert error.startswith("KedroMlflowConfigError"), error
    assert "mlflow.yml" in error and "run.nested" in error and outer in error, error
    assert not (project / "node_ran.txt").exists()  # refused before any node
    assert runs(project) == []  # nothing logged: no run in the project's experiment
    client = MlflowClient((project / "mlruns").resolve().as_uri())
    assert client.get_run(outer).data.params == {}


def test_run_id_of_the_active_run_logs_into_it_and_leaves_it_open(project: Path):
    result = _python(
        project,
        """
        import mlflow
        from pathlib import Path
        mlflow.set_tracking_uri("mlruns")
        mlflow.set_experiment("km_demo")  # the project's experiment, as run.id requires
        with mlflow.start_run(run_name="outer") as outer:
            Path("conf/local/mlflow.yml").write_text(f"run:\\n  id: {outer.info.run_id}\\n")
            run("training")
            assert mlflow.active_run().info.run_id == outer.info.run_id
        print("OUTER", outer.info.run_id)
    """,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    client = MlflowClient((project / "mlruns").resolve().as_uri())
    run = client.get_run(_outer_run_id(result))
    assert run.data.params["alpha"] == "0.5"
    assert run.data.tags["pipeline_name"] == "training"


def test_mlflow_run_id_variable_continues_that_run(project: Path):
    uri = (project / "mlruns").resolve().as_uri()
    client = MlflowClient(uri)
    experiment = client.create_experiment("orchestrator")
    made = client.create_run(experiment).info.run_id
    result = subprocess.run(
        [KEDRO, "run", "--pipeline", "training"],
        cwd=project,
        capture_output=True,
        text=True,
        env={**os.environ, "MLFLOW_RUN_ID": made},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert runs(project) == []  # no new run in the project's experiment
    run = client.get_run(made)
    assert run.data.params["alpha"] == "0.5"
    assert run.data.tags["pipeline_name"] == "training"
    assert run.info.status == "FINISHED"


def test_after_a_failure_the_next_run_in_the_process_starts_clean(project: Path):
    result = _python(
        project,
        """
        import mlflow
        try:
            run("failing")
        except ValueError:
            pass
        assert mlflow.active_run() is None, "a run was left active"
        run("training")
        print("DONE")
    """,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "DONE" in result.stdout
    statuses = sorted(run.info.status for run in runs(project))
    assert statuses == ["FAILED", "FINISHED"]


def test_git_commit_of_the_project_is_tagged(project: Path):
    git = ["git", "-c", "user.name=km", "-c", "user.email=km@example.invalid"]
    subprocess.run([*git, "init", "-q"], cwd=project, check=True)
    subprocess.run([*git, "add", "-A"], cwd=project, check=True)
    subprocess.run([*git, "commit", "-qm", "project"], cwd=project, check=True)
    sha = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=project, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert kedro_run(project, []).returncode == 0
    (run,) = runs(project)
    assert run.data.tags["git_sha"] == sha
    assert run.data.tags["mlflow.source.git.commit"] == sha


def test_parallel_runner_logs_the_params_of_nodes_run_in_workers(project: Path):
    result = kedro_run(project, ["--parallel", "--params", "alpha:0.3"])
    assert result.returncode == 0, result.stdout + result.stderr
    (run,) = runs(project)
    assert run.info.status == "FINISHED"
    assert run.data.params["alpha"] == "0.3"


PIPELINE_ML = """
import pandas as pd
from kedro.pipeline import Pipeline, node
from kedro_mlflow.pipeline import pipeline_ml_factory


def fit(instances):
    return float(instances["x"].mean())


def predict(instances, threshold):
    return pd.DataFrame({"above": (instances["x"] > threshold).astype(int)})


def pipelines():
    training = Pipeline([node(fit, "instances", "threshold", name="fit")])
    inference = Pipeline([node(predict, ["instances", "threshold"], "predictions", name="predict")])
    bound = pipeline_ml_factory(training=training, inference=inference, input_name="instances")
    return {"__default__": bound, "training": bound}
"""

CATALOG_ML = """
instances:
  type: pandas.CSVDataSet
  filepath: data/01_raw/instances.csv
threshold:
  type: pickle.PickleDataSet
  filepath: data/06_models/threshold.pkl
"""


@pytest.fixture
def ml_project(kedro_project: Path, pipelines_installer) -> Path:
    pipelines_installer(kedro_project, PIPELINE_ML)
    if not plugin_hooks_auto_registered():
        _declare_hooks_by_hand(kedro_project)
    raw = kedro_project / "data" / "01_raw"
    raw.mkdir(parents=True, exist_ok=True)
    (raw / "instances.csv").write_text("x\n1\n2\n3\n10\n")
    (kedro_project / "conf/base/catalog.yml").write_text(CATALOG_ML)
    return kedro_project


def test_training_run_logs_the_inference_pipeline_as_a_model(ml_project: Path):
    result = kedro_run(ml_project, ["--pipeline", "training"])
    assert result.returncode == 0, result.stdout + result.stderr
    (run,) = runs(ml_project)
    assert run.info.status == "FINISHED"
    code = (
        "import sys, mlflow.pyfunc, pandas as pd\n"
        "mlflow.set_tracking_uri(sys.argv[1])\n"
        "model = mlflow.pyfunc.load_model(f'runs:/{sys.argv[2]}/model')\n"
        "print(model.predict(pd.DataFrame({'x': [0, 100]}))['above'].tolist())\n"
    )
    # the nodes are the project's functions: its package must be importable, as when served
    predicted = subprocess.run(
        [sys.executable, "-c", code, (ml_project / "mlruns").as_uri(), run.info.run_id],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ml_project / "src")},
    )
    assert predicted.returncode == 0, predicted.stderr
    assert predicted.stdout.strip().splitlines()[-1] == "[0, 1]"
    # What the hook logged next to the nodes: the artifact, the signature, the environment
    model = Path(urlparse(run.info.artifact_uri).path) / "model"
    assert [p.name for p in (model / "artifacts").iterdir()] == ["threshold.pkl"]
    inputs = json.loads(Model.load(str(model / "MLmodel")).signature.to_dict()["inputs"])
    assert [column["name"] for column in inputs] == ["x"]
    conda = yaml.safe_load((model / "conda.yaml").read_text())
    (pip,) = [d["pip"] for d in conda["dependencies"] if isinstance(d, dict)]
    assert [r for r in pip if r.split("==")[0] == PACKAGE], pip  # the nodes' package


def _line_with(output: str, text: str) -> str:
    """The one line of ``output`` holding ``text``."""
    (line,) = [line for line in output.splitlines() if text in line]
    return line


def test_a_training_run_says_what_it_uploads_and_where_before_its_end_line(ml_project: Path):
    result = kedro_run(ml_project, ["--pipeline", "training"])
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    (run,) = runs(ml_project)
    run_id = run.info.run_id
    # the model's one artifact file (the inference pipeline's `threshold`): its size
    size = (ml_project / "data/06_models/threshold.pkl").stat().st_size
    assert size < 1000  # so shown in bytes
    upload = _line_with(output, "Uploading the model 'model'")
    assert f"({size} B in 1 artifact file)" in upload, upload
    assert f"MLflow run {run_id} at {run.info.artifact_uri}/model" in upload, upload
    end = _line_with(output, f"MLflow run {run_id} ended FINISHED")
    assert "in the MLflow UI" not in end  # a file store has no UI address
    lines = output.splitlines()
    assert lines.index(upload) < lines.index(end)


def test_a_failed_run_ends_with_a_line_naming_it(project: Path):
    result = kedro_run(project, ["--pipeline", "failing"])
    assert result.returncode != 0
    (run,) = runs(project)
    assert f"MLflow run {run.info.run_id} ended FAILED" in result.stdout + result.stderr


@pytest.mark.parametrize("kept", [["--from-inputs", "instances"], ["--node", "fit"]])
def test_a_filter_that_keeps_the_training_whole_still_logs_the_model(
    ml_project: Path, kept: List[str]
):
    result = kedro_run(ml_project, ["--pipeline", "training", *kept])
    assert result.returncode == 0, result.stdout + result.stderr
    (run,) = runs(ml_project)
    assert run.info.status == "FINISHED"
    logged = MlflowClient((ml_project / "mlruns").resolve().as_uri()).list_artifacts(
        run.info.run_id, "model"
    )
    assert "model/MLmodel" in {artifact.path for artifact in logged}


PIPELINE_ML_FROM_RAW = """
import pandas as pd
from kedro.pipeline import Pipeline, node
from kedro_mlflow.pipeline import pipeline_ml_factory


def split(raw):
    return raw[["x"]]


def fit(features):
    return float(features["x"].mean())


def predict(features, threshold):
    return pd.DataFrame({"above": (features["x"] > threshold).astype(int)})


def pipelines():
    training = Pipeline(
        [node(split, "instances", "features", name="split"), node(fit, "features", "threshold")]
    )
    inference = Pipeline([node(predict, ["features", "threshold"], "predictions")])
    bound = pipeline_ml_factory(training=training, inference=inference, input_name="features")
    return {"__default__": bound, "training": bound}
"""


def test_a_model_input_that_training_makes_in_memory_gives_the_signature(
    ml_project: Path, pipelines_installer
):
    """As 0.7.3 accepted: training makes `features` from raw data, kept in memory."""
    pipelines_installer(ml_project, PIPELINE_ML_FROM_RAW)
    (ml_project / "data/01_raw/instances.csv").write_text("x,y\n1,a\n2,b\n3,c\n10,d\n")
    result = kedro_run(ml_project, ["--pipeline", "training"])
    assert result.returncode == 0, result.stdout + result.stderr
    (run,) = runs(ml_project)
    assert run.info.status == "FINISHED"
    model = Path(urlparse(run.info.artifact_uri).path) / "model"
    inputs = json.loads(Model.load(str(model / "MLmodel")).signature.to_dict()["inputs"])
    assert [column["name"] for column in inputs] == ["x"]  # split's output, not the raw file


def test_an_artifact_kept_in_memory_fails_before_training(ml_project: Path):
    (ml_project / "conf/base/catalog.yml").write_text(CATALOG_ML.split("threshold:")[0])
    result = kedro_run(ml_project, ["--pipeline", "training"])
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "NonPersistedArtifactError" in output and "'threshold'" in output, output
    assert not (ml_project / "data" / "06_models" / "threshold.pkl").exists()
    assert runs(ml_project) == []


METRICS_PIPELINE = """
from pathlib import Path
from urllib.parse import urlparse

import mlflow
from kedro.pipeline import Pipeline, node


def evaluate(alpha):
    loss = [{"value": 1.0, "step": 0}, {"value": 0.5, "step": 1}]
    return {"accuracy": {"value": 0.9, "step": 0}, "loss": loss}


def evaluate_where_nothing_can_be_written(alpha):
    # a file where the run's metrics folder goes: no metric can be written, root or not
    run_folder = Path(urlparse(mlflow.active_run().info.artifact_uri).path).parent
    (run_folder / "metrics").rmdir()
    (run_folder / "metrics").write_text("not a folder")
    return evaluate(alpha)


def pipelines():
    evaluation = Pipeline([node(evaluate, "params:alpha", "model_metrics", name="evaluate")])
    blocked = Pipeline(
        [node(evaluate_where_nothing_can_be_written, "params:alpha", "model_metrics")]
    )
    return {"__default__": evaluation, "quiet": evaluation, "blocked": blocked}
"""


@pytest.fixture
def metrics_project(kedro_project: Path, pipelines_installer) -> Path:
    pipelines_installer(kedro_project, METRICS_PIPELINE)
    if not plugin_hooks_auto_registered():
        _declare_hooks_by_hand(kedro_project)
    (kedro_project / "conf/base/parameters.yml").write_text(PARAMETERS)
    (kedro_project / "conf/base/catalog.yml").write_text(
        "model_metrics:\n  type: kedro_mlflow.io.metrics.MlflowMetricsDataSet\n"
    )
    return kedro_project


def test_metrics_without_prefix_are_named_after_their_catalog_entry(metrics_project: Path):
    result = kedro_run(metrics_project, [])
    assert result.returncode == 0, result.stdout + result.stderr
    (run,) = runs(metrics_project)
    assert run.data.metrics == {"model_metrics.accuracy": 0.9, "model_metrics.loss": 0.5}
    client = MlflowClient((metrics_project / "mlruns").resolve().as_uri())
    history = client.get_metric_history(run.info.run_id, "model_metrics.loss")
    assert sorted((m.step, m.value) for m in history) == [(0, 1.0), (1, 0.5)]


def test_metrics_that_cannot_be_logged_fail_the_run_naming_the_dataset(metrics_project: Path):
    # the node returns at once: its batch goes out in the background, and the failure
    # to send it is the kedro run's failure, before the MLflow run is ended
    result = kedro_run(metrics_project, ["--pipeline", "blocked"])
    assert result.returncode != 0, result.stdout + result.stderr
    (run,) = runs(metrics_project)
    assert run.info.status == "FAILED"
    assert run.data.params == {"alpha": "0.5"}
    assert "MlflowMetricsDataSet(" in result.stderr
    assert (
        f"the values of model_metrics.accuracy, model_metrics.loss could not be logged"
        f" to run {run.info.run_id}" in result.stderr
    )


def test_a_disabled_pipeline_s_datasets_log_nothing_either(metrics_project: Path):
    mlflow_yml(metrics_project, "disable_tracking:\n  pipelines: [quiet]\n")
    result = kedro_run(metrics_project, ["--pipeline", "quiet"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert runs(metrics_project) == []  # not even a run started by the dataset itself


INPUTS_PIPELINE = """
from kedro.pipeline import Pipeline, node


def fit(measures, alpha):
    return float(measures["x"].sum()) * alpha


def pipelines():
    fitting = Pipeline([node(fit, ["measures", "params:alpha"], "fitted", name="fit")])
    return {"__default__": fitting}
"""


@pytest.fixture
def inputs_project(kedro_project: Path, pipelines_installer) -> Path:
    pipelines_installer(kedro_project, INPUTS_PIPELINE)
    if not plugin_hooks_auto_registered():
        _declare_hooks_by_hand(kedro_project)
    (kedro_project / "conf/base/parameters.yml").write_text(PARAMETERS)
    (kedro_project / "data/01_raw/measures.csv").write_text("x,y\n1,a\n2,b\n3,c\n")
    (kedro_project / "conf/base/catalog.yml").write_text(
        "measures:\n  type: pandas.CSVDataSet\n  filepath: data/01_raw/measures.csv\n"
    )
    return kedro_project


@pytest.mark.parametrize("switched_on", [True, False])
def test_the_pipeline_inputs_are_recorded_as_mlflow_datasets(
    inputs_project: Path, switched_on: bool
):
    if switched_on:
        mlflow_yml(inputs_project, "hooks:\n  pipeline:\n    log_dataset_inputs: true\n")
    result = kedro_run(inputs_project, [])
    assert result.returncode == 0, result.stdout + result.stderr
    (run,) = runs(inputs_project)
    assert run.info.status == "FINISHED"
    assert run.data.params["alpha"] == "0.5"
    if MLFLOW_VERSION < (2, 4, 0):  # no dataset tracking in this mlflow: a clean no-op
        return
    recorded = run.inputs.dataset_inputs
    if not switched_on:
        assert recorded == []
        return
    (record,) = recorded
    assert record.dataset.name == "measures"
    assert record.dataset.source_type == "local"
    assert "data/01_raw/measures.csv" in record.dataset.source
    assert '"x"' in record.dataset.schema and '"y"' in record.dataset.schema
    assert record.dataset.digest
    assert {(tag.key, tag.value) for tag in record.tags} == {("mlflow.data.context", "__default__")}
