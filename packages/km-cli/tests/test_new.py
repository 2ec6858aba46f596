"""`kedro mlflow new` through the real kedro CLI: kedro's own project plus our example.

The example's training run, its logged model and serving are proven against the
combined install in tests-integration/test_new_project.py; here km-cli is alone.
"""

import os
import subprocess
from pathlib import Path
from typing import List, Optional

import pytest
import yaml
from km_testkit.executables import KEDRO

from kedro_mlflow.compat.kedro_compat import plugin_hooks_auto_registered
from kedro_mlflow.config import render_mlflow_yml

EXAMPLE_FILES = [
    "data/01_raw/iris_instances.csv",
    "data/01_raw/iris_labels.csv",
    "src/iris_app/pipelines/iris/__init__.py",
    "src/iris_app/pipelines/iris/nodes.py",
    "src/iris_app/pipelines/iris/pipeline.py",
    "conf/local/mlflow.yml",
]


def kedro(
    args: List[str], cwd: Path, stdin: Optional[str] = None
) -> "subprocess.CompletedProcess[str]":
    # cookiecutter keeps replay files in $HOME: one per test
    env = {**os.environ, "HOME": str(cwd)}
    return subprocess.run(
        [KEDRO, *args], cwd=cwd, input=stdin, capture_output=True, text=True, env=env
    )


def write_config(folder: Path, **overrides) -> Path:
    config = {
        "output_dir": str(folder),
        "project_name": "Iris App",
        "repo_name": "iris-app",
        "python_package": "iris_app",
        "include_example": False,  # asked by kedro 0.16, ignored by 0.17
        **overrides,
    }
    path = folder / "new.yml"
    path.write_text(yaml.safe_dump(config))
    return path


def test_new_from_a_config_file_sets_the_project_up(tmp_path: Path):
    result = kedro(["mlflow", "new", "--config", str(write_config(tmp_path))], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    project = tmp_path / "iris-app"
    for name in EXAMPLE_FILES:
        assert (project / name).is_file(), name
        assert f"wrote {name}" in result.stdout
    assert f"cd {project}" in result.stdout
    assert (project / "conf/local/mlflow.yml").read_text() == render_mlflow_yml(
        "iris_app", defer_tracking_uri=True
    )
    catalog = yaml.safe_load((project / "conf/base/catalog.yml").read_text())
    assert catalog["evaluation_metrics"]["type"] == "kedro_mlflow.io.metrics.MlflowMetricsDataSet"
    assert catalog["model"]["filepath"] == "data/06_models/model.pkl"
    parameters = yaml.safe_load((project / "conf/base/parameters.yml").read_text())
    assert parameters == {"test_fraction": 0.2, "seed": 42, "learning_rate": 0.5, "epochs": 200}
    assert "kedro-mlflow>=0.8,<0.9" in (project / "src/requirements.txt").read_text()
    run_py = project / "src/iris_app/run.py"
    declared = run_py.is_file() and "hooks = (mlflow_pipeline_hook, mlflow_node_hook)" in (
        run_py.read_text()
    )
    assert declared == (not plugin_hooks_auto_registered())


def test_the_new_project_registers_the_example_pipelines(tmp_path: Path):
    assert kedro(["mlflow", "new", "-c", str(write_config(tmp_path))], tmp_path).returncode == 0
    listed = kedro(["pipeline", "list"], tmp_path / "iris-app")
    assert listed.returncode == 0, listed.stderr
    names = {line.strip("- ").strip() for line in listed.stdout.splitlines() if line.strip()}
    assert {"__default__", "training", "inference"} <= names


def test_new_answers_kedro_new_prompts(tmp_path: Path):
    # project name, repository, package; kedro 0.16 also asks whether to add its example
    answers = "Prompted App\nprompted-app\nprompted_app\nN\n"
    result = kedro(["mlflow", "new"], tmp_path, stdin=answers)
    assert result.returncode == 0, result.stdout + result.stderr
    project = tmp_path / "prompted-app"
    assert (project / "src/prompted_app/pipelines/iris/pipeline.py").is_file()
    assert (project / "conf/local/mlflow.yml").read_text() == render_mlflow_yml(
        "prompted_app", defer_tracking_uri=True
    )


def test_a_failing_kedro_new_adds_nothing(tmp_path: Path):
    existing = tmp_path / "iris-app"  # kedro new refuses to overwrite a folder
    (existing / "conf").mkdir(parents=True)
    result = kedro(["mlflow", "new", "--config", str(write_config(tmp_path))], tmp_path)
    assert result.returncode == 1
    assert "`kedro new` failed" in result.stderr
    assert "nothing was added" in result.stderr
    assert "wrote" not in result.stdout
    assert [path.name for path in existing.rglob("*")] == ["conf"]


@pytest.mark.parametrize("content", ["- a list\n", "key: [unclosed\n"])
def test_a_config_that_is_not_a_mapping_is_named(tmp_path: Path, content: str):
    config = tmp_path / "new.yml"
    config.write_text(content)
    result = kedro(["mlflow", "new", "--config", str(config)], tmp_path)
    assert result.returncode == 1
    assert str(config) in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
