"""A PipelineML model loads in a fresh environment holding only what it needs.

Proves: a model logged by km-pipelineml (a PipelineML training run, then
``log_pipeline_ml``) on one kedro version loads, and predicts what the project
predicts, on the same kedro version in a new virtual environment that has only
km-pipelineml (with km-compat, its dependency), kedro, mlflow and the project's
package installed: none of km-datasets, km-hooks, km-cli or the meta-package.

The test trains the iris_demo test project in the running matrix cell, logs the
model to a file store, deletes the training outputs, then makes a venv with uv
(the cell's Python, kedro, mlflow and every third-party version pinned to the
cell's) and loads the model there with ``mlflow.pyfunc.load_model`` in a clean
subprocess. Runs in every cell. Needs uv (nox's uv backend brings it).
"""

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Tuple

import pandas as pd
import pytest
from distributions import ALL as OURS
from iris_model import FIXTURES, train_and_log
from km_testkit.mlflow_state import clear_tracking_variables, forget_experiment

if sys.version_info >= (3, 8):
    from importlib import metadata
else:  # Python 3.7: the backport, which mlflow already depends on
    import importlib_metadata as metadata

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
# km-pipelineml and what it depends on among ours (its pyproject: km-compat only).
INSTALLED = ["km-compat", "km-pipelineml"]

# The fixture folder is a bare package: this makes it installable, as a project's
# package would be. hatchling is what our own packages build with (in uv's cache).
PROJECT_PYPROJECT = """\
[build-system]
requires = ["hatchling>=1.17"]
build-backend = "hatchling.build"

[project]
name = "iris-demo"
version = "0.1"
requires-python = ">=3.7"
# What its modules import; the versions come from the constraints (the cell's).
dependencies = ["km-pipelineml", "kedro", "pandas", "scikit-learn"]

[tool.hatch.build.targets.wheel]
packages = ["iris_demo"]
"""

# Runs in the fresh venv: what is installed, then the model's predictions, as JSON.
LOAD_AND_PREDICT = """
import importlib, json, sys
if sys.version_info >= (3, 8):
    from importlib import metadata
else:
    import importlib_metadata as metadata
import mlflow.pyfunc, pandas as pd

def importable(name):
    try:
        importlib.import_module(name)
        return True
    except ImportError:
        return False

rows = pd.DataFrame(**json.loads(open(sys.argv[2]).read()))
model = mlflow.pyfunc.load_model(sys.argv[1])
import iris_demo.nodes, kedro_mlflow.pipeline
print(json.dumps({
    "distributions": sorted(
        {d.metadata["Name"].lower().replace("_", "-") for d in metadata.distributions()}
    ),
    "versions": {n: metadata.version(n) for n in ("kedro", "mlflow")},
    "importable": {
        n: importable(n) for n in ("kedro_mlflow.io", "kedro_mlflow.framework.hooks")
    },
    "files": [iris_demo.nodes.__file__, kedro_mlflow.pipeline.__file__],
    "predictions": json.loads(model.predict(rows).to_json(orient="split")),
}))
"""


