"""A project written as the kedro-mlflow guides write theirs, made with the real kedro CLI.

`kedro new`, `kedro mlflow init`, an ml_app pipeline tagged for training and inference,
the guides' catalog entries and a registry calling `pipeline_ml_factory`; the tests of
each guide (0.4.1 on kedro 0.16, 0.7.3 and 0.8.1 on kedro 0.17) pass their own registry,
catalog and mlflow.yml.
"""

from pathlib import Path
from typing import Optional, Sequence

import kedro
import pandas as pd
import yaml
from km_testkit.projects import new_project, typed

PACKAGE = "km_guide"
KEDRO_016 = kedro.__version__.startswith("0.16.")
# 0.4.1 refused a `params:` input of the inference pipeline; 0.7.3 ships its value.
WITH_PARAMS_INPUT = not KEDRO_016

NODES = '''
"""The ml_app pipeline's nodes: a scaler and a threshold model, as in the guides."""

import pandas as pd


def fit_scaler(instances):
    return {column: float(instances[column].mean()) for column in instances.columns}


def scale(instances, scaler, weights):
    return pd.DataFrame(
        {c: (instances[c] - scaler[c]) * weights[c] for c in sorted(scaler)}
    )


def fit(scaled, labels, learning_rate):
    score = scaled.sum(axis=1)
    return {"cut": float(score[labels["y"] == 1].min()) * learning_rate}


def evaluate(model, scaled, labels):
    predicted = (scaled.sum(axis=1) >= model["cut"]).astype(int)
    return {"accuracy": {"value": float((predicted == labels["y"]).mean()), "step": 0}}


def predict(model, scaled__ARGUMENT__):
    score = scaled.sum(axis=1)__USE__
    return pd.DataFrame({"prediction": (score >= model["cut"]).astype(int)})
'''

PIPELINE = '''
"""The ml_app pipeline, tagged for training and inference as the guides advise."""

from kedro.pipeline import Pipeline, node

from .nodes import evaluate, fit, fit_scaler, predict, scale


def create_ml_pipeline(**kwargs):
    return Pipeline(
        [
            node(fit_scaler, "instances", "scaler", tags=["training"]),
            node(
                scale, ["instances", "scaler", "weights"], "scaled", tags=["training", "inference"]
            ),
            node(fit, ["scaled", "labels", "params:learning_rate"], "model", tags=["training"]),
            node(evaluate, ["model", "scaled", "labels"], "training_metrics", tags=["training"]),
            node(predict, ["model", "scaled"{threshold_input}], "predictions", tags=["inference"]),
        ]
    )
'''

# The registry, written the way the guides show it (pipeline_ml_factory on tags).
REGISTRY = """
from kedro_mlflow.pipeline import pipeline_ml_factory

from {package}.pipelines.ml_app.pipeline import create_ml_pipeline


def guide_pipelines():
    ml_pipeline = create_ml_pipeline()
    training_pipeline_ml = pipeline_ml_factory(
        training=ml_pipeline.only_nodes_with_tags("training"),
        inference=ml_pipeline.only_nodes_with_tags("inference"),
        input_name="instances",
    )
    return {{
        "training": training_pipeline_ml,
        "inference": ml_pipeline.only_nodes_with_tags("inference"),
        "__default__": training_pipeline_ml,
    }}
"""

CATALOG = """
instances:
  type: pandas.CSVDataSet
  filepath: data/01_raw/instances.csv

labels:
  type: pandas.CSVDataSet
  filepath: data/01_raw/labels.csv

weights:
  type: yaml.YAMLDataSet
  filepath: data/01_raw/weights.yml

scaler:
  type: kedro_mlflow.io.artifacts.MlflowArtifactDataSet
  data_set:
    type: pickle.PickleDataSet
    filepath: data/06_models/scaler.pkl

model:
  type: pickle.PickleDataSet
  filepath: data/06_models/model.pkl

training_metrics:
  type: kedro_mlflow.io.metrics.MlflowMetricsDataSet

predictions:
  type: pandas.CSVDataSet
  filepath: data/07_model_output/predictions.csv
"""

INSTANCES = pd.DataFrame(
    {"x1": [0.1, 0.9, 0.4, 1.2, 0.3, 1.5], "x2": [1.0, 2.0, 1.5, 2.5, 0.5, 3.0]}
)
LABELS = pd.DataFrame({"y": [0, 1, 0, 1, 0, 1]})
WEIGHTS = {"x1": 2.0, "x2": 0.5}
PARAMETERS = {"learning_rate": 0.9, "threshold_shift": 0.25}


def node_source() -> str:
    if WITH_PARAMS_INPUT:
        return NODES.replace("__ARGUMENT__", ", threshold_shift").replace(
            "__USE__", " + threshold_shift"
        )
    return NODES.replace("__ARGUMENT__", "").replace("__USE__", "")


def write_guide_project(
    folder: Path,
    registry: str = REGISTRY,
    catalog: str = CATALOG,
    init_args: Sequence[str] = (),
    mlflow_yml: Optional[str] = None,
) -> Path:
    """The project in ``folder``: ``mlflow_yml`` replaces what `kedro mlflow init` wrote."""
    project = new_project(folder, "km-guide", PACKAGE, mlflow=False)
    typed(project, "mlflow", "init", *init_args)
    if mlflow_yml is not None:
        (project / "conf/local/mlflow.yml").write_text(mlflow_yml)
    package = project / "src" / PACKAGE
    app = package / "pipelines" / "ml_app"
    app.mkdir(parents=True)
    (package / "pipelines" / "__init__.py").touch()
    (app / "__init__.py").touch()
    (app / "nodes.py").write_text(node_source())
    threshold_input = ', "params:threshold_shift"' if WITH_PARAMS_INPUT else ""
    (app / "pipeline.py").write_text(PIPELINE.format(threshold_input=threshold_input))
    (package / "guide_registry.py").write_text(registry.format(package=PACKAGE))
    from kedro_mlflow.compat.kedro_compat import (
        declare_context_hooks,
        find_project,
        register_project_pipelines,
    )

    metadata = find_project(project)
    register_project_pipelines(metadata, f"{PACKAGE}.guide_registry", "guide_pipelines")
    # kedro < 0.16.4: the 0.4.1 guide declares the hooks in the ProjectContext
    declare_context_hooks(
        metadata,
        "from kedro_mlflow.framework.hooks import mlflow_node_hook, mlflow_pipeline_hook",
        "mlflow_pipeline_hook, mlflow_node_hook",
    )
    (project / "conf/base/catalog.yml").write_text(catalog)
    (project / "conf/base/parameters.yml").write_text(yaml.safe_dump(PARAMETERS))
    raw = project / "data/01_raw"
    INSTANCES.to_csv(raw / "instances.csv", index=False)
    LABELS.to_csv(raw / "labels.csv", index=False)
    (raw / "weights.yml").write_text(yaml.safe_dump(WEIGHTS))
    return project


def expected_predictions() -> pd.DataFrame:
    """The inference pipeline computed by hand from the same node functions."""
    scope: dict = {}
    exec(node_source(), scope)
    scaler = scope["fit_scaler"](INSTANCES)
    scaled = scope["scale"](INSTANCES, scaler, WEIGHTS)
    model = scope["fit"](scaled, LABELS, PARAMETERS["learning_rate"])
    extra = (PARAMETERS["threshold_shift"],) if WITH_PARAMS_INPUT else ()
    return scope["predict"](model, scaled, *extra)
