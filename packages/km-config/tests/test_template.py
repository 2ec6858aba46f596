"""The mlflow.yml that `kedro mlflow init` writes: every key of the schema, at the
values of the 0.7.3 guide's template (4.1.2.x) and our added keys at their defaults."""

from pathlib import Path

import yaml

from kedro_mlflow.config import (
    KedroMlflowConfig,
    iter_keys,
    read_mlflow_config,
    render_mlflow_yml,
)

from .conftest import write

# What the guide's mlflow.yml chapter shows for each key (4.1.2.1-4.1.2.6), the
# experiment named after the package; stores_environment_variables and
# restore_if_deleted (0.8's keys, also read in this layout) and log_dataset_inputs
# are added, at their defaults.
GUIDE_TEMPLATE = {
    "mlflow_tracking_uri": "mlruns",
    "credentials": None,
    "stores_environment_variables": {},
    "disable_tracking": {"pipelines": []},
    "experiment": {"name": "my_pkg", "create": True, "restore_if_deleted": True},
    "run": {"id": None, "name": None, "nested": True},
    "ui": {"port": None, "host": None},
    "hooks": {
        "node": {
            "flatten_dict_params": False,
            "recursive": True,
            "sep": ".",
            "long_parameters_strategy": "fail",
        },
        "pipeline": {"log_dataset_inputs": False},
    },
}


def test_rendered_file_holds_the_guide_template():
    assert yaml.safe_load(render_mlflow_yml("my_pkg")) == GUIDE_TEMPLATE


def test_rendered_file_writes_the_tracking_uri_as_the_guide_shows():
    assert "\nmlflow_tracking_uri: mlruns\n" in render_mlflow_yml("my_pkg")


def test_a_deferred_tracking_uri_is_written_null():
    text = render_mlflow_yml("my_pkg", defer_tracking_uri=True)
    assert "\nmlflow_tracking_uri: null\n" in text
    assert yaml.safe_load(text) == {**GUIDE_TEMPLATE, "mlflow_tracking_uri": None}


def test_only_the_tracking_uri_differs_from_the_schema_defaults():
    content = yaml.safe_load(render_mlflow_yml("my_pkg"))
    expected = KedroMlflowConfig().to_dict()
    expected["experiment"]["name"] = "my_pkg"
    expected["mlflow_tracking_uri"] = "mlruns"
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
