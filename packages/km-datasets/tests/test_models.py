"""Model datasets against a real file store: flavors, pyfunc workflows, run rules, bad input."""

import logging
import pickle
import textwrap
from pathlib import Path

import mlflow
import mlflow.pyfunc
import numpy as np
import pandas as pd
import pytest
from kedro.io import Version
from kedro.io.core import DataSetError
from sklearn.linear_model import LinearRegression

from kedro_mlflow.io.models import MlflowModelLoggerDataSet, MlflowModelSaverDataSet

from .conftest import QUICK_SAVE_ARGS, artifact_names

X = np.array([[1.0], [2.0], [3.0]])


def fitted(slope: float = 2.0) -> LinearRegression:
    return LinearRegression().fit(X, X[:, 0] * slope)


class Doubler(mlflow.pyfunc.PythonModel):
    """A custom pyfunc model (the python_model workflow)."""

    def predict(self, context, model_input):
        return model_input * 2


@pytest.fixture
def modules(tmp_path: Path, monkeypatch) -> Path:
    """Importable helper modules: a custom flavor, a pyfunc-like flavor, a loader module."""
    folder = tmp_path / "modules"
    folder.mkdir()
    (folder / "km_test_flavor.py").write_text(
        textwrap.dedent(
            '''
            """A custom MLflow flavor: a model is a dict of coefficients saved as JSON."""
            import json
            import os
            import sys

            from mlflow.models import Model
            from mlflow.tracking.artifact_utils import _download_artifact_from_uri

            FLAVOR_NAME = "km_test_flavor"


            class Linear:
                def __init__(self, coefficients):
                    self.coefficients = coefficients

                def predict(self, x):
                    return [self.coefficients["a"] * value + self.coefficients["b"] for value in x]


            def save_model(model, path, mlflow_model=None, **kwargs):
                os.makedirs(path)
                with open(os.path.join(path, "coefficients.json"), "w") as handle:
                    json.dump(model.coefficients, handle)
                mlflow_model = mlflow_model or Model()
                mlflow_model.add_flavor(FLAVOR_NAME, data="coefficients.json")
                mlflow_model.save(os.path.join(path, "MLmodel"))


            def log_model(model, artifact_path, **kwargs):
                return Model.log(artifact_path=artifact_path, flavor=sys.modules[__name__],
                                 model=model, **kwargs)


            def load_model(model_uri):
                path = _download_artifact_from_uri(model_uri)
                with open(os.path.join(path, "coefficients.json")) as handle:
                    return Linear(json.load(handle))
            '''
        )
    )
    (folder / "km_pyfunc_like.py").write_text(
        "from mlflow.pyfunc import load_model, log_model, save_model  # noqa: F401\n"
    )
    (folder / "km_loader.py").write_text(
        textwrap.dedent(
            '''
            """A pyfunc loader module (the loader_module workflow): data_path holds a factor."""


            class Scaler:
                def __init__(self, factor):
                    self.factor = factor

                def predict(self, model_input):
                    return model_input * self.factor


            def _load_pyfunc(data_path):
                with open(data_path) as handle:
                    return Scaler(float(handle.read()))
            '''
        )
    )
    monkeypatch.syspath_prepend(str(folder))
    return folder


# MlflowModelLoggerDataSet


def test_logger_with_default_arguments_logs_to_the_active_run(client):
    """The documented example, with mlflow's defaults (requirement inference included)."""
    dataset = MlflowModelLoggerDataSet(flavor="mlflow.sklearn")
    with mlflow.start_run() as run:
        dataset.save(fitted())
        assert dataset.load().predict(np.array([[4.0]]))[0] == pytest.approx(8.0)
    assert "model/MLmodel" in artifact_names(client, run.info.run_id)
    reloaded = MlflowModelLoggerDataSet(flavor="mlflow.sklearn", run_id=run.info.run_id)
    assert reloaded.load().predict(np.array([[5.0]]))[0] == pytest.approx(10.0)


def test_logger_artifact_path_and_load_args(client):
    dataset = MlflowModelLoggerDataSet(
        flavor="mlflow.pyfunc",
        pyfunc_workflow="python_model",
        artifact_path="models/doubler",
        save_args=QUICK_SAVE_ARGS,
        load_args={"suppress_warnings": True},
    )
    with mlflow.start_run() as run:
        dataset.save(Doubler())
    assert "models/doubler/MLmodel" in artifact_names(client, run.info.run_id)
    model = MlflowModelLoggerDataSet(
        flavor="mlflow.pyfunc", run_id=run.info.run_id, artifact_path="models/doubler"
    ).load()
    frame = pd.DataFrame({"x": [1.0, 2.0]})
    assert model.predict(frame)["x"].tolist() == [2.0, 4.0]


