"""Median latency of a logged PipelineML model's predict, against the fitted objects alone.

    python packages/km-pipelineml/benchmarks/predict_latency.py [--repeats 500] [--json PATH]

Trains the iris-like test project (StandardScaler + LogisticRegression on sklearn's
bundled iris data, no network), logs inference pipelines to a temporary file
store, loads them back with ``mlflow.pyfunc.load_model`` and times, on 1 and 1,000
rows,

two inference pipelines: "lean" (two nodes doing exactly what direct does) and
"project" (the test project's nodes, which also select columns and build DataFrames). Columns:

- direct: ``classifier.predict(scaler.transform(df))`` on the fitted objects, the
  baseline of every ratio (the same for both pipelines);
- nodes: the pipeline's node functions called by hand on the fitted objects, no
  framework at all: what the pipeline itself costs over direct;
- python_model: ``KedroPipelineModel.predict``, the nodes run by km-pipelineml;
- pyfunc: the loaded model's ``predict``, i.e. what a served model does: mlflow's
  schema check of the input (the model is logged with its signature), then
  python_model; "mlflow" is its share, pyfunc minus python_model;
- bare: a hand-written ``mlflow.pyfunc.PythonModel`` whose predict is direct, logged
  with the same signature: the least any PythonModel serving these objects costs
  (KedroPipelineModel is one), i.e. mlflow's schema check and PythonModel wrapper;
- sklearn: the same fitted objects as one ``sklearn.pipeline.Pipeline`` logged by
  ``mlflow.sklearn`` with the same signature: mlflow's own flavour, no PythonModel.

The calls take turns and the medians are compared, so a busy machine slows them
alike. It prints figures and checks the predictions are identical; it never fails
on a figure.
"""

import argparse
import json
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Callable, List

import mlflow
import mlflow.pyfunc
import mlflow.sklearn
import numpy as np
import pandas as pd

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures"


def median_ms(calls: List[Callable[[], object]], repeats: int) -> List[float]:
    """Median milliseconds per call; the calls take turns, so load changes hit all alike."""
    for _ in range(min(50, repeats)):  # warm-up: caches, lazy imports
        for call in calls:
            call()
    timings: List[List[float]] = [[] for _ in calls]
    for _ in range(repeats):
        for call, times in zip(calls, timings):
            start = time.perf_counter()
            call()
            times.append(time.perf_counter() - start)
    return [statistics.median(times) * 1000 for times in timings]


def transform(instances: pd.DataFrame, scaler):
    """Lean inference node: the scaler, nothing else."""
    return scaler.transform(instances)


def classify(scaled, classifier):
    """Lean inference node: the classifier's labels, nothing else."""
    return classifier.predict(scaled)


class Bare(mlflow.pyfunc.PythonModel):
    """The fitted objects called directly, as a PythonModel: nothing of kedro."""

    def __init__(self, scaler, classifier):
        self.scaler, self.classifier = scaler, classifier

    def predict(self, context, model_input, params=None):
        return self.classifier.predict(self.scaler.transform(model_input))


def lean_by_hand(frame, scaler, classifier):
    """The lean pipeline's node functions, called in order without any framework."""
    return classify(transform(frame, scaler), classifier)


