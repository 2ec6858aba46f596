"""MlflowArtifactDataSet against a real file store: files and folders logged, downloaded."""

import logging
from pathlib import Path

import mlflow
import mlflow.sklearn
import numpy as np
import pandas as pd
import pytest
from kedro.extras.datasets.pandas import CSVDataSet
from kedro.io.core import DataSetError
from sklearn.linear_model import LinearRegression

from kedro_mlflow.io.artifacts import MlflowArtifactDataSet
from kedro_mlflow.io.models import MlflowModelSaverDataSet

from .conftest import QUICK_SAVE_ARGS, artifact_names

FRAME = pd.DataFrame({"a": [1, 2], "b": [3, 4]})


def csv(path: Path, **extra):
    return {"type": "pandas.CSVDataSet", "filepath": str(path), **extra}


def fitted_model() -> LinearRegression:
    return LinearRegression().fit(np.array([[1.0], [2.0], [3.0]]), np.array([2.0, 4.0, 6.0]))


def test_save_writes_the_file_and_logs_it_to_the_active_run(client, data):
    dataset = MlflowArtifactDataSet(csv(data / "frame.csv"))
    with mlflow.start_run() as run:
        dataset.save(FRAME)
    assert (data / "frame.csv").is_file()
    assert artifact_names(client, run.info.run_id) == ["frame.csv"]
    pd.testing.assert_frame_equal(dataset.load(), FRAME)
    downloaded = client.download_artifacts(run.info.run_id, "frame.csv", str(data))
    pd.testing.assert_frame_equal(pd.read_csv(downloaded), FRAME)


@pytest.mark.parametrize(
    "kind", ["pandas.CSVDataSet", "kedro.extras.datasets.pandas.CSVDataSet", CSVDataSet]
)
def test_type_is_a_short_path_a_full_path_or_a_class(client, data, kind):
    dataset = MlflowArtifactDataSet({"type": kind, "filepath": str(data / "f.csv")})
    with mlflow.start_run() as run:
        dataset.save(FRAME)
    assert artifact_names(client, run.info.run_id) == ["f.csv"]
    assert isinstance(dataset.data_set, CSVDataSet)


def test_artifact_path_is_a_folder_of_the_run(client, data):
    dataset = MlflowArtifactDataSet(csv(data / "f.csv"), artifact_path="reporting/tables")
    with mlflow.start_run() as run:
        dataset.save(FRAME)
    assert artifact_names(client, run.info.run_id) == ["reporting/tables/f.csv"]


def test_wrapped_load_and_save_args_are_used(client, data):
    dataset = MlflowArtifactDataSet(
        csv(data / "f.csv", load_args={"sep": ";"}, save_args={"sep": ";", "index": False})
    )
    with mlflow.start_run() as run:
        dataset.save(FRAME)
    assert (data / "f.csv").read_text().splitlines()[0] == "a;b"
    logged = client.download_artifacts(run.info.run_id, "f.csv", str(data / ".."))
    assert Path(logged).read_text().splitlines()[0] == "a;b"
    pd.testing.assert_frame_equal(dataset.load(), FRAME)


def test_versioned_dataset_logs_each_version_under_the_file_name(client, data):
    # as in kedro, a versioned dataset saves one version: one instance per kedro run
    with mlflow.start_run() as first:
        MlflowArtifactDataSet(csv(data / "f.csv", versioned=True)).save(FRAME)
    dataset = MlflowArtifactDataSet(csv(data / "f.csv", versioned=True))
    with mlflow.start_run() as second:
        dataset.save(FRAME * 2)
    versions = sorted((data / "f.csv").iterdir())
    assert len(versions) == 2 and all((v / "f.csv").is_file() for v in versions)
    for run in (first, second):
        assert artifact_names(client, run.info.run_id) == ["f.csv"]
    second_copy = client.download_artifacts(second.info.run_id, "f.csv", str(data / ".."))
    pd.testing.assert_frame_equal(pd.read_csv(second_copy), FRAME * 2)
    pd.testing.assert_frame_equal(dataset.load(), FRAME * 2)  # the latest version