def ok(command: List[str], cwd: Path, env: Dict[str, str], timeout: float = 300) -> str:
    done = subprocess.run(
        command,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, (
        f"{' '.join(map(shlex.quote, command))} failed (exit {done.returncode}):\n"
        f"{done.stdout}\n{done.stderr}"
    )
    return done.stdout


def uv_env() -> Dict[str, str]:
    """The test's environment without what points at the running venv."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith("COV_CORE_")}
    for name in ("VIRTUAL_ENV", "PYTHONPATH", "UV_PYTHON"):
        keep.pop(name, None)
    return keep


def cell_constraints() -> List[str]:
    """``name==version`` of every third-party distribution in the running cell.

    As constraints they install nothing, but whatever the fresh venv resolves gets the
    cell's version: the same environment as the cell, and all of it in uv's cache
    (nox installed it), so no newer release is picked up.
    """
    pins: Dict[str, str] = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"].lower().replace("_", "-")
        if name not in OURS:
            pins.setdefault(name, f"{name}=={dist.version}")  # first on sys.path wins
    return sorted(pins.values())


@pytest.fixture
def uv() -> str:
    found = shutil.which("uv")
    if found is None:
        pytest.fail("test_pipelineml_fresh_env needs uv on PATH (nox's uv backend brings it)")
    return found


@pytest.fixture
def base_python() -> str:
    """The interpreter the running environment was made from (no download)."""
    minor = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    python = Path(sys.base_prefix) / "bin" / minor
    assert python.exists(), f"no {minor} under {sys.base_prefix}"
    return str(python)


@pytest.fixture
def fresh_python(tmp_path: Path, uv: str, base_python: str) -> str:
    """A new venv: km-compat and km-pipelineml wheels built now, kedro, mlflow, iris_demo."""
    env = uv_env()
    wheels = tmp_path / "wheels"
    for name in INSTALLED:  # from packages/ now: dist/ and the nox venvs may be stale
        ok(
            [
                *(uv, "build", "--wheel", "--no-python-downloads", "--python", base_python),
                *("--out-dir", str(wheels), str(REPO / "packages" / name)),
            ],
            REPO,
            env,
        )
    project = tmp_path / "iris-demo"
    shutil.copytree(
        FIXTURES / "iris_demo",
        project / "iris_demo",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    (project / "pyproject.toml").write_text(PROJECT_PYPROJECT)
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("\n".join(cell_constraints()) + "\n")
    venv = tmp_path / "venv"
    ok([uv, "venv", "--no-python-downloads", "--python", base_python, str(venv)], tmp_path, env)
    python = str(venv / "bin" / "python")
    ok(
        [uv, "pip", "install", "--python", python, "--constraint", str(constraints)]
        + [str(wheel) for wheel in sorted(wheels.glob("*.whl"))]
        + [
            f"kedro=={metadata.version('kedro')}",
            f"mlflow=={metadata.version('mlflow')}",
            # uv's venvs have none and kedro 0.16 imports pkg_resources (noxfile's
            # cell_pins): the cell's setuptools, as nox installs it.
            "setuptools",
            str(project),
        ],
        tmp_path,
        env,
    )
    return python


@pytest.fixture
def logged_model(tmp_path: Path, monkeypatch) -> Tuple[str, str, pd.DataFrame, dict]:
    """(model URI, tracking URI, rows, expected predictions) after a real training run.

    The training outputs are deleted afterwards: the model has only its own artifacts.
    """
    clear_tracking_variables(monkeypatch)
    # Another test of this worker may have selected an experiment (process-wide).
    forget_experiment(monkeypatch)
    logged = train_and_log(tmp_path, "pipelineml-fresh-env")
    rows = logged.instances.sample(12, random_state=0)
    predictions = logged.project_predictions(rows)
    shutil.rmtree(tmp_path / "training")
    return logged.uri, logged.tracking_uri, rows, json.loads(predictions.to_json(orient="split"))


def test_a_logged_model_loads_where_only_km_pipelineml_is_installed(
    tmp_path: Path, fresh_python: str, logged_model: Tuple[str, str, pd.DataFrame, dict]
) -> None:
    uri, tracking_uri, rows, expected = logged_model
    # Several species among the rows: equal predictions cannot come from a constant.
    assert len({row[0] for row in expected["data"]}) > 1, expected
    elsewhere = tmp_path / "elsewhere"  # holds neither the training outputs nor the repo
    elsewhere.mkdir()
    rows_file = elsewhere / "rows.json"
    # Iris measurements have one decimal: 15 digits write them exactly.
    rows_file.write_text(rows.to_json(orient="split", double_precision=15))
    # A clean environment: nothing of the running venv, the repo or its coverage.
    env = {
        "PATH": f"{Path(fresh_python).parent}{os.pathsep}/usr/bin:/bin",
        "HOME": str(elsewhere),
        "MLFLOW_TRACKING_URI": tracking_uri,
    }
    # -I: no PYTHON* variables, no user site, no current folder on sys.path.
    output = ok([fresh_python, "-I", "-c", LOAD_AND_PREDICT, uri, str(rows_file)], elsewhere, env)
    answer = json.loads(output.strip().splitlines()[-1])

    assert answer["predictions"] == expected
    assert answer["versions"] == {n: metadata.version(n) for n in ("kedro", "mlflow")}
    # The project and the plugin come from the fresh venv, not from this repository.
    venv = str(Path(fresh_python).parents[1])
    assert all(f.startswith(venv) for f in answer["files"]), answer["files"]
    # Only km-pipelineml and km-compat of ours: nothing else of kedro-mlflow imports.
    assert sorted(set(answer["distributions"]) & set(OURS)) == INSTALLED
    assert answer["importable"] == {
        "kedro_mlflow.io": False,
        "kedro_mlflow.framework.hooks": False,
    }
