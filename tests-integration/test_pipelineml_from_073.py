"""A model that the reference kedro-mlflow 0.7.3 logged loads and predicts with ours.

A venv with kedro-mlflow 0.7.3 from the package index (the cell's kedro, mlflow
1.30.1) trains a kedro project with `kedro run`: its hook logs the inference pipeline
(a lookup read by both pipelines, a `params:` input, a scaler and a classifier) to the
project's file store, and predicts with the model there. This environment (ours) then
loads the same model through `mlflow.pyfunc.load_model` and through
`MlflowModelLoggerDataSet(flavor="mlflow.pyfunc", run_id=...)`, each in a process of
its own as a user would, and must answer the same predictions.

0.7.3 needs kedro >= 0.17.1, and its pickles need the same kedro to load: on older
kedro cells the test is skipped. Needs uv and the package index.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import pytest
from iris_model import FIXTURES
from km_testkit.projects import new_project

if sys.version_info >= (3, 8):
    from importlib import metadata
else:  # Python 3.7: the backport, which mlflow already depends on
    import importlib_metadata as metadata

KEDRO_VERSION = metadata.version("kedro")
RELEASE = tuple(int(part) for part in KEDRO_VERSION.split(".")[:3])

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        RELEASE < (0, 17, 1),
        reason=f"kedro-mlflow 0.7.3 requires kedro>=0.17.1,<0.18 and its pickled models "
        f"load only with the kedro that made them; this cell has kedro {KEDRO_VERSION}",
    ),
]

# The reference as its users have it, beside this cell's kedro; the fitted objects are
# pickled there and unpickled here, so scikit-learn and numpy are this cell's own.
REFERENCE = [
    "kedro-mlflow==0.7.3",
    f"kedro=={KEDRO_VERSION}",
    "mlflow==1.30.1",
    "setuptools<60",
    "werkzeug<2.1",
    f"scikit-learn=={metadata.version('scikit-learn')}",
    f"numpy=={metadata.version('numpy')}",
]

PIPELINES = """
import pandas as pd
from iris_demo.nodes import fit_classifier, fit_scaler, scale
from kedro.pipeline import Pipeline, node
from kedro_mlflow.pipeline import pipeline_ml_factory


def fit(scaled, labels, names):
    assert sorted(names) == [0, 1, 2]
    return fit_classifier(scaled, labels)


def label(scaled, classifier, names, threshold):
    sure = classifier.predict_proba(scaled).max(axis=1) > threshold
    species = [names[int(k)] for k in classifier.predict(scaled)]
    return pd.DataFrame({"species": species, "sure": sure}, index=scaled.index)


def pipelines():
    training = Pipeline([
        node(fit_scaler, "instances", "scaler", name="fit_scaler"),
        node(scale, ["instances", "scaler"], "scaled", name="scale"),
        node(fit, ["scaled", "labels", "names"], "classifier", name="fit"),
    ])
    inference = Pipeline([
        node(scale, ["instances", "scaler"], "scaled_instances", name="scale_instances"),
        node(label, ["scaled_instances", "classifier", "names", "params:threshold"],
             "predictions", name="predict"),
    ])
    training_ml = pipeline_ml_factory(
        training=training, inference=inference, input_name="instances",
        conda_env={"name": "iris", "channels": ["conda-forge"],
                   "dependencies": ["python=3.8", "pip", {"pip": ["kedro-mlflow==0.7.3"]}]},
    )
    return {"training": training_ml, "__default__": training_ml}
"""

CATALOG = """
instances:
  type: pandas.CSVDataSet
  filepath: data/01_raw/instances.csv
labels:
  type: pandas.CSVDataSet
  filepath: data/01_raw/labels.csv
names:
  type: yaml.YAMLDataSet
  filepath: data/01_raw/names.yml
scaler:
  type: pickle.PickleDataSet
  filepath: data/06_models/scaler.pkl
classifier:
  type: pickle.PickleDataSet
  filepath: data/06_models/classifier.pkl
"""

# Run in either environment: the one run's model, its predictions on the training rows.
PREDICT = """
import json, sys
import mlflow, pandas as pd
from mlflow.tracking import MlflowClient

mlflow.set_tracking_uri(sys.argv[1])
client = MlflowClient()
experiments = getattr(client, "search_experiments", None) or client.list_experiments
(run,) = client.search_runs([e.experiment_id for e in experiments()])
instances = pd.read_csv(sys.argv[2])
if sys.argv[3] == "pyfunc":
    model = mlflow.pyfunc.load_model(f"runs:/{run.info.run_id}/model")
else:
    from kedro_mlflow.io.models import MlflowModelLoggerDataSet

    model = MlflowModelLoggerDataSet(
        flavor="mlflow.pyfunc", pyfunc_workflow="python_model",
        artifact_path="model", run_id=run.info.run_id,
    ).load()
