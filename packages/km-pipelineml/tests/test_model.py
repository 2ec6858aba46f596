"""KedroPipelineModel and log_pipeline_ml against real MLflow stores (file and SQLite)."""

import json
import os
import shutil
import subprocess
import sys

import mlflow
import mlflow.pyfunc
import pandas as pd
import pytest
import yaml
from kedro.extras.datasets.pandas import CSVDataSet
from kedro.io import DataCatalog, MemoryDataSet
from kedro.pipeline import Pipeline, node
from kedro.runner import SequentialRunner
from mlflow.exceptions import MlflowException
from mlflow.models import Model
from mlflow.models.signature import infer_signature

from kedro_mlflow.mlflow import KedroPipelineModel, default_conda_env, log_pipeline_ml
from kedro_mlflow.pipeline import (
    InferenceOutputError,
    InputNameError,
    ModelOptionError,
    NonPersistedArtifactError,
    PipelineMLError,
)


def run_inference(pipeline_ml, catalog, instances):
    """What the project returns for ``instances``: kedro's runner on the inference pipeline."""
    feed = DataCatalog(
        {
            "instances": MemoryDataSet(instances),
            "scaler": MemoryDataSet(catalog.load("scaler")),
            "classifier": MemoryDataSet(catalog.load("classifier")),
        }
    )
    return SequentialRunner().run(pipeline_ml.inference, feed)["predictions"]


def test_a_training_run_logs_a_model_that_predicts_as_the_project(trained, tracking):
    pipeline_ml, catalog, instances = trained
    with mlflow.start_run() as run:
        uri = log_pipeline_ml(pipeline_ml, catalog, run, input_data=instances)
    assert uri == f"runs:/{run.info.run_id}/model"
    model = mlflow.pyfunc.load_model(uri)
    sample = instances.sample(20, random_state=0)
    pd.testing.assert_frame_equal(
        model.predict(sample), run_inference(pipeline_ml, catalog, sample)
    )
    schema = model.metadata.get_input_schema().to_dict()
    assert [column["name"] for column in schema] == list(instances.columns)


def test_the_artifacts_and_conda_env_are_logged(trained, tracking):
    pipeline_ml, catalog, instances = trained
    with mlflow.start_run() as run:
        log_pipeline_ml(pipeline_ml, catalog, run, input_data=instances)
    local = mlflow.tracking.MlflowClient().download_artifacts(run.info.run_id, "model")
    shipped = set(os.listdir(os.path.join(local, "artifacts")))
    assert shipped == {"scaler.pkl", "classifier.pkl"}
    with open(os.path.join(local, "conda.yaml")) as handle:
        env = yaml.safe_load(handle)
    assert env == default_conda_env(pipeline_ml.inference)
    # The same environment written out literally: nothing computed by the code under test.
    python = "{}.{}.{}".format(*sys.version_info[:3])
    pins = [
        f"mlflow=={installed('mlflow')}",
        f"kedro=={installed('kedro')}",
        f"km-pipelineml=={installed('km-pipelineml')}",
        "iris_demo==0.1",  # the project's package, run from its sources: its __version__
    ]
    assert env == {
        "name": "kedro_mlflow_model",
        "channels": ["conda-forge"],
        "dependencies": [f"python={python}", "pip", {"pip": pins}],
    }
    # mlflow writes requirements.txt (1.20+) and python_env.yaml (1.26+) from conda.yaml.
    written = set(os.listdir(local))
    if mlflow_version() >= (1, 20):
        with open(os.path.join(local, "requirements.txt")) as handle:
            assert handle.read().split() == pins
    else:
        assert "requirements.txt" not in written
    if mlflow_version() >= (1, 26):
        with open(os.path.join(local, "python_env.yaml")) as handle:
            python_env = yaml.safe_load(handle)
        assert python_env["python"] == python
        assert python_env["dependencies"] == ["-r requirements.txt"]
    else:
        assert "python_env.yaml" not in written


def installed(distribution):
    """The installed version, read from the distribution's own metadata."""
    if sys.version_info >= (3, 8):
        from importlib.metadata import version
    else:  # pragma: no cover - Python 3.7
        from importlib_metadata import version
    return version(distribution)


def mlflow_version():
    return tuple(int(part) for part in mlflow.__version__.split(".")[:2])


