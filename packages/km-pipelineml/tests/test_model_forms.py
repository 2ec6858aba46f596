"""KedroPipelineModel in kedro-mlflow 0.7.3's and 0.8.1's construction forms.

0.7.3: ``KedroPipelineModel(pipeline_ml, catalog, runner=None, copy_mode=None)``;
0.8.1: ``KedroPipelineModel(pipeline, catalog, input_name, runner=None, copy_mode=None)``.
Every model here is logged to a real MLflow store and loaded back before it predicts.
"""

import os
import pickle

import mlflow
import mlflow.pyfunc
import pandas as pd
import pytest
from kedro.extras.datasets.pickle import PickleDataSet
from kedro.io import DataCatalog, MemoryDataSet
from kedro.pipeline import Pipeline, node
from kedro.runner import SequentialRunner

from kedro_mlflow.mlflow import KedroPipelineModel
from kedro_mlflow.pipeline import (
    InputNameError,
    ModelOptionError,
    NonPersistedArtifactError,
    PipelineMLError,
)

# What a KedroPipelineModel pickles today, whichever form built it: models logged by
# earlier releases hold exactly these, and __setstate__ reads them back.
PICKLED_ATTRIBUTES = {
    "pipeline",
    "input_name",
    "output_name",
    "copy_mode",
    "runner",
    "artifact_datasets",
    "_loaded",
}


def by_hand(iris, catalog, instances):
    """The inference nodes' functions called directly on the fitted objects."""
    scaled = iris.nodes.scale(instances, catalog.load("scaler"))
    return iris.nodes.predict(scaled, catalog.load("classifier"))


def log_and_load(model, artifacts, artifact_path):
    """Log ``model`` into the active run, then load it back from the store."""
    mlflow.pyfunc.log_model(artifact_path=artifact_path, python_model=model, artifacts=artifacts)
    run_id = mlflow.active_run().info.run_id
    return mlflow.pyfunc.load_model(f"runs:/{run_id}/{artifact_path}")


# the construction is under test, not the store (test_model.py covers both)
@pytest.mark.parametrize("tracking", ["file"], indirect=True)
def test_both_forms_log_and_serve_alike(iris, trained, tracking, tmp_path):
    pipeline_ml, catalog, instances = trained
    inference = pipeline_ml.inference
    runner = SequentialRunner()
    forms = {
        "07_positional": KedroPipelineModel(pipeline_ml, catalog),
        "07_keywords": KedroPipelineModel(pipeline_ml=pipeline_ml, catalog=catalog),
        "07_runner_by_position": KedroPipelineModel(pipeline_ml, catalog, runner),
        "08_keywords_pipeline_ml": KedroPipelineModel(
            pipeline=pipeline_ml, catalog=catalog, input_name="instances"
        ),
        "08_positional_plain_pipeline": KedroPipelineModel(inference, catalog, "instances"),
        "08_all_positional": KedroPipelineModel(
            pipeline_ml, catalog, "instances", runner, "deepcopy"
        ),
    }
    # Both ways of extracting the artifacts name the same files (where iris_catalog saves).
    expected_artifacts = {
        "scaler": str(tmp_path / "data" / "scaler.pkl"),
        "classifier": str(tmp_path / "data" / "classifier.pkl"),
    }
    assert pipeline_ml.extract_pipeline_artifacts(catalog) == expected_artifacts
    for model in forms.values():
        assert model.extract_pipeline_artifacts() == expected_artifacts

    sample = instances.sample(40, random_state=1)
    expected = by_hand(iris, catalog, sample)
    assert expected["species"].nunique() == 3  # a comparison that can tell models apart
    predictions = {}
    with mlflow.start_run() as run:
        for name, model in forms.items():
            # 0.7.3 takes the artifacts from the PipelineML, 0.8.1 from the model.
            if name.startswith("07"):
                artifacts = pipeline_ml.extract_pipeline_artifacts(catalog)
            else:
                artifacts = model.extract_pipeline_artifacts()
            predictions[name] = log_and_load(model, artifacts, name).predict(sample)
    for name, predicted in predictions.items():
        pd.testing.assert_frame_equal(predicted, expected, obj=name)
        pd.testing.assert_frame_equal(predicted, predictions["07_positional"], obj=name)
    client = mlflow.tracking.MlflowClient()
    for name in forms:
        local = client.download_artifacts(run.info.run_id, name)
        assert sorted(os.listdir(os.path.join(local, "artifacts"))) == [
            "classifier.pkl",
            "scaler.pkl",
        ]


