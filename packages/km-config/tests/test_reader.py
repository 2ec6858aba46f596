"""Reading mlflow.yml through kedro's own config loaders, as a project does."""

import logging
from pathlib import Path

import pytest
from kedro.config import ConfigLoader, TemplatedConfigLoader

from kedro_mlflow.config import KedroMlflowConfigError, read_mlflow_config

from .conftest import write


def test_local_overrides_base_key_by_key(project: Path, loader):
    write(
        project / "conf/base/mlflow.yml",
        """
        experiment:
          name: from_base
        run:
          nested: false
    """,
    )
    write(
        project / "conf/local/mlflow.yml",
        """
        experiment:
          name: from_local
    """,
    )
    config = read_mlflow_config(loader, project, "pkg")
    assert config.experiment.name == "from_local"
    assert config.run.nested is False
    assert config.source_files == [
        (project / "conf/base/mlflow.yml").resolve(),
        (project / "conf/local/mlflow.yml").resolve(),
    ]


def test_no_file_means_defaults_and_one_hint_in_the_log(project: Path, loader, caplog):
    caplog.set_level(logging.INFO, logger="kedro_mlflow")
    config = read_mlflow_config(loader, project, "pkg")
    read_mlflow_config(loader, project, "pkg")
    assert config.mlflow_tracking_uri == (project / "mlruns").resolve().as_uri()
    assert config.experiment.name == "pkg"
    hints = [r.getMessage() for r in caplog.records if "kedro mlflow init" in r.getMessage()]
    assert len(hints) == 1
    assert str(project / "conf") in hints[0]


def test_no_file_follows_the_mlflow_environment_variable(project: Path, loader, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:5999")
    assert read_mlflow_config(loader, project, "pkg").mlflow_tracking_uri == (
        "http://127.0.0.1:5999"
    )


def test_null_uri_means_the_same_as_no_key(project: Path, loader, monkeypatch):
    write(project / "conf/local/mlflow.yml", "mlflow_tracking_uri: null\n")
    assert read_mlflow_config(loader, project, "pkg").mlflow_tracking_uri == (
        (project / "mlruns").resolve().as_uri()
    )
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "sqlite:////tmp/elsewhere.db")
    assert read_mlflow_config(loader, project, "pkg").mlflow_tracking_uri == (
        "sqlite:////tmp/elsewhere.db"
    )


def test_empty_file_means_defaults(project: Path, loader):
    write(project / "conf/local/mlflow.yml", "")
    assert read_mlflow_config(loader, project, "pkg").experiment.name == "pkg"


@pytest.mark.parametrize(
    "written, expected",
    [
        ("mlruns", "{root}/mlruns"),
        ("./tracking/store", "{root}/tracking/store"),
        ("file:mlruns", "{root}/mlruns"),
        ("sqlite:///mlflow.db", "sqlite:///{root}/mlflow.db"),
        ("sqlite:///data/mlflow.db", "sqlite:///{root}/data/mlflow.db"),
        ("sqlite:////var/lib/mlflow.db", "sqlite:////var/lib/mlflow.db"),
        ("/srv/mlruns", "file:///srv/mlruns"),
        ("file:///srv/mlruns", "file:///srv/mlruns"),
        ("http://127.0.0.1:5000", "http://127.0.0.1:5000"),
        ("postgresql://mlflow@127.0.0.1:5432/mlflow", "postgresql://mlflow@127.0.0.1:5432/mlflow"),
        ("databricks", "databricks"),
    ],
)
def test_relative_uris_are_taken_from_the_project_root(project, loader, written, expected):
    write(project / "conf/local/mlflow.yml", f"mlflow_tracking_uri: {written}\n")
    root = project.resolve()
    expected = expected.format(root=root)
    if expected.startswith(str(root)):
        expected = Path(expected).as_uri()
    # run from elsewhere: the cwd must not matter
    assert read_mlflow_config(loader, project, "pkg").mlflow_tracking_uri == expected


def test_bad_key_names_the_file_that_holds_it(project: Path, loader):
    write(project / "conf/base/mlflow.yml", "experiment:\n  name: fine\n")
    local = write(
        project / "conf/local/mlflow.yml",
        """
        hooks:
          node:
            long_parameters_strategy: shorten
    """,
    )
    with pytest.raises(KedroMlflowConfigError) as info:
        read_mlflow_config(loader, project, "pkg")
    assert info.value.files == [local.resolve()]
    assert info.value.key == "hooks.node.long_parameters_strategy"
    message = str(info.value)
    assert str(local.resolve()) in message
    assert "expected one of 'fail', 'tag', 'truncate', got 'shorten'" in message


def test_unquoted_off_pipeline_name_is_reported_with_its_file(project: Path, loader):
    path = write(
        project / "conf/base/mlflow.yml",
        """
        disable_tracking:
          pipelines:
            - etl
            - off
    """,
    )
    with pytest.raises(KedroMlflowConfigError) as info:
        read_mlflow_config(loader, project, "pkg")
    assert info.value.files == [path.resolve()]
    assert info.value.key == "disable_tracking.pipelines[1]"
    assert "got False (bool)" in str(info.value) and "quote the value" in str(info.value)


def test_yaml_that_does_not_parse_names_the_file_and_line(project: Path, loader):
    path = write(
        project / "conf/local/mlflow.yml",
        """
        experiment:
          name: [unclosed
        run:
          nested: true
    """,
    )
    with pytest.raises(KedroMlflowConfigError) as info:
        read_mlflow_config(loader, project, "pkg")
    assert info.value.files == [path.resolve()]
    assert "not valid YAML" in str(info.value)
    assert "line" in str(info.value)


def test_templated_config_loader_values_are_resolved(project: Path):
    write(project / "conf/base/globals.yml", "tracking_store: sqlite:///tracking.db\n")
    write(
        project / "conf/base/mlflow.yml",
        """
        mlflow_tracking_uri: ${tracking_store}
        experiment:
          name: ${experiment}
    """,
    )
    loader = TemplatedConfigLoader(
        [str(project / "conf/base"), str(project / "conf/local")],
        globals_pattern="*globals.yml",
        globals_dict={"experiment": "templated"},
    )
    config = read_mlflow_config(loader, project, "pkg")
    assert config.mlflow_tracking_uri == f"sqlite:///{project.resolve()}/tracking.db"
    assert config.experiment.name == "templated"


def test_files_in_an_mlflow_folder_are_read_too(project: Path):
    write(project / "conf/base/mlflow/tracking.yml", "experiment:\n  name: split\n")
    loader = ConfigLoader([str(project / "conf/base")])
    assert read_mlflow_config(loader, project, "pkg").experiment.name == "split"


def test_file_whose_top_level_is_not_a_mapping_is_named(project: Path, loader):
    write(project / "conf/base/mlflow.yml", "experiment:\n  name: fine\n")
    path = write(project / "conf/local/mlflow.yml", "- mlruns\n- other\n")
    with pytest.raises(KedroMlflowConfigError) as info:
        read_mlflow_config(loader, project, "pkg")
    assert info.value.files == [path.resolve()]
    assert "expected a mapping of keys at the top of the file, got list" in str(info.value)


def test_same_key_in_two_files_of_one_environment_is_reported(project: Path, loader):
    first = write(project / "conf/local/mlflow.yml", "run:\n  nested: false\n")
    second = write(project / "conf/local/mlflow/more.yml", "run:\n  name: clash\n")
    with pytest.raises(KedroMlflowConfigError) as info:
        read_mlflow_config(loader, project, "pkg")
    assert set(info.value.files) == {first.resolve(), second.resolve()}
    assert "run" in str(info.value)