def test_logging_into_a_finished_run_reopens_and_closes_it(trained, tracking):
    pipeline_ml, catalog, instances = trained
    with mlflow.start_run() as run:
        pass
    log_pipeline_ml(pipeline_ml, catalog, run.info.run_id, input_data=instances)
    assert mlflow.active_run() is None
    assert mlflow.tracking.MlflowClient().get_run(run.info.run_id).info.status == "FINISHED"
    assert mlflow.pyfunc.load_model(f"runs:/{run.info.run_id}/model") is not None


def test_signature_auto_loads_a_persisted_input_and_none_logs_none(iris, tmp_path, tracking):
    instances, labels = iris.nodes.iris_frames()
    csv = CSVDataSet(filepath=str(tmp_path / "instances.csv"))
    csv.save(instances)
    catalog = DataCatalog(
        {
            "instances": csv,
            "labels": MemoryDataSet(labels),
            "scaler": iris_catalog_entry(tmp_path, "scaler"),
            "classifier": iris_catalog_entry(tmp_path, "classifier"),
        }
    )
    for signature in ("auto", None):
        pipeline_ml = iris.pipeline.create_pipelines(model_signature=signature)["training"]
        SequentialRunner().run(pipeline_ml, catalog)
        with mlflow.start_run():
            uri = log_pipeline_ml(pipeline_ml, catalog)
        schema = mlflow.pyfunc.load_model(uri).metadata.get_input_schema()
        assert (schema is None) == (signature is None)


def iris_catalog_entry(tmp_path, name):
    from kedro.extras.datasets.pickle import PickleDataSet

    return PickleDataSet(filepath=str(tmp_path / "data" / f"{name}.pkl"))


def test_signature_auto_without_data_is_a_clear_error_and_logs_nothing(trained, tracking):
    pipeline_ml, catalog, _ = trained
    catalog.release("instances")  # as a runner does with data it no longer needs
    with mlflow.start_run() as run, pytest.raises(ModelOptionError, match=r"'instances'.*input_"):
        log_pipeline_ml(pipeline_ml, catalog, run)
    assert mlflow.tracking.MlflowClient().list_artifacts(run.info.run_id) == []


def test_a_memory_artifact_fails_before_training(iris, iris_catalog):
    pipeline_ml = iris.pipeline.create_pipelines()["training"]
    iris_catalog.add("scaler", MemoryDataSet(), replace=True)
    with pytest.raises(NonPersistedArtifactError, match="'scaler' is a MemoryDataSet"):
        pipeline_ml.check_artifacts_persisted(iris_catalog)
    iris_catalog._data_sets.pop("classifier")
    with pytest.raises(NonPersistedArtifactError, match="'classifier' is not in the catalog"):
        pipeline_ml.check_artifacts_persisted(iris_catalog)


def test_no_active_run_is_a_clear_error(trained):
    pipeline_ml, catalog, instances = trained
    with pytest.raises(PipelineMLError, match="No MLflow run"):
        log_pipeline_ml(pipeline_ml, catalog, input_data=instances)


def test_the_documented_programmatic_path(trained, tracking):
    """Chapter 6.3's snippet: extract_pipeline_artifacts takes the catalog alone."""
    pipeline_training, catalog, input_data = trained
    artifacts = pipeline_training.extract_pipeline_artifacts(catalog)
    model_signature = infer_signature(model_input=input_data)
    with mlflow.start_run() as run:
        mlflow.pyfunc.log_model(
            artifact_path="model",
            python_model=KedroPipelineModel(pipeline_ml=pipeline_training, catalog=catalog),
            artifacts=artifacts,
            conda_env={"python": "3.7.0", "dependencies": ["kedro==0.16.5"]},
            signature=model_signature,
        )
    model = mlflow.pyfunc.load_model(f"runs:/{run.info.run_id}/model")
    pd.testing.assert_frame_equal(
        model.predict(input_data), run_inference(pipeline_training, catalog, input_data)
    )


def test_wrong_columns_or_types_get_mlflow_schema_errors(trained, tracking):
    pipeline_ml, catalog, instances = trained
    with mlflow.start_run():
        model = mlflow.pyfunc.load_model(
            log_pipeline_ml(pipeline_ml, catalog, input_data=instances)
        )
    with pytest.raises(MlflowException, match="petal_width"):
        model.predict(instances.drop(columns=["petal_width"]))
    with pytest.raises(MlflowException):
        model.predict(instances.head(2).assign(sepal_length=["a", "b"]))


