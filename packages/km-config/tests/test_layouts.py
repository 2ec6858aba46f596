"""mlflow.yml in kedro-mlflow 0.8's layout (server / tracking / ui) beside 0.7's flat one:
read through a project's config loader, checked with errors naming the file and the key
as the file spells it, and set up against a real MLflow store."""

import os
from pathlib import Path

import pytest
import yaml
from km_testkit.ports import free_port
from mlflow.tracking import MlflowClient

from kedro_mlflow.config import (
    KedroMlflowConfig,
    KedroMlflowConfigError,
    ServerTrackingLayout,
    iter_keys,
    read_mlflow_config,
    render_mlflow_yml,
)

from .conftest import write

# conf/local/mlflow.yml as kedro-mlflow 0.8.1's `kedro mlflow init` wrote it (its
# comments shortened), the port and host as the strings it wrote.
INIT_081 = """\
server:
  mlflow_tracking_uri: mlruns
  stores_environment_variables: {} # any valid mlflow variables
  credentials: null  # must be a valid key in credentials.yml

tracking:
  disable_tracking:
    pipelines: []

  experiment:
    name: my_pkg
    restore_if_deleted: True  # if the experiment was deleted, should we restore it?

  run:
    id: null # if `id` is None, a new run will be created
    name: null # if `name` is None, pipeline name will be used for the run name
    nested: True  # if `nested` is False, you won't be able to launch sub-runs

  params:
    dict_params:
      flatten: False
      recursive: True
      sep: "."
    long_params_strategy: fail

ui:
  port: "5000" # the port to use for the ui. Use mlflow default with 5000.
  host: "127.0.0.1"  # the host to use for the ui.
"""

# The same non-default settings in both layouts.
NESTED = {
    "server": {
        "mlflow_tracking_uri": "http://127.0.0.1:5000",
        "stores_environment_variables": {"MLFLOW_S3_ENDPOINT_URL": "http://127.0.0.1:9000"},
        "credentials": "my_mlflow_credentials",
    },
    "tracking": {
        "disable_tracking": {"pipelines": ["etl"]},
        "experiment": {"name": "churn", "restore_if_deleted": False},
        "run": {"id": "0123abcd", "name": "nightly", "nested": False},
        "params": {
            "dict_params": {"flatten": True, "recursive": False, "sep": "__"},
            "long_params_strategy": "tag",
        },
    },
    "ui": {"port": 5001, "host": "0.0.0.0"},
}
FLAT = {
    "mlflow_tracking_uri": "http://127.0.0.1:5000",
    "stores_environment_variables": {"MLFLOW_S3_ENDPOINT_URL": "http://127.0.0.1:9000"},
    "credentials": "my_mlflow_credentials",
    "disable_tracking": {"pipelines": ["etl"]},
    "experiment": {"name": "churn", "restore_if_deleted": False},
    "run": {"id": "0123abcd", "name": "nightly", "nested": False},
    "hooks": {
        "node": {
            "flatten_dict_params": True,
            "recursive": False,
            "sep": "__",
            "long_parameters_strategy": "tag",
        }
    },
    "ui": {"port": 5001, "host": "0.0.0.0"},
}


def test_the_file_081_init_wrote_is_read_through_the_project_loader(project: Path, loader):
    write(project / "conf/local/mlflow.yml", INIT_081)
    config = read_mlflow_config(loader, project, "other_name")
    assert config.layout == "0.8"
    assert config.mlflow_tracking_uri == (project / "mlruns").resolve().as_uri()
    assert config.experiment.name == "my_pkg"
    assert config.experiment.create is True
    assert config.experiment.restore_if_deleted is True
    assert (config.run.id, config.run.name, config.run.nested) == (None, None, True)
    node = config.hooks.node
    assert (node.flatten_dict_params, node.recursive, node.sep) == (False, True, ".")
    assert node.long_parameters_strategy == "fail"
    assert (config.ui.port, config.ui.host) == (5000, "127.0.0.1")
    assert config.stores_environment_variables == {}


def test_both_layouts_give_the_same_configuration(tmp_path: Path):
    nested = KedroMlflowConfig.from_dict(NESTED, project_path=tmp_path)
    flat = KedroMlflowConfig.from_dict(FLAT, project_path=tmp_path)
    assert (nested.layout, flat.layout) == ("0.8", "0.7")
    assert nested.to_dict() == flat.to_dict()
    assert nested == flat


