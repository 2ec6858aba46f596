"""The test kit (testkit/, `km_testkit`): its mlflow-version differences against the
installed mlflow's own CLI, and the helpers every test folder relies on."""

import json
import os
import socket
import sys
from pathlib import Path

import mlflow
import pandas as pd
import pytest
from km_testkit import executables, mlflow_state, versions
from km_testkit.mlflow_servers import server_artifact_options, supports_serve_artifacts
from km_testkit.model_server import models_env_options
from km_testkit.ports import free_port
from km_testkit.scoring import scoring_predictions, scoring_request


def test_versions_are_the_installed_ones():
    import kedro

    assert mlflow.__version__.startswith(".".join(map(str, versions.MLFLOW_VERSION)))
    assert kedro.__version__.startswith(".".join(map(str, versions.KEDRO_VERSION)))
    assert versions.is_kedro_016() is kedro.__version__.startswith("0.16.")


def test_server_artifact_options_follow_the_version(tmp_path, monkeypatch):
    for version, serves in (((1, 9, 0), False), ((1, 23, 0), True), ((2, 12, 2), True)):
        monkeypatch.setattr(versions, "MLFLOW_VERSION", version)
        options = server_artifact_options(tmp_path / "artifacts")
        assert ("--serve-artifacts" in options) is serves
        assert supports_serve_artifacts() is serves
        assert options[-1] == (tmp_path / "artifacts").resolve().as_uri()


def test_the_installed_server_accepts_its_options(tmp_path):
    from click.testing import CliRunner
    from mlflow.cli import server

    result = CliRunner().invoke(server, ["--help"])
    for option in server_artifact_options(tmp_path):
        if option.startswith("--"):
            assert option in result.output


def test_models_env_options_are_known_to_the_installed_cli():
    from click.testing import CliRunner
    from mlflow.models.cli import commands

    result = CliRunner().invoke(commands, ["serve", "--help"])
    assert models_env_options()[0] in result.output


def test_scoring_request_and_predictions_round_trip():
    content_type, body = scoring_request(pd.DataFrame({"x": [1.0, 2.0]}))
    assert content_type.startswith("application/json")
    decoded = json.loads(body)
    split = decoded.get("dataframe_split", decoded)
    assert split["columns"] == ["x"] and split["data"] == [[1.0], [2.0]]
    assert scoring_predictions({"predictions": [1, 2]}) == [1, 2]
    assert scoring_predictions([1, 2]) == [1, 2]


def test_a_free_port_refuses_connections():
    port = free_port()
    with socket.socket() as client, pytest.raises(ConnectionRefusedError):
        client.connect(("127.0.0.1", port))


def test_the_executables_are_this_environments():
    for script in (executables.KEDRO, executables.MLFLOW):
        assert Path(script).parent == Path(sys.executable).parent
        assert os.access(script, os.X_OK), script


def test_tracking_at_gives_the_previous_state_back(tmp_path, monkeypatch):
    before = mlflow.get_tracking_uri()
    with mlflow_state.tracking_at((tmp_path / "mlruns").as_uri(), monkeypatch) as uri:
        assert mlflow.get_tracking_uri() == uri
        mlflow.set_experiment("inside")
        mlflow.start_run()
        mlflow.start_run(nested=True)
    assert mlflow.active_run() is None
    assert mlflow.get_tracking_uri() == before


def test_environ_without_tracking_keeps_the_rest():
    environ = {"MLFLOW_TRACKING_URI": "x", "MLFLOW_RUN_ID": "y", "PATH": "/bin"}
    assert mlflow_state.environ_without_tracking(environ) == {"PATH": "/bin"}