def test_the_forms_bind_the_same_model_and_keep_runner_and_copy_mode(trained):
    pipeline_ml, catalog, _ = trained
    runner = SequentialRunner()

    def described(model):
        return (
            sorted(node.name for node in model.pipeline.nodes),
            model.input_name,
            model.output_name,
            model.artifact_names,
        )

    bound = (["predict", "scale_instances"], "instances", "predictions", ["classifier", "scaler"])
    models = [
        (KedroPipelineModel(pipeline_ml, catalog, runner), runner, None),
        (KedroPipelineModel(pipeline_ml, catalog, None, "copy"), None, "copy"),
        (KedroPipelineModel(pipeline_ml, catalog, "instances", runner, "copy"), runner, "copy"),
        (KedroPipelineModel(pipeline_ml.inference, catalog, "instances"), None, None),
        (KedroPipelineModel(pipeline=pipeline_ml, catalog=catalog), None, None),
        (
            KedroPipelineModel(
                pipeline=pipeline_ml.inference,
                catalog=catalog,
                input_name="instances",
                copy_mode={"instances": "deepcopy"},
            ),
            None,
            {"instances": "deepcopy"},
        ),
    ]
    for model, given_runner, given_copy_mode in models:
        assert described(model) == bound
        assert model.runner is given_runner
        assert model.copy_mode == given_copy_mode
        # The pickled layout is the same in both forms, and holds no catalog.
        assert set(model.__getstate__()) == PICKLED_ATTRIBUTES


# the construction is under test, not the store (test_model.py covers both)
@pytest.mark.parametrize("tracking", ["file"], indirect=True)
def test_a_plain_pipeline_in_08_form_ships_its_parameters(iris, trained, tracking, tmp_path):
    """Every free input but input_name is an artifact, parameters included."""
    _, catalog, instances = trained

    def sure_species(scaled, classifier, threshold):
        proba = classifier.predict_proba(scaled).max(axis=1)
        return pd.DataFrame({"sure": proba > threshold}, index=scaled.index)

    pipeline = Pipeline(
        [
            node(iris.nodes.scale, ["instances", "scaler"], "scaled", name="scale"),
            node(sure_species, ["scaled", "classifier", "params:threshold"], "sure", name="sure"),
        ]
    )
    catalog.add("params:threshold", MemoryDataSet(0.9))
    model = KedroPipelineModel(pipeline, catalog, "instances")
    assert model.artifact_names == ["classifier", "params:threshold", "scaler"]
    folder = tmp_path / "parameters"
    folder.mkdir()
    artifacts = model.extract_pipeline_artifacts(folder)
    assert artifacts["params:threshold"] == str(folder / "params_threshold.pkl")
    assert PickleDataSet(filepath=artifacts["params:threshold"]).load() == 0.9
    # 0.8.1's keyword, and no folder at all (a new temporary one).
    assert model.extract_pipeline_artifacts(parameters_saving_folder=folder) == artifacts
    elsewhere = model.extract_pipeline_artifacts()
    assert elsewhere["params:threshold"] != artifacts["params:threshold"]
    assert PickleDataSet(filepath=elsewhere["params:threshold"]).load() == 0.9

    with mlflow.start_run():
        loaded = log_and_load(model, artifacts, "model")
    catalog.add("params:threshold", MemoryDataSet(2.0), replace=True)  # after logging
    scaled = iris.nodes.scale(instances, catalog.load("scaler"))
    expected = sure_species(scaled, catalog.load("classifier"), 0.9)
    assert expected["sure"].any() and not expected["sure"].all()
    pd.testing.assert_frame_equal(loaded.predict(instances), expected)


MIXED = [
    (
        lambda pml, cat: KedroPipelineModel(pipeline_ml=pml, catalog=cat, input_name="instances"),
        ModelOptionError,
        r"pipeline_ml= \(kedro-mlflow 0\.7\.x\) together with input_name= \(0\.8\.x\).*"
        r"KedroPipelineModel\(pipeline_ml, catalog, runner=None, copy_mode=None\).*"
        r"KedroPipelineModel\(pipeline, catalog, input_name, runner=None, copy_mode=None\)",
    ),
    (
        lambda pml, cat: KedroPipelineModel(pipeline=pml, pipeline_ml=pml, catalog=cat),
        ModelOptionError,
        r"pipeline_ml= .* together with pipeline=",
    ),
    (
        lambda pml, cat: KedroPipelineModel(pml, cat, SequentialRunner(), input_name="instances"),
        ModelOptionError,
        r"input_name= \(kedro-mlflow 0\.8\.x\) with a SequentialRunner as third positional",
    ),
    (
        lambda pml, cat: KedroPipelineModel(pml, cat, "scaler"),
        InputNameError,
        r"bound to input_name 'instances' with input_name='scaler'",
    ),
    (
        lambda pml, cat: KedroPipelineModel(pml.inference, cat),
        PipelineMLError,
        r"needs a PipelineML.*got Pipeline.*"
        r"KedroPipelineModel\(pipeline, catalog, input_name=\.\.\.\) \(0\.8\.x's form\)"
        r".*from_pipeline",
    ),
    (
        lambda pml, cat: KedroPipelineModel(pipeline=pml.inference, catalog=cat),
        InputNameError,
        r"needs input_name .* free inputs are 'classifier', 'instances', 'scaler'",
    ),
    (
        lambda pml, cat: KedroPipelineModel(pml, cat, {"instances": "copy"}),
        ModelOptionError,
        r"runner must be a kedro runner .* got dict",
    ),
    (
        lambda pml, cat: KedroPipelineModel(cat, pml),
        PipelineMLError,
        r"catalog must be a kedro DataCatalog, got PipelineML",
    ),
    (
        lambda pml, cat: KedroPipelineModel(pml, cat, None, None, "copy"),
        TypeError,
        r"at most 4 positional arguments in kedro-mlflow 0\.7\.x's form",
    ),
    (
        lambda pml, cat: KedroPipelineModel(pml, cat, kpm_kwargs={}),
        TypeError,
        r"unexpected keyword arguments 'kpm_kwargs'",
    ),
    (
        lambda pml, cat: KedroPipelineModel(pml, cat, pipeline_ml=pml),
        TypeError,
        r"multiple values for 'pipeline_ml'",
    ),
    (
        lambda pml, cat: KedroPipelineModel(pipeline=pml),
        TypeError,
        r"missing required arguments 'catalog'",
    ),
]