def test_logger_saves_to_run_id_when_no_run_is_active_and_leaves_it_as_it_was(client):
    run_id = client.create_run(experiment_id="0").info.run_id
    client.set_terminated(run_id, "FAILED")
    dataset = MlflowModelLoggerDataSet(
        flavor="mlflow.sklearn", run_id=run_id, save_args=QUICK_SAVE_ARGS
    )
    dataset.save(fitted(3.0))
    assert mlflow.active_run() is None
    assert client.get_run(run_id).info.status == "FAILED"
    assert "model/MLmodel" in artifact_names(client, run_id)
    assert dataset.load().predict(np.array([[1.0]]))[0] == pytest.approx(3.0)


def test_logger_saves_to_run_id_of_another_experiment_than_the_selected_one(client):
    other = client.create_experiment("other")
    run_id = client.create_run(experiment_id=other).info.run_id
    mlflow.set_experiment("selected")
    dataset = MlflowModelLoggerDataSet(
        flavor="mlflow.sklearn", run_id=run_id, save_args=QUICK_SAVE_ARGS
    )
    dataset.save(fitted())
    assert "model/MLmodel" in artifact_names(client, run_id)
    with mlflow.start_run() as new:  # the selection is intact
        pass
    assert client.get_experiment(new.info.experiment_id).name == "selected"


def test_logger_refuses_run_id_while_another_run_is_active(client):
    run_id = client.create_run(experiment_id="0").info.run_id
    dataset = MlflowModelLoggerDataSet(
        flavor="mlflow.sklearn", run_id=run_id, save_args=QUICK_SAVE_ARGS
    )
    refused = rf"cannot save to run_id '{run_id}' while run \w+ is active"
    with mlflow.start_run() as active, pytest.raises(DataSetError, match=refused):
        dataset.save(fitted())
    assert artifact_names(client, run_id) == []
    assert artifact_names(client, active.info.run_id) == []


def test_logger_run_id_equal_to_the_active_run_is_fine(client):
    with mlflow.start_run() as run:
        MlflowModelLoggerDataSet(
            flavor="mlflow.sklearn", run_id=run.info.run_id, save_args=QUICK_SAVE_ARGS
        ).save(fitted())
        assert mlflow.active_run().info.run_id == run.info.run_id
    assert "model/MLmodel" in artifact_names(client, run.info.run_id)


def test_logger_without_any_run_starts_one_and_says_so(client, log_records):
    caplog = log_records
    dataset = MlflowModelLoggerDataSet(flavor="mlflow.sklearn", save_args=QUICK_SAVE_ARGS)
    dataset.save(fitted())
    run_id = mlflow.active_run().info.run_id
    assert "model/MLmodel" in artifact_names(client, run_id)
    assert any(r.levelno == logging.WARNING and run_id in r.getMessage() for r in caplog.records)
    assert dataset.load().predict(np.array([[1.0]]))[0] == pytest.approx(2.0)


def test_logger_load_needs_a_run():
    with pytest.raises(DataSetError, match=r"no MLflow run is active and no run_id"):
        MlflowModelLoggerDataSet(flavor="mlflow.sklearn").load()


def test_logger_load_from_a_run_without_the_model(client):
    run_id = client.create_run(experiment_id="0").info.run_id
    with pytest.raises(DataSetError, match=rf"no model can be loaded from runs:/{run_id}/model"):
        MlflowModelLoggerDataSet(flavor="mlflow.sklearn", run_id=run_id).load()
    assert not MlflowModelLoggerDataSet(flavor="mlflow.sklearn", run_id=run_id).exists()


def test_logger_with_a_custom_flavor_module(client, modules):
    from km_test_flavor import Linear

    dataset = MlflowModelLoggerDataSet(flavor="km_test_flavor")
    with mlflow.start_run() as run:
        dataset.save(Linear({"a": 2.0, "b": 1.0}))
    loaded = MlflowModelLoggerDataSet(flavor="km_test_flavor", run_id=run.info.run_id).load()
    assert loaded.predict([1.0, 2.0]) == [3.0, 5.0]
    assert "model/coefficients.json" in artifact_names(client, run.info.run_id)


