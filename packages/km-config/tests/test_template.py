"""The mlflow.yml that `kedro mlflow init` writes: the schema's keys at their defaults."""

from pathlib import Path

import yaml

from kedro_mlflow.config import (
    KedroMlflowConfig,
    iter_keys,
    read_mlflow_config,
    render_mlflow_yml,
)

from .conftest import write


def test_rendered_file_holds_exactly_the_schema_defaults():
    content = yaml.safe_load(render_mlflow_yml("my_pkg"))
    expected = KedroMlflowConfig().to_dict()
    expected["experiment"]["name"] = "my_pkg"
    assert content == expected


def test_every_key_has_a_comment_line_above_it():
    lines = render_mlflow_yml("my_pkg").splitlines()
    index = 0
    for key in iter_keys():  # in file order
        name = key.path.rsplit(".", 1)[-1]
        indent = "  " * key.path.count(".")
        while not lines[index].startswith(f"{indent}{name}:"):
            index += 1
        assert lines[index - 1] == f"{indent}# {key.help}"


def test_rendered_file_reads_back_through_a_project_loader(project: Path, loader):
    write(project / "conf/local/mlflow.yml", render_mlflow_yml("my_pkg"))
    config = read_mlflow_config(loader, project, "other_name")
    assert config.experiment.name == "my_pkg"
    assert config.mlflow_tracking_uri == (project / "mlruns").resolve().as_uri()
    defaults = KedroMlflowConfig.from_dict({}, project_path=project, package_name="my_pkg")
    assert config.to_dict() == defaults.to_dict()


def test_without_package_the_experiment_name_stays_null():
    assert yaml.safe_load(render_mlflow_yml())["experiment"]["name"] is None