@pytest.mark.parametrize("build, error, message", MIXED)
def test_mixed_or_wrong_arguments_are_clear_errors(trained, build, error, message):
    pipeline_ml, catalog, _ = trained
    with pytest.raises(error, match=message):
        build(pipeline_ml, catalog)


def test_extract_pipeline_artifacts_on_the_model_says_what_it_needs(trained, tmp_path):
    pipeline_ml, catalog, _ = trained
    model = KedroPipelineModel(pipeline_ml, catalog, "instances")
    with pytest.raises(ModelOptionError, match="pass no catalog"):
        model.extract_pipeline_artifacts(catalog)
    with pytest.raises(ModelOptionError, match="both temp_folder and parameters_saving_folder"):
        model.extract_pipeline_artifacts(tmp_path, parameters_saving_folder=tmp_path)
    with pytest.raises(PipelineMLError, match="was unpickled"):
        pickle.loads(pickle.dumps(model)).extract_pipeline_artifacts()
    # Read at the call, like PipelineML's: a file the catalog no longer has is reported.
    os.remove(tmp_path / "data" / "scaler.pkl")  # where iris_catalog saves it
    with pytest.raises(NonPersistedArtifactError, match="'scaler'"):
        model.extract_pipeline_artifacts()
    with pytest.raises(NonPersistedArtifactError, match="'scaler'"):
        pipeline_ml.extract_pipeline_artifacts(catalog)


def test_an_unpickled_model_of_either_form_predicts_like_the_original(iris, trained):
    pipeline_ml, catalog, instances = trained
    context = type("Context", (), {"artifacts": pipeline_ml.extract_pipeline_artifacts(catalog)})
    expected = by_hand(iris, catalog, instances)
    for model in (
        KedroPipelineModel(pipeline_ml, catalog),
        KedroPipelineModel(pipeline_ml.inference, catalog, "instances"),
    ):
        copy = pickle.loads(pickle.dumps(model))
        assert set(copy.__dict__) - {"_catalog"} == PICKLED_ATTRIBUTES
        copy.load_context(context)
        pd.testing.assert_frame_equal(copy.predict(context, instances), expected)


def test_the_state_kedro_mlflow_08_pickles_is_read_back(iris, trained, tmp_path):
    """A model logged by the real 0.8.1 holds these attributes (observed on its objects)."""
    pipeline_ml, catalog, instances = trained
    inference = pipeline_ml.inference
    state = {
        "pipeline": inference,
        "input_name": "instances",
        "initial_catalog": DataCatalog(
            {
                "instances": MemoryDataSet(),
                "scaler": PickleDataSet(filepath=str(tmp_path / "data" / "scaler.pkl")),
                "classifier": PickleDataSet(filepath=str(tmp_path / "data" / "classifier.pkl")),
            }
        ),
        "output_name": "predictions",
        "runner": SequentialRunner(),
        "_copy_mode": {name: None for name in inference.data_sets()},
        "loaded_catalog": DataCatalog(),
    }
    model = KedroPipelineModel.__new__(KedroPipelineModel)
    model.__setstate__(state)
    assert set(model.__dict__) - {"_catalog"} == PICKLED_ATTRIBUTES
    assert (model.input_name, model.artifact_names) == ("instances", ["classifier", "scaler"])
    assert (model.runner, model.copy_mode) == (None, None)  # their defaults are ours
    context = type("Context", (), {"artifacts": pipeline_ml.extract_pipeline_artifacts(catalog)})
    model.load_context(context)
    pd.testing.assert_frame_equal(
        model.predict(context, instances), by_hand(iris, catalog, instances)
    )
