"""The catalog.yml entries of the 0.7.3 guide (3.3.3.3, 4.3-4.5, 6.1) through DataCatalog."""

import re
import textwrap
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest
import yaml
from kedro.io import DataCatalog
from sklearn.linear_model import LinearRegression

from kedro_mlflow.io.artifacts import MlflowArtifactDataSet
from kedro_mlflow.io.metrics import MlflowMetricsDataSet
from kedro_mlflow.io.models import MlflowModelLoggerDataSet, MlflowModelSaverDataSet

from .conftest import artifact_names

FRAME = pd.DataFrame({"a": [1, 2], "b": [3, 4]})
X = np.array([[1.0], [2.0], [3.0]])


def catalog_from(text: str, folder: Path, **kwargs) -> DataCatalog:
    """A catalog from YAML as the guide writes it, with its paths moved under ``folder``."""
    text = re.sub(r"(?<=filepath: )data/", f"{folder}/data/", text)
    for placeholder in ("/path/to/a/LOCAL/destination/", "/path/to/a/local/destination/"):
        text = text.replace(placeholder, f"{folder}/")
    return DataCatalog.from_config(yaml.safe_load(textwrap.dedent(text)), **kwargs)


def fitted() -> LinearRegression:
    return LinearRegression().fit(X, X[:, 0] * 2)


def test_tutorial_pickle_model_3_3_3_3(client, data):
    catalog = catalog_from(
        """
        example_model:
          type: kedro_mlflow.io.artifacts.MlflowArtifactDataSet
          data_set:
            type: pickle.PickleDataSet
            filepath: data/06_models/trained_model.pkl
        """,
        data,
    )
    with mlflow.start_run() as run:
        catalog.save("example_model", fitted())
    assert artifact_names(client, run.info.run_id) == ["trained_model.pkl"]
    assert catalog.load("example_model").predict(np.array([[1.0]]))[0] == pytest.approx(2.0)


def test_versioning_datasets_4_3_and_6_1_1(client, data):
    catalog = catalog_from(
        """
        my_dataset_to_version:
          type: kedro_mlflow.io.artifacts.MlflowArtifactDataSet
          data_set:
            type: pandas.CSVDataSet  # or any valid kedro DataSet
            filepath: /path/to/a/LOCAL/destination/file.csv
        with_args:
          type: kedro_mlflow.io.artifacts.MlflowArtifactDataSet
          data_set:
            type: pandas.CSVDataSet # or any valid kedro DataSet
            filepath: /path/to/a/local/destination/args.csv
            load_args:
              sep: ;
            save_args:
              sep: ;
          artifact_path: reporting
        """,
        data,
    )
    with mlflow.start_run() as run:
        catalog.save("my_dataset_to_version", FRAME)
        catalog.save("with_args", FRAME)
    assert artifact_names(client, run.info.run_id) == ["file.csv", "reporting/args.csv"]
    assert (data / "args.csv").read_text().startswith("a;b")
    pd.testing.assert_frame_equal(catalog.load("with_args"), FRAME)


def test_run_id_and_artifact_path_as_the_faq_indents_them_4_3_3_4_to_6(client, data):
    target = client.create_run(experiment_id="0").info.run_id
    catalog = catalog_from(
        f"""
        my_dataset_to_version:
          type: kedro_mlflow.io.artifacts.MlflowArtifactDataSet
          data_set:
            type: pandas.CSVDataSet # or any valid kedro DataSet
            filepath: /path/to/a/local/destination/file.csv
            run_id: {target}
            artifact_path: reporting
        my_dataset_to_reload:
          type: kedro_mlflow.io.artifacts.MlflowArtifactDataSet
          data_set:
            type: pandas.CSVDataSet
            filepath: /path/to/a/local/destination/reloaded/file.csv
          run_id: {target}
          artifact_path: reporting
        """,
        data,
    )
    with mlflow.start_run() as active:
        catalog.save("my_dataset_to_version", FRAME)
    assert artifact_names(client, target) == ["reporting/file.csv"]
    assert artifact_names(client, active.info.run_id) == []
    pd.testing.assert_frame_equal(catalog.load("my_dataset_to_reload"), FRAME)
    assert (data / "reloaded" / "file.csv").is_file()


