"""The mlflow.yml schema: keys, defaults, and the errors a user gets for bad values."""

from pathlib import Path

import pytest

from kedro_mlflow.config import KedroMlflowConfig, KedroMlflowConfigError, iter_keys

ALL_KEYS = {
    "mlflow_tracking_uri": None,
    "credentials": None,
    "stores_environment_variables": {},
    "disable_tracking": None,
    "disable_tracking.pipelines": [],
    "experiment": None,
    "experiment.name": None,
    "experiment.create": True,
    "experiment.restore_if_deleted": True,
    "run": None,
    "run.id": None,
    "run.name": None,
    "run.nested": True,
    "ui": None,
    "ui.port": None,
    "ui.host": None,
    "hooks": None,
    "hooks.node": None,
    "hooks.node.flatten_dict_params": False,
    "hooks.node.recursive": True,
    "hooks.node.sep": ".",
    "hooks.node.long_parameters_strategy": "fail",
    "hooks.pipeline": None,
    "hooks.pipeline.log_dataset_inputs": False,
}


def test_schema_has_every_documented_key_with_its_default():
    keys = {key.path: key.default for key in iter_keys()}
    assert keys == ALL_KEYS
    assert all(key.help for key in iter_keys())
    sections = {key.path for key in iter_keys() if key.is_section}
    assert sections == {
        "disable_tracking",
        "experiment",
        "run",
        "ui",
        "hooks",
        "hooks.node",
        "hooks.pipeline",
    }


def test_empty_file_gives_the_defaults_resolved_for_the_project(tmp_path: Path):
    config = KedroMlflowConfig.from_dict(None, project_path=tmp_path, package_name="my_pkg")
    assert config.mlflow_tracking_uri == (tmp_path / "mlruns").resolve().as_uri()
    assert config.experiment.name == "my_pkg"
    assert config.experiment.create is True
    assert config.run.nested is True and config.run.id is None and config.run.name is None
    assert config.hooks.node.long_parameters_strategy == "fail"
    assert config.disable_tracking.pipelines == []
    assert (config.ui.port, config.ui.host) == (None, None)


def test_every_key_set_is_kept(tmp_path: Path):
    data = {
        "mlflow_tracking_uri": "http://127.0.0.1:5000",
        "credentials": "my_mlflow_credentials",
        "stores_environment_variables": {"MLFLOW_S3_ENDPOINT_URL": "http://127.0.0.1:9000"},
        "disable_tracking": {"pipelines": ["etl", "off"]},
        "experiment": {"name": "churn", "create": False, "restore_if_deleted": False},
        "run": {"id": "0123abcd", "name": "nightly", "nested": False},
        "ui": {"port": 5001, "host": "0.0.0.0"},
        "hooks": {
            "node": {
                "flatten_dict_params": True,
                "recursive": False,
                "sep": "__",
                "long_parameters_strategy": "tag",
            },
            "pipeline": {"log_dataset_inputs": True},
        },
    }
    config = KedroMlflowConfig.from_dict(data, project_path=tmp_path, package_name="ignored")
    assert config.to_dict() == data


def test_port_written_as_a_string_is_a_port(tmp_path: Path):
    config = KedroMlflowConfig.from_dict({"ui": {"port": "5001"}}, project_path=tmp_path)
    assert config.ui.port == 5001


@pytest.mark.parametrize(
    "data, key, suggestion",
    [
        ({"mlflow_tracking_url": "mlruns"}, "mlflow_tracking_url", "mlflow_tracking_uri"),
        ({"experiment": {"nme": "x"}}, "experiment.nme", "name"),
        ({"run": {"nested ": True}}, "run.nested ", "nested"),
        ({"ui": {"prt": 1}}, "ui.prt", "port"),
        ({"disable_tracking": {"pipeline": []}}, "disable_tracking.pipeline", "pipelines"),
        (
            {"hooks": {"node": {"flaten_dict_params": True}}},
            "hooks.node.flaten_dict_params",
            "flatten_dict_params",
        ),
    ],
)
def test_unknown_key_names_its_path_and_the_closest_key(data, key, suggestion):
    with pytest.raises(KedroMlflowConfigError) as info:
        KedroMlflowConfig.from_dict(data)
    assert info.value.key == key
    assert f"did you mean {suggestion!r}?" in str(info.value)
    assert f"at key '{key}'" in str(info.value)