def lean_pipeline_ml(project_pipelines):
    """The test project's training, bound to an inference pipeline doing what `direct` does."""
    from kedro.pipeline import Pipeline, node

    from kedro_mlflow.pipeline import pipeline_ml_factory

    inference = Pipeline(
        [
            node(transform, ["instances", "scaler"], "scaled_instances", name="transform"),
            node(classify, ["scaled_instances", "classifier"], "labels_out", name="classify"),
        ]
    )
    training = project_pipelines["training"].training
    return pipeline_ml_factory(training, inference, input_name="instances")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=500)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    # The classifier was fitted on a DataFrame: on the lean path's arrays, sklearn warns
    # at every call (its own input check resets the warnings registry each time), and
    # printing that would weigh on direct and the lean pipeline alike. Not shown.
    warnings.filterwarnings("ignore", message="X does not have valid feature names")

    sys.path.insert(0, str(FIXTURES))
    import iris_demo.nodes
    import iris_demo.pipeline
    from kedro.extras.datasets.pickle import PickleDataSet
    from kedro.io import DataCatalog, MemoryDataSet
    from kedro.runner import SequentialRunner
    from mlflow.models.signature import infer_signature
    from sklearn.pipeline import make_pipeline

    from kedro_mlflow.mlflow import log_pipeline_ml

    instances, labels = iris_demo.nodes.iris_frames()
    project = iris_demo.pipeline.create_pipelines()
    scenarios = {
        "lean": lean_pipeline_ml(project),  # same work as `direct`
        "project": project["training"],  # the test project's DataFrame-in/out nodes
    }
    by_hand = {
        "lean": lean_by_hand,
        "project": lambda frame, scaler, classifier: iris_demo.nodes.predict(
            iris_demo.nodes.scale(frame, scaler), classifier
        ),
    }
    models = {}
    with tempfile.TemporaryDirectory() as tmp:
        catalog = DataCatalog(
            {
                "instances": MemoryDataSet(instances),
                "labels": MemoryDataSet(labels),
                "scaler": PickleDataSet(filepath=f"{tmp}/data/scaler.pkl"),
                "classifier": PickleDataSet(filepath=f"{tmp}/data/classifier.pkl"),
            }
        )
        SequentialRunner().run(project["training"], catalog)
        mlflow.set_tracking_uri(Path(tmp, "mlruns").as_uri())
        for name, pipeline_ml in scenarios.items():
            with mlflow.start_run():
                uri = log_pipeline_ml(pipeline_ml, catalog, input_data=instances)
            models[name] = mlflow.pyfunc.load_model(uri)
        scaler, classifier = catalog.load("scaler"), catalog.load("classifier")
        with mlflow.start_run():
            mlflow.sklearn.log_model(
                make_pipeline(scaler, classifier),
                "sklearn",
                signature=infer_signature(instances),
            )
            mlflow.pyfunc.log_model(
                "bare",
                python_model=Bare(scaler, classifier),
                signature=infer_signature(instances),
            )
            run_id = mlflow.active_run().info.run_id
        sklearn_model = mlflow.pyfunc.load_model(f"runs:/{run_id}/sklearn")
        bare_model = mlflow.pyfunc.load_model(f"runs:/{run_id}/bare")

    print(f"mlflow {mlflow.__version__}, median of {args.repeats} calls, milliseconds")
    print("direct = classifier.predict(scaler.transform(df)); nodes = the pipeline's node")
    print("functions called by hand; python_model = the loaded KedroPipelineModel.predict;")
    print("pyfunc = mlflow's predict (schema check, then python_model); mlflow = pyfunc")
    print("minus python_model; bare = a PythonModel calling the objects directly; sklearn =")
    print("the objects served by mlflow.sklearn; bare and sklearn have the same signature;")
    print("(x) = ratio to direct")
    print(
        f"{'pipeline':>8} {'rows':>5} {'direct':>7} {'nodes':>15} {'python_model':>15}"
        f" {'pyfunc':>15} {'mlflow':>7} {'bare':>15} {'sklearn':>15}"
    )
    figures = {}
    for name, model in models.items():
        python_model = model._model_impl.python_model  # the loaded KedroPipelineModel
        for rows in (1, 1000):
            frame = pd.concat([instances] * 7, ignore_index=True).head(rows)

            def direct(frame=frame):
                return classifier.predict(scaler.transform(frame))

            def nodes(frame=frame, by_hand=by_hand[name]):
                return by_hand(frame, scaler, classifier)

            def ours(frame=frame, python_model=python_model):
                return python_model.predict(None, frame)

            def pyfunc(frame=frame, model=model):
                return model.predict(frame)

            def bare(frame=frame):
                return bare_model.predict(frame)

            def sklearn(frame=frame):
                return sklearn_model.predict(frame)

            expected = direct()
            same = all(
                (np.asarray(call()).ravel() == expected).all()
                for call in (nodes, ours, pyfunc, bare, sklearn)
            )
            ms = median_ms([direct, nodes, ours, pyfunc, bare, sklearn], args.repeats)
            ratios = [value / ms[0] for value in ms]
            print(
                f"{name:>8} {rows:>5} {ms[0]:>7.3f}"
                + "".join(f" {ms[i]:>7.3f} ({ratios[i]:.2f}x)" for i in (1, 2, 3))
                + f" {ms[3] - ms[2]:>7.3f}"
                + "".join(f" {ms[i]:>7.3f} ({ratios[i]:.2f}x)" for i in (4, 5))
                + f"  identical predictions: {'yes' if same else 'NO'}"
            )
            columns = (
                ("nodes", 1),
                ("python_model", 2),
                ("pyfunc", 3),
                ("bare", 4),
                ("sklearn", 5),
            )
            for column, i in columns:
                figures[f"{name}, {rows} rows: {column}"] = {
                    "median": ms[i],
                    "unit": "ms",
                    "ratio": ratios[i],
                    "vs": f"direct {ms[0]:.3f} ms",
                    "note": "identical predictions" if same else "predictions DIFFER",
                }
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