def test_logger_with_a_custom_flavor_and_the_python_model_workflow(client, modules):
    dataset = MlflowModelLoggerDataSet(
        flavor="km_pyfunc_like", pyfunc_workflow="python_model", save_args=QUICK_SAVE_ARGS
    )
    with mlflow.start_run():
        dataset.save(Doubler())
        model = dataset.load()
    assert model.predict(pd.DataFrame({"x": [3.0]}))["x"].tolist() == [6.0]


@pytest.mark.parametrize("as_module", [False, True])
def test_logger_with_the_loader_module_workflow(client, modules, tmp_path, as_module):
    import km_loader

    factor = tmp_path / "factor.txt"
    factor.write_text("3")
    dataset = MlflowModelLoggerDataSet(
        flavor="mlflow.pyfunc",
        pyfunc_workflow="loader_module",
        save_args={"data_path": str(factor), **QUICK_SAVE_ARGS},
    )
    with mlflow.start_run():
        dataset.save(km_loader if as_module else "km_loader")
        model = dataset.load()
    assert model.predict(pd.DataFrame({"x": [1.0, 2.0]}))["x"].tolist() == [3.0, 6.0]


@pytest.mark.parametrize(
    "arguments, match",
    [
        ({"flavor": "mlflow.no_such_flavor"}, r"flavor 'mlflow.no_such_flavor' cannot be imported"),
        ({"flavor": "json"}, r"flavor 'json' is not an MLflow flavor module"),
        ({"flavor": 3}, r"'flavor' must be the import path of an MLflow flavor"),
        (
            {"flavor": "mlflow.pyfunc", "pyfunc_workflow": "python_function"},
            r"'pyfunc_workflow' must be None, 'python_model' or 'loader_module'",
        ),
        (
            {"flavor": "mlflow.sklearn", "save_args": {"artifact_path": "x"}},
            r"save_args must not contain 'artifact_path'",
        ),
        ({"flavor": "mlflow.sklearn", "save_args": ["x"]}, r"'save_args' must be a mapping"),
        ({"flavor": "mlflow.sklearn", "artifact_path": "/abs"}, r"'artifact_path' must be"),
        ({"flavor": "mlflow.sklearn", "run_id": 5}, r"'run_id' must be a non-empty string"),
    ],
)
def test_logger_bad_arguments_fail_at_construction(arguments, match):
    with pytest.raises(DataSetError, match=r"MlflowModelLoggerDataSet: .*" + match):
        MlflowModelLoggerDataSet(**arguments)


def test_pyfunc_without_workflow_loads_but_does_not_save(client, data):
    with mlflow.start_run() as run:
        MlflowModelLoggerDataSet(
            flavor="mlflow.pyfunc", pyfunc_workflow="python_model", save_args=QUICK_SAVE_ARGS
        ).save(Doubler())
    loader = MlflowModelLoggerDataSet(flavor="mlflow.pyfunc", run_id=run.info.run_id)
    assert loader.load().predict(pd.DataFrame({"x": [1.0]}))["x"].tolist() == [2.0]
    with pytest.raises(DataSetError, match=r"'mlflow.pyfunc' needs 'pyfunc_workflow' to save"):
        loader.save(Doubler())
    saver = MlflowModelSaverDataSet(flavor="mlflow.pyfunc", filepath=str(data / "m"))
    with pytest.raises(DataSetError, match=r"MlflowModelSaverDataSet\(.*needs 'pyfunc_workflow'"):
        saver.save(Doubler())
    assert not (data / "m").exists()


def test_logger_with_an_unknown_run_id(client):
    dataset = MlflowModelLoggerDataSet(flavor="mlflow.sklearn", run_id="f" * 32)
    with pytest.raises(DataSetError, match=r"run_id 'f+' names no run"):
        dataset.save(fitted())
    with pytest.raises(DataSetError, match=r"run_id 'f+' names no run"):
        dataset.load()


# MlflowModelSaverDataSet