def test_0_8_code_reads_the_server_and_tracking_sections(tmp_path: Path):
    for data in (NESTED, FLAT):  # whichever layout the file was written in
        config = KedroMlflowConfig.from_dict(data, project_path=tmp_path)
        assert config.server.mlflow_tracking_uri == "http://127.0.0.1:5000"
        assert config.server.credentials == "my_mlflow_credentials"
        assert config.server.stores_environment_variables == {
            "MLFLOW_S3_ENDPOINT_URL": "http://127.0.0.1:9000"
        }
        assert config.tracking.experiment.name == "churn"
        assert config.tracking.experiment.restore_if_deleted is False
        assert config.tracking.run.nested is False
        assert config.tracking.params.dict_params.sep == "__"
        assert config.tracking.params.long_params_strategy == "tag"
        assert config.tracking.disable_tracking.pipelines == ["etl"]


def test_a_file_mixing_both_layouts_names_the_file_and_a_key(project: Path, loader):
    path = write(
        project / "conf/local/mlflow.yml",
        """\
        server:
          mlflow_tracking_uri: mlruns
        experiment:
          name: mixed
        """,
    )
    with pytest.raises(KedroMlflowConfigError) as info:
        read_mlflow_config(loader, project, "pkg")
    assert info.value.key == "experiment"
    assert info.value.files == [path.resolve()]
    message = str(info.value)
    assert "mixes two layouts" in message
    assert "'server' belongs to kedro-mlflow 0.8's layout" in message
    assert "'experiment' to 0.7's flat layout" in message


def test_base_and_local_in_different_layouts_are_refused(project: Path, loader):
    write(project / "conf/base/mlflow.yml", "mlflow_tracking_uri: mlruns\n")
    write(project / "conf/local/mlflow.yml", "tracking:\n  run:\n    nested: false\n")
    with pytest.raises(KedroMlflowConfigError) as info:
        read_mlflow_config(loader, project, "pkg")
    assert info.value.key == "mlflow_tracking_uri"
    assert info.value.files == [(project / "conf/base/mlflow.yml").resolve()]
    assert "both environments' mlflow.yml must use the same layout" in str(info.value)


@pytest.mark.parametrize(
    "text, key, problem",
    [
        (
            "tracking:\n  params:\n    dict_params:\n      flaten: true\n",
            "tracking.params.dict_params.flaten",
            "did you mean 'flatten'?",
        ),
        # a key of the flat layout inside a 0.8 section is unknown there
        (
            "tracking:\n  hooks:\n    node: {}\n",
            "tracking.hooks",
            "the keys allowed here are: disable_tracking, experiment, run, params",
        ),
        # 0.8.1 has no experiment.create: the experiment is always created
        (
            "tracking:\n  experiment:\n    create: false\n",
            "tracking.experiment.create",
            "the keys allowed here are: name, restore_if_deleted",
        ),
        (
            "server:\n  mlflow_tracking_uri: mlruns\nserve:\n  x: 1\n",
            "serve",
            "did you mean 'server'?",
        ),
        (
            "tracking:\n  params:\n    long_params_strategy: warn\n",
            "tracking.params.long_params_strategy",
            "expected one of 'fail', 'tag', 'truncate'",
        ),
        (
            "server:\n  stores_environment_variables:\n    AWS=1: x\n",
            "server.stores_environment_variables.AWS=1",
            "it holds '='",
        ),
        (
            "server:\n  stores_environment_variables:\n    MLFLOW_TRACKING_INSECURE_TLS: true\n",
            "server.stores_environment_variables.MLFLOW_TRACKING_INSECURE_TLS",
            "quote the value",
        ),
        (
            "ui:\n  port: 70000\nserver: {}\n",
            "ui.port",
            "a port number from 1 to 65535",
        ),
    ],
)
def test_errors_in_the_0_8_layout_name_its_keys_and_the_file(
    project: Path, loader, text: str, key: str, problem: str
):
    path = write(project / "conf/local/mlflow.yml", text)
    with pytest.raises(KedroMlflowConfigError) as info:
        read_mlflow_config(loader, project, "pkg")
    assert info.value.key == key
    assert info.value.files == [path.resolve()]
    assert f"at key '{key}'" in str(info.value)
    assert problem in str(info.value)