@pytest.mark.parametrize("copy_mode", [None, "assign", "copy", "deepcopy", {"instances": "copy"}])
def test_every_copy_mode_and_a_runner_give_the_same_predictions(trained, copy_mode):
    pipeline_ml, catalog, instances = trained

    class Context:
        artifacts = pipeline_ml.extract_pipeline_artifacts(catalog)

    expected = run_inference(pipeline_ml, catalog, instances)
    for runner in (None, SequentialRunner()):
        model = KedroPipelineModel(pipeline_ml, catalog, copy_mode=copy_mode, runner=runner)
        model.load_context(Context())
        pd.testing.assert_frame_equal(model.predict(Context(), instances), expected)


def test_the_callers_dataframe_is_not_changed_by_default(trained):
    pipeline_ml, catalog, instances = trained
    before = instances.copy()
    model = KedroPipelineModel(pipeline_ml, catalog)
    context = type("C", (), {"artifacts": pipeline_ml.extract_pipeline_artifacts(catalog)})
    model.load_context(context)
    model.predict(None, instances)
    pd.testing.assert_frame_equal(instances, before)


@pytest.mark.parametrize("copy_mode", ["shallow", {"instances": "move"}, {"unknown": "copy"}])
def test_a_bad_copy_mode_fails_at_construction(trained, copy_mode):
    pipeline_ml, catalog, _ = trained
    with pytest.raises(ModelOptionError, match="copy_mode"):
        KedroPipelineModel(pipeline_ml, catalog, copy_mode=copy_mode)


def test_a_plain_pipeline_is_refused(trained):
    pipeline_ml, catalog, _ = trained
    with pytest.raises(PipelineMLError, match=r"needs a PipelineML.*from_pipeline"):
        KedroPipelineModel(pipeline_ml.inference, catalog)


def test_from_pipeline_models_a_plain_pipeline(trained, tracking):
    """What `kedro mlflow modelify` logs: any one-output pipeline, its other inputs as files."""
    pipeline_ml, catalog, instances = trained
    model = KedroPipelineModel.from_pipeline(
        pipeline_ml.inference, catalog, "instances", copy_mode="deepcopy"
    )
    assert model.artifact_names == ["classifier", "scaler"]
    with mlflow.start_run() as run:
        mlflow.pyfunc.log_model(
            artifact_path="model",
            python_model=model,
            artifacts=pipeline_ml.extract_pipeline_artifacts(catalog),
            conda_env=default_conda_env(pipeline_ml.inference),
        )
    loaded = mlflow.pyfunc.load_model(f"runs:/{run.info.run_id}/model")
    pd.testing.assert_frame_equal(
        loaded.predict(instances), run_inference(pipeline_ml, catalog, instances)
    )


def test_from_pipeline_checks_the_pipeline_and_the_catalog(trained):
    pipeline_ml, catalog, _ = trained
    inference = pipeline_ml.inference
    two_outputs = Pipeline([node(len, "instances", "rows"), node(list, "instances", "names")])
    with pytest.raises(InferenceOutputError, match="exactly one output"):
        KedroPipelineModel.from_pipeline(two_outputs, catalog, "instances")
    with pytest.raises(InputNameError, match=r"'scaled_instances' is not a free input.*'scaler'"):
        KedroPipelineModel.from_pipeline(inference, catalog, "scaled_instances")
    with pytest.raises(NonPersistedArtifactError, match="'instances' is a MemoryDataSet"):
        KedroPipelineModel.from_pipeline(inference, catalog, "scaler")
    with pytest.raises(ModelOptionError, match="copy_mode"):
        KedroPipelineModel.from_pipeline(inference, catalog, "instances", copy_mode="move")


LOAD_AND_PREDICT = """
import json, sys
import mlflow.pyfunc, pandas as pd
instances = pd.read_json(sys.argv[2], orient="split")
model = mlflow.pyfunc.load_model(sys.argv[1])
print(json.dumps({"predictions": model.predict(instances).to_json(orient="split"),
                  "sys_path": sys.path}))
"""