def test_python_api_of_4_3_3_2_and_6_1_1(client, data):
    from kedro.extras.datasets.pandas import CSVDataSet

    csv_dataset = MlflowArtifactDataSet(
        data_set={"type": CSVDataSet, "filepath": str(data / "file.csv")}
    )
    with mlflow.start_run() as run:
        csv_dataset.save(data=pd.DataFrame({"a": [1, 2], "b": [3, 4]}))
    assert artifact_names(client, run.info.run_id) == ["file.csv"]


def test_model_logger_4_4_2_and_6_1_2_1(client, data):
    catalog = catalog_from(
        """
        my_sklearn_model:
          type: kedro_mlflow.io.models.MlflowModelLoggerDataSet
          flavor: mlflow.sklearn
        """,
        data,
    )
    with mlflow.start_run() as run:
        catalog.save("my_sklearn_model", fitted())
    run_id = run.info.run_id
    reloaded = catalog_from(
        f"""
        my_model:
          type: kedro_mlflow.io.models.MlflowModelLoggerDataSet
          flavor: "mlflow.sklearn"
          run_id: {run_id}
          save_args:
            conda_env:
              python: "3.7.0"
              dependencies:
                - "kedro==0.16.5"
        """,
        data,
    )
    assert reloaded.load("my_model").predict(np.array([[4.0]]))[0] == pytest.approx(8.0)
    assert isinstance(reloaded._data_sets["my_model"], MlflowModelLoggerDataSet)


def test_custom_flavor_with_a_pyfunc_workflow_4_4_3_2(client, data, tmp_path, monkeypatch):
    (tmp_path / "my_package_flavor.py").write_text(
        "from mlflow.pyfunc import load_model, log_model, save_model  # noqa: F401\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    catalog = catalog_from(
        """
        my_custom_model:
            type: kedro_mlflow.io.models.MlflowModelLoggerDataSet
            flavor: my_package_flavor
            pyfunc_workflow: python_model # or loader_module
            save_args:
              conda_env: {dependencies: [python, pip, {pip: [mlflow]}]}
        """,
        data,
    )
    import mlflow.pyfunc

    class Identity(mlflow.pyfunc.PythonModel):
        def predict(self, context, model_input):
            return model_input

    with mlflow.start_run():
        catalog.save("my_custom_model", Identity())
        model = catalog.load("my_custom_model")
    assert model.predict(pd.DataFrame({"x": [7.0]}))["x"].tolist() == [7.0]


def test_model_saved_locally_and_logged_in_one_step_4_4_3_3(client, data):
    catalog = catalog_from(
        """
        sklearn_model:
            type: kedro_mlflow.io.artifacts.MlflowArtifactDataSet
            data_set:
                type: kedro_mlflow.io.models.MlflowModelSaverDataSet
                flavor: mlflow.sklearn
                filepath: data/06_models/sklearn_model
        """,
        data,
    )
    with mlflow.start_run() as run:
        catalog.save("sklearn_model", fitted())
    assert "sklearn_model/MLmodel" in artifact_names(client, run.info.run_id)
    assert (data / "data/06_models/sklearn_model/MLmodel").is_file()
    assert catalog.load("sklearn_model").predict(np.array([[1.0]]))[0] == pytest.approx(2.0)


def test_model_saver_with_versions_6_1_2_2(client, data):
    text = """
        my_model:
          type: kedro_mlflow.io.models.MlflowModelSaverDataSet
          flavor: mlflow.sklearn
          filepath: data/path/to/where/you/want/model
          versioned: true
          save_args:  # spares mlflow 2.x its requirement inference (seconds per save)
            conda_env: {dependencies: [python, pip, {pip: [mlflow]}]}
        """
    first = catalog_from(text, data, save_version="2021-01-01T00.00.00.000Z")
    first.save("my_model", fitted())
    second = catalog_from(text, data, save_version="2021-01-02T00.00.00.000Z")
    second.save("my_model", LinearRegression().fit(X, X[:, 0] * 5))
    pinned = catalog_from(text, data, load_versions={"my_model": "2021-01-01T00.00.00.000Z"})
    assert pinned.load("my_model").predict(np.array([[1.0]]))[0] == pytest.approx(2.0)
    latest = catalog_from(text, data)
    assert latest.load("my_model").predict(np.array([[1.0]]))[0] == pytest.approx(5.0)
    assert isinstance(latest._data_sets["my_model"], MlflowModelSaverDataSet)