def test_unknown_key_with_nothing_close_lists_the_allowed_keys():
    with pytest.raises(KedroMlflowConfigError) as info:
        KedroMlflowConfig.from_dict({"zzz": 1})
    assert "did you mean" not in str(info.value)
    assert "mlflow_tracking_uri, credentials, stores_environment_variables" in str(info.value)
    assert "or, in kedro-mlflow 0.8's layout: server, tracking, ui" in str(info.value)


@pytest.mark.parametrize(
    "data, key, expected",
    [
        (
            {"hooks": {"node": {"flatten_dict_params": "yes"}}},
            "hooks.node.flatten_dict_params",
            "expected true or false, got 'yes' (str)",
        ),
        (
            {"hooks": {"node": {"long_parameters_strategy": "drop"}}},
            "hooks.node.long_parameters_strategy",
            "expected one of 'fail', 'tag', 'truncate'",
        ),
        ({"hooks": {"node": {"sep": ""}}}, "hooks.node.sep", "expected a non-empty string"),
        ({"hooks": {"node": 3}}, "hooks.node", "expected a mapping of flatten_dict_params"),
        ({"hooks": True}, "hooks", "expected a mapping of node, pipeline, got True (bool)"),
        ({"run": {"nested": 1}}, "run.nested", "expected true or false, got 1 (int)"),
        ({"run": {"id": 1234}}, "run.id", "quote the value"),
        ({"experiment": {"name": True}}, "experiment.name", "quote the value"),
        ({"experiment": {"create": "no"}}, "experiment.create", "expected true or false"),
        ({"ui": {"port": 70000}}, "ui.port", "a port number from 1 to 65535"),
        ({"ui": {"port": "http"}}, "ui.port", "a port number from 1 to 65535"),
        ({"ui": {"port": True}}, "ui.port", "a port number from 1 to 65535"),
        ({"mlflow_tracking_uri": 5}, "mlflow_tracking_uri", "expected a non-empty string"),
        (
            {"disable_tracking": {"pipelines": "training"}},
            "disable_tracking.pipelines",
            "expected a list of pipeline names",
        ),
    ],
)
def test_wrong_value_names_the_key_and_what_was_expected(data, key, expected):
    with pytest.raises(KedroMlflowConfigError) as info:
        KedroMlflowConfig.from_dict(data)
    assert info.value.key == key
    assert expected in str(info.value)


def test_pipeline_name_read_as_a_boolean_says_to_quote_it():
    # `- off` unquoted: YAML 1.1 reads it as False
    with pytest.raises(KedroMlflowConfigError) as info:
        KedroMlflowConfig.from_dict({"disable_tracking": {"pipelines": ["etl", False]}})
    assert info.value.key == "disable_tracking.pipelines[1]"
    assert "quote the value" in str(info.value)


def test_file_that_is_not_a_mapping_is_refused():
    with pytest.raises(KedroMlflowConfigError, match="expected a mapping of mlflow_tracking_uri"):
        KedroMlflowConfig.from_dict(["mlruns"])


def test_assignment_is_validated_too(tmp_path: Path):
    config = KedroMlflowConfig.from_dict({}, project_path=tmp_path)
    with pytest.raises(KedroMlflowConfigError, match="long_parameters_strategy"):
        config.hooks.node.long_parameters_strategy = "shorten"
    assert config.hooks.node.long_parameters_strategy == "fail"