predictions = model.predict(instances)
python_model = model._model_impl.python_model  # the unpickled KedroPipelineModel
print("KM_ANSWER " + json.dumps({
    "run_id": run.info.run_id,
    "class_file": sys.modules[type(python_model).__module__].__file__,
    "predictions": predictions.to_dict(orient="list"),
}))
"""


def run(command: List[str], cwd: Path, env: Dict[str, str]) -> str:
    done = subprocess.run(
        command,
        cwd=str(cwd),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout}"
    return done.stdout


def answer(output: str) -> Dict:
    return json.loads(output.split("KM_ANSWER ", 1)[1].splitlines()[0])


@pytest.fixture(scope="module")
def logged_by_073(tmp_path_factory) -> Dict:
    """A project trained by `kedro run` with 0.7.3: its folder, and 0.7.3's predictions."""
    uv = shutil.which("uv")
    if uv is None:
        pytest.fail("this test needs uv on PATH (nox's uv backend brings it)")
    folder = tmp_path_factory.mktemp("reference-073")
    keep = {k: v for k, v in os.environ.items() if not k.startswith("COV_CORE_")}
    for name in ("VIRTUAL_ENV", "PYTHONPATH", "MLFLOW_TRACKING_URI", "KEDRO_ENV"):
        keep.pop(name, None)
    venv = folder / "venv"
    python = Path(sys.base_prefix) / "bin" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    run([uv, "venv", "--no-python-downloads", "--python", str(python), str(venv)], folder, keep)
    run([uv, "pip", "install", "--python", str(venv / "bin" / "python"), *REFERENCE], folder, keep)
    env = {
        **keep,
        "HOME": str(folder),
        "PATH": f"{venv / 'bin'}{os.pathsep}{keep['PATH']}",
        "PYTHONPATH": str(FIXTURES),
    }
    # The project is made by this cell's kedro (the reference's own kedro version).
    project = new_project(folder, "km-demo", "km_demo", mlflow=False)
    sys.path.insert(0, str(FIXTURES))
    try:
        from iris_demo.nodes import iris_frames
    finally:
        sys.path.remove(str(FIXTURES))
    instances, labels = iris_frames()
    raw = project / "data" / "01_raw"
    instances.to_csv(raw / "instances.csv", index=False)
    labels.to_frame().to_csv(raw / "labels.csv", index=False)
    (raw / "names.yml").write_text("0: setosa\n1: versicolor\n2: virginica\n")
    with (project / "conf" / "base" / "catalog.yml").open("a") as catalog:
        catalog.write(CATALOG)
    (project / "conf" / "base" / "parameters.yml").write_text("threshold: 0.9\n")
    from kedro_mlflow.compat.kedro_compat import find_project, register_project_pipelines

    (project / "src" / "km_demo" / "km_pipelines.py").write_text(PIPELINES)
    register_project_pipelines(find_project(project), "km_demo.km_pipelines", "pipelines")
    kedro = str(venv / "bin" / "kedro")
    run([kedro, "mlflow", "init"], project, env)
    trained = run([kedro, "run", "--pipeline=training"], project, env)
    # 0.7.3's hooks did the logging (kedro names the distribution with - or _ by Python)
    assert re.search(r"kedro[-_]mlflow-0\.7\.3", trained), trained
    tracking = (project / "mlruns").as_uri()
    csv = str(raw / "instances.csv")
    env["PYTHONPATH"] = os.pathsep.join([str(FIXTURES), str(project / "src")])
    reference = answer(
        run([str(venv / "bin" / "python"), "-c", PREDICT, tracking, csv, "pyfunc"], project, env)
    )
    assert reference["class_file"].startswith(str(venv))
    return {"project": project, "tracking": tracking, "csv": csv, "reference": reference}


@pytest.mark.parametrize("loader", ["pyfunc", "MlflowModelLoggerDataSet"])
def test_a_model_logged_by_073_predicts_the_same_with_ours(logged_by_073: Dict, loader: str):
    project = logged_by_073["project"]
    reference = logged_by_073["reference"]
    species = reference["predictions"]["species"]
    assert len(species) == 150 and set(species) == {"setosa", "versicolor", "virginica"}
    assert 0 < sum(reference["predictions"]["sure"]) < 150  # the parameter decided something
    env = {k: v for k, v in os.environ.items() if k not in ("MLFLOW_TRACKING_URI",)}
    env["PYTHONPATH"] = os.pathsep.join([str(FIXTURES), str(project / "src")])
    output = run(
        [sys.executable, "-c", PREDICT, logged_by_073["tracking"], logged_by_073["csv"], loader],
        project,
        env,
    )
    ours = answer(output)
    assert ours["run_id"] == reference["run_id"]
    assert ours["predictions"] == reference["predictions"]
    # Unpickled as our class: km-pipelineml's module of this environment.
    import kedro_mlflow.mlflow.kedro_pipeline_model as ours_module

    assert ours["class_file"] == ours_module.__file__