def test_metrics_4_5(client, data):
    catalog = catalog_from(
        """
        my_model_metrics:
          type: kedro_mlflow.io.metrics.MlflowMetricsDataSet
        prefixed_metrics:
          type: kedro_mlflow.io.metrics.MlflowMetricsDataSet
          prefix: foo
        """,
        data,
    )
    # what the hooks do before a run: unprefixed metrics take their entry's name
    catalog._data_sets["my_model_metrics"].set_catalog_name("my_model_metrics")
    metrics = {
        "metric1": {"value": 1.1, "step": 1},
        "metric2": [{"value": 1.1, "step": 1}, {"value": 1.2, "step": 2}],
    }
    with mlflow.start_run() as run:
        catalog.save("my_model_metrics", metrics)
        catalog.save("prefixed_metrics", metrics)
        assert catalog.load("prefixed_metrics") == metrics
    assert sorted(client.get_run(run.info.run_id).data.metrics) == [
        "foo.metric1",
        "foo.metric2",
        "my_model_metrics.metric1",
        "my_model_metrics.metric2",
    ]
    assert isinstance(catalog._data_sets["prefixed_metrics"], MlflowMetricsDataSet)


def test_extra_datasets_in_yaml(client, data):
    catalog = catalog_from(
        """
        r2:
          type: kedro_mlflow.io.metrics.MlflowMetricDataSet
          key: r2
          step: 2
        losses:
          type: kedro_mlflow.io.metrics.MlflowMetricHistoryDataSet
          key: loss
          mode: dict
        champion:
          type: kedro_mlflow.io.models.MlflowModelRegistryDataSet
          model_name: champion
          stage_or_version: Production
        """,
        data,
    )
    with mlflow.start_run():
        catalog.save("r2", 0.8)
        catalog.save("losses", {0: 1.0, 10: 0.5})
        assert catalog.load("r2") == pytest.approx(0.8)
        assert catalog.load("losses") == {0: 1.0, 10: 0.5}
    assert "champion" in catalog.list()


def test_a_bad_entry_names_the_entry_and_the_argument(data):
    from kedro.io.core import DataSetError

    with pytest.raises(DataSetError, match=r"(?s)MlflowMetricsDataSet: 'prefix'.*'bad_metrics'"):
        catalog_from(
            """
            bad_metrics:
              type: kedro_mlflow.io.metrics.MlflowMetricsDataSet
              prefix: 3
            """,
            data,
        )


def test_metric_entries_of_the_0_8_1_guide(client, data):
    catalog = catalog_from(
        """
        my_model_metric:
          type: kedro_mlflow.io.metrics.MlflowMetricDataSet
          load_args:
            step: 1
          save_args:
            mode: append
        my_metric_history:
          type: kedro_mlflow.io.metrics.MlflowMetricHistoryDataSet
          key: my_awesome_name
          load_args:
            mode: dict
          save_args:
            mode: list
        """,
        data,
    )
    # what the hooks do before a run: a metric without key takes its entry's name
    catalog._data_sets["my_model_metric"].set_catalog_name("my_model_metric")
    with mlflow.start_run() as run:
        for value in (0.0, 0.1, 0.2):
            catalog.save("my_model_metric", value)
        catalog.save("my_metric_history", [0.1, 0.2, 0.3])
        assert catalog.load("my_model_metric") == pytest.approx(0.1)
        assert catalog.load("my_metric_history") == {0: 0.1, 1: 0.2, 2: 0.3}
    history = client.get_metric_history(run.info.run_id, "my_model_metric")
    assert sorted((m.step, m.value) for m in history) == [(0, 0.0), (1, 0.1), (2, 0.2)]