def test_the_0_8_template_has_every_key_commented_and_reads_back(project: Path, loader):
    text = render_mlflow_yml("my_pkg", layout="0.8")
    content = yaml.safe_load(text)
    assert set(content) == {"server", "tracking", "ui"}
    assert content["server"]["mlflow_tracking_uri"] == "mlruns"
    assert content["tracking"]["experiment"]["name"] == "my_pkg"
    lines = text.splitlines()
    index = 0
    for key in iter_keys(ServerTrackingLayout):  # in file order
        name = key.path.rsplit(".", 1)[-1]
        indent = "  " * key.path.count(".")
        while not lines[index].startswith(f"{indent}{name}:"):
            index += 1
        assert lines[index - 1] == f"{indent}# {key.help}"
    write(project / "conf/local/mlflow.yml", text)
    config = read_mlflow_config(loader, project, "other")
    flat = KedroMlflowConfig.from_dict(
        yaml.safe_load(render_mlflow_yml("my_pkg")), project_path=project
    )
    assert config.to_dict() == flat.to_dict()


def test_an_unknown_layout_is_refused():
    with pytest.raises(KedroMlflowConfigError, match=r"unknown layout '0\.9'"):
        render_mlflow_yml("my_pkg", layout="0.9")


@pytest.fixture
def store(tmp_path: Path) -> str:
    return (tmp_path / "mlruns").as_uri()


def test_setup_exports_the_stores_environment_variables(tmp_path: Path, store, monkeypatch):
    monkeypatch.delenv("KM_TEST_ENDPOINT", raising=False)
    data = {
        "server": {
            "mlflow_tracking_uri": store,
            "stores_environment_variables": {"KM_TEST_ENDPOINT": "http://127.0.0.1:9", "N": 3},
        },
        "tracking": {"experiment": {"name": "env"}},
    }
    monkeypatch.delenv("N", raising=False)
    config = KedroMlflowConfig.from_dict(data, project_path=tmp_path)
    experiment_id = config.setup()
    assert os.environ["KM_TEST_ENDPOINT"] == "http://127.0.0.1:9"
    assert os.environ["N"] == "3"
    assert MlflowClient(store).get_experiment(experiment_id).name == "env"


def _deleted_experiment(store: str, name: str) -> str:
    client = MlflowClient(store)
    experiment_id = client.create_experiment(name)
    client.delete_experiment(experiment_id)
    return experiment_id


def test_a_deleted_experiment_is_restored_by_default(tmp_path: Path, store):
    experiment_id = _deleted_experiment(store, "gone")
    config = KedroMlflowConfig.from_dict(
        {"server": {"mlflow_tracking_uri": store}, "tracking": {"experiment": {"name": "gone"}}},
        project_path=tmp_path,
    )
    assert config.setup() == experiment_id
    assert MlflowClient(store).get_experiment(experiment_id).lifecycle_stage == "active"


def test_restore_if_deleted_false_refuses_naming_the_key_in_its_layout(
    project: Path, loader, store
):
    experiment_id = _deleted_experiment(store, "gone")
    path = write(
        project / "conf/local/mlflow.yml",
        f"""\
        server:
          mlflow_tracking_uri: {store}
        tracking:
          experiment:
            name: gone
            restore_if_deleted: false
        """,
    )
    config = read_mlflow_config(loader, project, "pkg")
    with pytest.raises(KedroMlflowConfigError) as info:
        config.setup()
    assert info.value.key == "tracking.experiment.restore_if_deleted"
    assert info.value.files == [path.resolve()]
    assert f"mlflow experiments restore --experiment-id {experiment_id}" in str(info.value)
    assert MlflowClient(store).get_experiment(experiment_id).lifecycle_stage == "deleted"


def test_a_setup_error_names_the_server_key_of_a_0_8_file(project: Path, loader):
    port = free_port()  # a port nothing listens on
    path = write(
        project / "conf/local/mlflow.yml",
        f"server:\n  mlflow_tracking_uri: http://127.0.0.1:{port}\n",
    )
    config = read_mlflow_config(loader, project, "pkg")
    with pytest.raises(KedroMlflowConfigError) as info:
        config.setup()
    assert info.value.key == "server.mlflow_tracking_uri"
    assert info.value.files == [path.resolve()]
    assert "does not answer" in str(info.value)