def test_the_model_loads_in_a_separate_process_without_the_training_files(
    trained, tracking, fixtures_dir, tmp_path
):
    pipeline_ml, catalog, instances = trained
    with mlflow.start_run():
        uri = log_pipeline_ml(pipeline_ml, catalog, input_data=instances)
    expected = run_inference(pipeline_ml, catalog, instances)
    shutil.rmtree(tmp_path / "data")  # the model must use its own copies
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "MLFLOW_TRACKING_URI")}
    # Only the project's package is added to what the interpreter has installed.
    env.update(PYTHONPATH=str(fixtures_dir), MLFLOW_TRACKING_URI=tracking["uri"])
    sample = tmp_path / "instances.json"
    instances.to_json(sample, orient="split")
    done = subprocess.run(
        [sys.executable, "-c", LOAD_AND_PREDICT, uri, str(sample)],
        env=env,
        cwd=str(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert str(fixtures_dir.parent) not in answer["sys_path"]  # no test module reachable
    got = pd.read_json(answer["predictions"], orient="split")
    assert got["species"].tolist() == expected["species"].tolist()


def test_the_documented_short_conda_env_is_made_a_full_one(iris, iris_catalog, tracking):
    pipeline_ml = iris.pipeline.create_pipelines(
        conda_env={"python": 3.7, "dependencies": ["iris_demo==0.1", "numpy"]}
    )["training"]
    instances = iris_catalog.load("instances")
    SequentialRunner().run(pipeline_ml, iris_catalog)
    with mlflow.start_run() as run:
        log_pipeline_ml(pipeline_ml, iris_catalog, input_data=instances)
    local = mlflow.tracking.MlflowClient().download_artifacts(run.info.run_id, "model")
    with open(os.path.join(local, "conda.yaml")) as handle:
        env = yaml.safe_load(handle)
    assert env["dependencies"][:3] == ["python=3.7", "numpy", "pip"]
    assert "iris_demo==0.1" in env["dependencies"][3]["pip"]


def test_a_versioned_artifact_ships_the_version_training_just_saved(iris, tmp_path, tracking):
    from kedro.extras.datasets.pickle import PickleDataSet
    from kedro.io import Version

    instances, labels = iris.nodes.iris_frames()
    pipeline_ml = iris.pipeline.create_pipelines()["training"]
    predictions = []
    for save_version, rows in (("2020-01-01T00.00.00.000Z", 60), ("2020-01-02T00.00.00.000Z", 150)):
        catalog = DataCatalog(
            {
                "instances": MemoryDataSet(instances.head(rows)),
                "labels": MemoryDataSet(labels.head(rows)),
                "scaler": PickleDataSet(
                    filepath=str(tmp_path / "scaler.pkl"), version=Version(None, save_version)
                ),
                "classifier": PickleDataSet(
                    filepath=str(tmp_path / "classifier.pkl"), version=Version(None, save_version)
                ),
            }
        )
        SequentialRunner().run(pipeline_ml, catalog)
        with mlflow.start_run():
            uri = log_pipeline_ml(pipeline_ml, catalog, input_data=instances)
        predictions.append(mlflow.pyfunc.load_model(uri).predict(instances))
        expected = run_inference(pipeline_ml, catalog, instances)
        pd.testing.assert_frame_equal(predictions[-1], expected)
    # 60 rows hold only two species: the first model cannot predict the third one.
    assert predictions[0]["species"].nunique() == 2
    assert predictions[1]["species"].nunique() == 3


def test_an_explicit_signature_is_logged_as_given_not_inferred(iris, iris_catalog, tracking):
    instances = iris_catalog.load("instances")
    # A variant of what "auto" would infer: two columns only, and an output schema.
    given = infer_signature(
        instances[["petal_length", "petal_width"]].head(10),
        pd.DataFrame({"species": [0, 1, 2]}),
    )
    inferred = infer_signature(model_input=instances)
    assert given != inferred
    pipeline_ml = iris.pipeline.create_pipelines(model_signature=given)["training"]
    assert pipeline_ml.model_signature is given
    SequentialRunner().run(pipeline_ml, iris_catalog)
    with mlflow.start_run() as run:
        # input_data is there: "auto" would have inferred from it, a given one must win.
        uri = log_pipeline_ml(pipeline_ml, iris_catalog, run, input_data=instances)
    local = mlflow.tracking.MlflowClient().download_artifacts(run.info.run_id, "model")
    logged = mlflow.models.Model.load(os.path.join(local, "MLmodel")).signature
    assert logged == given and logged != inferred
    assert logged.to_dict() == given.to_dict()
    assert [c["name"] for c in logged.inputs.to_dict()] == ["petal_length", "petal_width"]
    assert [c["name"] for c in logged.outputs.to_dict()] == ["species"]
    assert mlflow.pyfunc.load_model(uri).metadata.signature == given


@pytest.mark.parametrize("tracking", ["sqlite"], indirect=True)
def test_model_name_and_registered_model_name_log_and_register_the_model(
    iris, iris_catalog, tracking, tmp_path
):
    pipeline_ml = iris.pipeline.create_pipelines(model_name="clf", registered_model_name="iris")[
        "training"
    ]
    # registered_model_name goes to log_model, not to KedroPipelineModel.
    assert pipeline_ml.log_model_kwargs == {"registered_model_name": "iris"}
    assert pipeline_ml.model_options == {}
    instances = iris_catalog.load("instances")
    SequentialRunner().run(pipeline_ml, iris_catalog)
    with mlflow.start_run() as run:
        uri = log_pipeline_ml(pipeline_ml, iris_catalog, run, input_data=instances)
    run_id = run.info.run_id
    assert uri == f"runs:/{run_id}/clf"
    client = mlflow.tracking.MlflowClient()
    assert [a.path for a in client.list_artifacts(run_id)] == ["clf"]
    expected = run_inference(pipeline_ml, iris_catalog, instances)
    pd.testing.assert_frame_equal(mlflow.pyfunc.load_model(uri).predict(instances), expected)

    versions = client.search_model_versions("name='iris'")
    assert [(v.name, str(v.version)) for v in versions] == [("iris", "1")]
    version = client.get_model_version("iris", "1")
    assert version.run_id == run_id
    # mlflow resolves runs:/<id>/clf to the run's artifact location before registering.
    artifact_uri = client.get_run(run_id).info.artifact_uri
    assert version.source == f"{artifact_uri}/clf"
    assert version.source == f"{(tmp_path / 'artifacts').as_uri()}/{run_id}/artifacts/clf"
    registered = mlflow.pyfunc.load_model("models:/iris/1")
    pd.testing.assert_frame_equal(registered.predict(instances), expected)


@pytest.mark.parametrize("tracking", ["sqlite"], indirect=True)
def test_the_08_form_logs_under_its_artifact_path_and_registers_the_model(
    iris, iris_catalog, tracking
):
    pipeline_ml = iris.pipeline.create_pipelines(
        log_model_kwargs=dict(artifact_path="clf08", signature=None, registered_model_name="i8"),
        kpm_kwargs=dict(copy_mode="assign"),
    )["training"]
    instances = iris_catalog.load("instances")
    SequentialRunner().run(pipeline_ml, iris_catalog)
    with mlflow.start_run() as run:
        uri = log_pipeline_ml(pipeline_ml, iris_catalog, run, input_data=instances)
    assert uri == f"runs:/{run.info.run_id}/clf08"
    client = mlflow.tracking.MlflowClient()
    assert [a.path for a in client.list_artifacts(run.info.run_id)] == ["clf08"]
    assert Model.load(client.download_artifacts(run.info.run_id, "clf08")).signature is None
    assert client.get_model_version("i8", "1").run_id == run.info.run_id
    expected = run_inference(pipeline_ml, iris_catalog, instances)
    pd.testing.assert_frame_equal(
        mlflow.pyfunc.load_model("models:/i8/1").predict(instances), expected
    )


def _threshold_predict(scaled, classifier, labels_names, threshold):
    """Inference reads a lookup training also reads, and a parameter."""
    proba = classifier.predict_proba(scaled).max(axis=1)
    names = [labels_names[int(k)] for k in classifier.predict(scaled)]
    return pd.DataFrame({"species": names, "sure": proba > threshold}, index=scaled.index)


def _fit_with_names(scaled, labels, labels_names):
    from iris_demo.nodes import fit_classifier

    assert set(labels_names) == {0, 1, 2}
    return fit_classifier(scaled, labels)


def test_a_shared_lookup_and_a_parameter_are_shipped_and_fed_at_predict(iris, tmp_path, tracking):
    """0.7.x: an inference input training also reads, and a `params:` input, go with the model."""
    from kedro.extras.datasets.pickle import PickleDataSet
    from kedro.extras.datasets.yaml import YAMLDataSet

    from kedro_mlflow.pipeline import pipeline_ml_factory

    nodes = iris.nodes
    training = Pipeline(
        [
            node(nodes.fit_scaler, "instances", "scaler", name="fit_scaler"),
            node(nodes.scale, ["instances", "scaler"], "scaled", name="scale"),
            node(_fit_with_names, ["scaled", "labels", "names"], "classifier", name="fit"),
        ]
    )
    inference = Pipeline(
        [
            node(nodes.scale, ["instances", "scaler"], "scaled_instances", name="scale_i"),
            node(
                _threshold_predict,
                ["scaled_instances", "classifier", "names", "params:threshold"],
                "predictions",
                name="predict",
            ),
        ]
    )
    pipeline_ml = pipeline_ml_factory(training, inference, input_name="instances")
    assert pipeline_ml.artifact_names == {"scaler", "classifier", "names", "params:threshold"}
    instances, labels = nodes.iris_frames()
    names = YAMLDataSet(filepath=str(tmp_path / "names.yml"))
    names.save({0: "setosa", 1: "versicolor", 2: "virginica"})
    catalog = DataCatalog(
        {
            "instances": MemoryDataSet(instances),
            "labels": MemoryDataSet(labels),
            "names": names,
            "params:threshold": MemoryDataSet(0.9),
            "scaler": PickleDataSet(filepath=str(tmp_path / "scaler.pkl")),
            "classifier": PickleDataSet(filepath=str(tmp_path / "classifier.pkl")),
        }
    )
    pipeline_ml.check_artifacts_persisted(catalog)
    SequentialRunner().run(pipeline_ml, catalog)
    with mlflow.start_run() as run:
        uri = log_pipeline_ml(pipeline_ml, catalog, run, input_data=instances)
    local = mlflow.tracking.MlflowClient().download_artifacts(run.info.run_id, "model")
    shipped = set(os.listdir(os.path.join(local, "artifacts")))
    assert shipped == {"scaler.pkl", "classifier.pkl", "names.yml", "params_threshold.pkl"}
    # Changed after training: the model keeps the training-time values.
    names.save({0: "changed", 1: "changed", 2: "changed"})
    catalog.add("params:threshold", MemoryDataSet(2.0), replace=True)
    expected = SequentialRunner().run(
        inference,
        DataCatalog(
            {
                "instances": MemoryDataSet(instances),
                "scaler": MemoryDataSet(catalog.load("scaler")),
                "classifier": MemoryDataSet(catalog.load("classifier")),
                "names": MemoryDataSet({0: "setosa", 1: "versicolor", 2: "virginica"}),
                "params:threshold": MemoryDataSet(0.9),
            }
        ),
    )["predictions"]
    predicted = mlflow.pyfunc.load_model(uri).predict(instances)
    pd.testing.assert_frame_equal(predicted, expected)
    assert predicted["sure"].any() and not predicted["sure"].all()
    assert set(predicted["species"]) == {"setosa", "versicolor", "virginica"}


def test_extract_pipeline_artifacts_pickles_parameters_into_the_temp_folder(iris, tmp_path):
    """0.7.x's extract_pipeline_artifacts(catalog, temp_folder); the folder is optional."""
    from kedro.extras.datasets.pickle import PickleDataSet

    from kedro_mlflow.pipeline import pipeline_ml_factory

    training = Pipeline([node(lambda d: d, "data", "model", name="fit")])
    inference = Pipeline([node(lambda d, m, t: d, ["data", "model", "params:t"], "y", name="p")])
    pipeline_ml = pipeline_ml_factory(training, inference, input_name="data")
    model = PickleDataSet(filepath=str(tmp_path / "model.pkl"))
    model.save({"fitted": True})
    catalog = DataCatalog({"model": model, "params:t": MemoryDataSet({"a": [1, 2]})})
    folder = tmp_path / "temp"
    folder.mkdir()
    paths = pipeline_ml.extract_pipeline_artifacts(catalog, folder)
    assert paths == {"model": str(tmp_path / "model.pkl"), "params:t": str(folder / "params_t.pkl")}
    assert PickleDataSet(filepath=paths["params:t"]).load() == {"a": [1, 2]}
    elsewhere = pipeline_ml.extract_pipeline_artifacts(catalog)
    assert PickleDataSet(filepath=elsewhere["params:t"]).load() == {"a": [1, 2]}
    catalog._data_sets.pop("params:t")
    with pytest.raises(NonPersistedArtifactError, match="'params:t'"):
        pipeline_ml.extract_pipeline_artifacts(catalog, folder)


def test_runner_and_copy_mode_are_taken_by_position_in_07s_order(trained):
    pipeline_ml, catalog, _ = trained
    runner = SequentialRunner()
    model = KedroPipelineModel(pipeline_ml, catalog, runner, "assign")
    assert (model.runner, model.copy_mode) == (runner, "assign")
    model = KedroPipelineModel(pipeline_ml=pipeline_ml, catalog=catalog, copy_mode="copy")
    assert (model.runner, model.copy_mode) == (None, "copy")