def test_saver_saves_and_loads_a_local_model(data):
    dataset = MlflowModelSaverDataSet(
        flavor="mlflow.sklearn", filepath=str(data / "model"), save_args=QUICK_SAVE_ARGS
    )
    assert not dataset.exists()
    dataset.save(fitted())
    assert (data / "model" / "MLmodel").is_file() and dataset.exists()
    assert dataset.load().predict(np.array([[1.0]]))[0] == pytest.approx(2.0)
    dataset.save(fitted(5.0))  # replaces it
    assert dataset.load().predict(np.array([[1.0]]))[0] == pytest.approx(5.0)
    assert sorted(p.name for p in data.iterdir()) == ["model"]


def test_saver_failed_save_keeps_the_previous_model(data):
    dataset = MlflowModelSaverDataSet(
        flavor="mlflow.pyfunc",
        pyfunc_workflow="python_model",
        filepath=str(data / "model"),
        save_args=QUICK_SAVE_ARGS,
    )
    dataset.save(Doubler())
    with pytest.raises(DataSetError):
        dataset.save("not a PythonModel")
    assert sorted(p.name for p in data.iterdir()) == ["model"]
    assert dataset.load().predict(pd.DataFrame({"x": [1.0]}))["x"].tolist() == [2.0]


def test_saver_kedro_versions(data):
    config = {
        "flavor": "mlflow.sklearn",
        "filepath": str(data / "model"),
        "save_args": QUICK_SAVE_ARGS,
    }
    MlflowModelSaverDataSet(**config, version=Version(None, "2021-01-01T00.00.00.000Z")).save(
        fitted(1.0)
    )
    MlflowModelSaverDataSet(**config, version=Version(None, "2021-01-02T00.00.00.000Z")).save(
        fitted(2.0)
    )
    assert sorted(p.name for p in (data / "model").iterdir()) == [
        "2021-01-01T00.00.00.000Z",
        "2021-01-02T00.00.00.000Z",
    ]
    latest = MlflowModelSaverDataSet(**config, version=Version(None, None))
    assert latest.load().predict(np.array([[1.0]]))[0] == pytest.approx(2.0)
    # the documented string form: the version to load
    first = MlflowModelSaverDataSet(**config, version="2021-01-01T00.00.00.000Z")
    assert first.load().predict(np.array([[1.0]]))[0] == pytest.approx(1.0)
    with pytest.raises(DataSetError, match=r"must not exist if versioning is enabled"):
        MlflowModelSaverDataSet(**config, version=Version(None, "2021-01-01T00.00.00.000Z")).save(
            fitted()
        )


def test_saver_with_a_custom_flavor(data, modules):
    from km_test_flavor import Linear

    dataset = MlflowModelSaverDataSet(flavor="km_test_flavor", filepath=str(data / "custom"))
    dataset.save(Linear({"a": 1.0, "b": -1.0}))
    assert dataset.load().predict([3.0]) == [2.0]


def test_saver_load_of_a_missing_model(data):
    dataset = MlflowModelSaverDataSet(flavor="mlflow.sklearn", filepath=str(data / "missing"))
    with pytest.raises(DataSetError, match=r"there is no model at .*missing"):
        dataset.load()


@pytest.mark.parametrize(
    "arguments, match",
    [
        (
            {"flavor": "mlflow.sklearn", "filepath": "s3://bucket/model"},
            r"'filepath' must be a local",
        ),
        ({"flavor": "mlflow.sklearn", "filepath": ""}, r"'filepath' must be a local"),
        (
            {"flavor": "no.such.module", "filepath": "m"},
            r"flavor 'no.such.module' cannot be imported",
        ),
        (
            {"flavor": "mlflow.sklearn", "filepath": "m", "save_args": {"path": "x"}},
            r"save_args must not contain 'path'",
        ),
        ({"flavor": "mlflow.sklearn", "filepath": "m", "version": 3}, r"'version' must be"),
    ],
)
def test_saver_bad_arguments_fail_at_construction(arguments, match):
    with pytest.raises(DataSetError, match=r"MlflowModelSaverDataSet: .*" + match):
        MlflowModelSaverDataSet(**arguments)


def test_model_datasets_pickle_without_their_flavor_module(data):
    saver = MlflowModelSaverDataSet(flavor="mlflow.sklearn", filepath=str(data / "m"))
    logger = MlflowModelLoggerDataSet(flavor="mlflow.sklearn", run_id="a" * 32)
    for dataset in (saver, logger):
        copy = pickle.loads(pickle.dumps(dataset))
        assert str(copy) == str(dataset)