def test_a_folder_dataset_is_logged_as_a_folder(client, data):
    dataset = MlflowArtifactDataSet(
        {"type": "PartitionedDataSet", "path": str(data / "parts"), "dataset": "pandas.CSVDataSet"},
        artifact_path="partitions",
    )
    with mlflow.start_run() as run:
        dataset.save({"p1": FRAME, "p2": FRAME * 3})
    assert artifact_names(client, run.info.run_id) == ["partitions/parts/p1", "partitions/parts/p2"]
    loaded = dataset.load()
    pd.testing.assert_frame_equal(loaded["p2"](), FRAME * 3)


def test_model_saver_inside_saves_locally_and_logs_the_model_folder(client, data):
    """The documented 'save model locally and log it in MLflow in one step' (4.4.3.3)."""
    dataset = MlflowArtifactDataSet(
        {
            "type": "kedro_mlflow.io.models.MlflowModelSaverDataSet",
            "flavor": "mlflow.sklearn",
            "filepath": str(data / "sklearn_model"),
            "save_args": QUICK_SAVE_ARGS,
        }
    )
    with mlflow.start_run() as run:
        dataset.save(fitted_model())
    assert (data / "sklearn_model" / "MLmodel").is_file()
    assert "sklearn_model/MLmodel" in artifact_names(client, run.info.run_id)
    logged = mlflow.sklearn.load_model(f"runs:/{run.info.run_id}/sklearn_model")
    assert logged.predict(np.array([[4.0]]))[0] == pytest.approx(8.0)
    assert dataset.load().predict(np.array([[5.0]]))[0] == pytest.approx(10.0)
    # saving again replaces the local model and logs it again
    with mlflow.start_run() as again:
        dataset.save(LinearRegression().fit(np.array([[1.0], [2.0]]), np.array([3.0, 6.0])))
    assert dataset.load().predict(np.array([[5.0]]))[0] == pytest.approx(15.0)
    assert "sklearn_model/MLmodel" in artifact_names(client, again.info.run_id)


def test_versioned_model_saver_inside(client, data):
    dataset = MlflowArtifactDataSet(
        {
            "type": MlflowModelSaverDataSet,
            "flavor": "mlflow.sklearn",
            "filepath": str(data / "model"),
            "versioned": True,
            "save_args": QUICK_SAVE_ARGS,
        },
        artifact_path="models",
    )
    with mlflow.start_run() as run:
        dataset.save(fitted_model())
    (version,) = (data / "model").iterdir()
    assert (version / "model" / "MLmodel").is_file()
    assert "models/model/MLmodel" in artifact_names(client, run.info.run_id)
    assert dataset.load().predict(np.array([[1.0]]))[0] == pytest.approx(2.0)


def test_run_id_takes_precedence_over_the_active_run(client, data):
    target = client.create_run(experiment_id="0").info.run_id
    dataset = MlflowArtifactDataSet(csv(data / "f.csv"), run_id=target)
    with mlflow.start_run() as active:
        dataset.save(FRAME)
    assert artifact_names(client, target) == ["f.csv"]
    assert artifact_names(client, active.info.run_id) == []


def test_load_with_run_id_downloads_the_artifact_over_the_local_file(client, data):
    with mlflow.start_run() as run:
        MlflowArtifactDataSet(csv(data / "f.csv"), artifact_path="tables").save(FRAME)
    (data / "f.csv").write_text("a,b\n0,0\n")  # a stale local copy
    reloaded = MlflowArtifactDataSet(
        csv(data / "f.csv"), run_id=run.info.run_id, artifact_path="tables"
    )
    pd.testing.assert_frame_equal(reloaded.load(), FRAME)
    pd.testing.assert_frame_equal(pd.read_csv(data / "f.csv"), FRAME)


def test_load_with_run_id_into_a_new_place(client, data):
    with mlflow.start_run() as run:
        MlflowArtifactDataSet(csv(data / "f.csv")).save(FRAME)
    elsewhere = data / "elsewhere" / "f.csv"
    reloaded = MlflowArtifactDataSet(csv(elsewhere), run_id=run.info.run_id)
    pd.testing.assert_frame_equal(reloaded.load(), FRAME)
    assert elsewhere.is_file()


