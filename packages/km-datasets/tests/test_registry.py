"""MlflowModelRegistryDataSet against a real SQLite-backed model registry."""

from pathlib import Path

import mlflow
import mlflow.sklearn
import numpy as np
import pytest
from kedro.io.core import DataSetError
from km_testkit.mlflow_state import tracking_at
from mlflow.tracking import MlflowClient
from sklearn.linear_model import LinearRegression

from kedro_mlflow.io.models import MlflowModelRegistryDataSet

from .conftest import QUICK_SAVE_ARGS

X = np.array([[1.0], [2.0]])


@pytest.fixture(scope="module")
def registry(tmp_path_factory) -> dict:
    """One SQLite store for the module (creating its schema takes seconds), with 'km_model'
    registered three times: version 1 in Production, 2 in Staging, 3 in no stage."""
    folder = tmp_path_factory.mktemp("registry")
    uri = f"sqlite:///{folder / 'mlflow.db'}"
    with tracking_at(uri):
        client = MlflowClient(uri)
        experiment = client.create_experiment("models", artifact_location=(folder / "art").as_uri())
        for slope in (1.0, 2.0, 3.0):
            with mlflow.start_run(experiment_id=experiment) as run:
                model = LinearRegression().fit(X, X[:, 0] * slope)
                mlflow.sklearn.log_model(model, "model", **QUICK_SAVE_ARGS)
            mlflow.register_model(f"runs:/{run.info.run_id}/model", "km_model")
        client.transition_model_version_stage("km_model", "1", "Production")
        client.transition_model_version_stage("km_model", "2", "Staging")
    return {"uri": uri, "folder": Path(folder)}


@pytest.fixture
def registry_uri(registry, tracking_uri):
    mlflow.set_tracking_uri(registry["uri"])
    return registry["uri"]


def slope(model) -> float:
    return float(np.asarray(model.predict(np.array([[1.0]]))).ravel()[0])


@pytest.mark.parametrize(
    "stage_or_version, expected",
    [
        ("latest", 3.0),
        (1, 1.0),
        ("2", 2.0),
        ("Production", 1.0),
        ("staging", 2.0),
    ],
)
def test_load_by_stage_or_version(registry_uri, stage_or_version, expected):
    dataset = MlflowModelRegistryDataSet("km_model", stage_or_version, flavor="mlflow.sklearn")
    assert slope(dataset.load()) == pytest.approx(expected)
    assert dataset.exists()


def test_default_is_the_latest_version_as_a_pyfunc_model(registry_uri):
    dataset = MlflowModelRegistryDataSet(model_name="km_model")
    assert slope(dataset.load()) == pytest.approx(3.0)
    assert dataset.resolve_version() == 3


@pytest.mark.parametrize(
    "model_name, stage_or_version, match",
    [
        ("km_model", 7, r"model 'km_model' has no version 7"),
        ("km_model", "Archived", r"model 'km_model' has no version in stage 'Archived'"),
        ("no_model", "latest", r"no model named 'no_model' is registered"),
    ],
)
def test_missing_versions_fail_clearly(registry_uri, model_name, stage_or_version, match):
    dataset = MlflowModelRegistryDataSet(model_name, stage_or_version)
    with pytest.raises(DataSetError, match=r"MlflowModelRegistryDataSet\(.*" + match):
        dataset.load()
    assert not dataset.exists()


def test_it_is_read_only(registry_uri):
    with pytest.raises(DataSetError, match=r"is read-only"):
        MlflowModelRegistryDataSet("km_model").save(LinearRegression())


@pytest.mark.parametrize(
    "arguments, match",
    [
        ({"model_name": ""}, r"'model_name' must be a registered model's name"),
        ({"model_name": "m", "stage_or_version": "prod"}, r"'stage_or_version' must be"),
        ({"model_name": "m", "stage_or_version": 0}, r"'stage_or_version' must be"),
        ({"model_name": "m", "flavor": "mlflow.nope"}, r"flavor 'mlflow.nope' cannot be imported"),
    ],
)
def test_bad_arguments_fail_at_construction(arguments, match):
    with pytest.raises(DataSetError, match=r"MlflowModelRegistryDataSet: .*" + match):
        MlflowModelRegistryDataSet(**arguments)


def test_it_pickles_and_deep_copies(registry_uri):
    import copy
    import pickle

    dataset = MlflowModelRegistryDataSet("km_model", "Staging", flavor="mlflow.sklearn")
    for clone in (pickle.loads(pickle.dumps(dataset)), copy.deepcopy(dataset)):
        assert str(clone) == str(dataset)
        assert slope(clone.load()) == pytest.approx(2.0)