def test_load_with_run_id_of_a_versioned_dataset_without_local_versions(client, data):
    with mlflow.start_run() as run:
        MlflowArtifactDataSet(csv(data / "f.csv", versioned=True)).save(FRAME)
    fresh = data / "fresh" / "f.csv"
    reloaded = MlflowArtifactDataSet(csv(fresh, versioned=True), run_id=run.info.run_id)
    pd.testing.assert_frame_equal(reloaded.load(), FRAME)
    (version,) = fresh.iterdir()
    assert (version / "f.csv").is_file()


def test_load_with_run_id_downloads_a_model_folder(client, data):
    config = {
        "type": MlflowModelSaverDataSet,
        "flavor": "mlflow.sklearn",
        "save_args": QUICK_SAVE_ARGS,
    }
    with mlflow.start_run() as run:
        MlflowArtifactDataSet({**config, "filepath": str(data / "model")}).save(fitted_model())
    reloaded = MlflowArtifactDataSet(
        {**config, "filepath": str(data / "copy" / "model")}, run_id=run.info.run_id
    )
    assert reloaded.load().predict(np.array([[2.0]]))[0] == pytest.approx(4.0)
    assert (data / "copy" / "model" / "MLmodel").is_file()


def test_load_with_run_id_that_lacks_the_artifact(client, data):
    run_id = client.create_run(experiment_id="0").info.run_id
    dataset = MlflowArtifactDataSet(csv(data / "f.csv"), run_id=run_id)
    with pytest.raises(DataSetError, match=r"MlflowArtifactDataSet.*has no artifact 'f.csv'"):
        dataset.load()


def test_save_with_an_unknown_run_id_fails_before_writing(client, data):
    dataset = MlflowArtifactDataSet(csv(data / "f.csv"), run_id="0123456789abcdef0123456789abcdef")
    with pytest.raises(DataSetError, match=r"MlflowArtifactDataSet.*run_id '0123.*names no run"):
        dataset.save(FRAME)
    assert not (data / "f.csv").exists()


def test_no_active_run_starts_one_says_so_and_keeps_it(client, data, log_records):
    caplog = log_records
    first = MlflowArtifactDataSet(csv(data / "a.csv"))
    second = MlflowArtifactDataSet(csv(data / "b.csv"))
    first.save(FRAME)
    run = mlflow.active_run()
    assert run is not None
    run_id = run.info.run_id
    started = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(started) == 1 and run_id in started[0].getMessage()
    assert "mlflow.end_run()" in started[0].getMessage()
    second.save(FRAME)  # the same run, no new warning
    assert artifact_names(client, run_id) == ["a.csv", "b.csv"]
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 1
    assert any(run_id in r.getMessage() and "b.csv" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    "data_set, match",
    [
        ({"type": "pandas.NoSuchDataSet", "filepath": "x.csv"}, r"'data_set'.*NoSuchDataSet"),
        ({"filepath": "x.csv"}, r"'data_set' must be a mapping with a 'type'"),
        ("pandas.CSVDataSet", r"'data_set' must be a mapping"),
        ({"type": "pandas.CSVDataSet", "filepath": "s3://bucket/x.csv"}, r"must be a local path"),
        ({"type": "MemoryDataSet"}, r"local file or folder given by 'filepath'"),
        ({"type": "pandas.CSVDataSet", "filepath": "x.csv", "nope": 1}, r"'data_set'.*nope"),
    ],
)
def test_bad_data_set_fails_at_construction(data_set, match):
    with pytest.raises(DataSetError, match=r"MlflowArtifactDataSet: .*" + match):
        MlflowArtifactDataSet(data_set)


@pytest.mark.parametrize("artifact_path", ["/abs/path", "../outside", 3])
def test_bad_artifact_path_fails_at_construction(data, artifact_path):
    with pytest.raises(DataSetError, match=r"MlflowArtifactDataSet: 'artifact_path' must be"):
        MlflowArtifactDataSet(csv(data / "f.csv"), artifact_path=artifact_path)


def test_exists_follows_the_local_file(data):
    dataset = MlflowArtifactDataSet(csv(data / "f.csv"))
    assert not dataset.exists()
    dataset.logging_enabled = False
    dataset.save(FRAME)
    assert dataset.exists()
