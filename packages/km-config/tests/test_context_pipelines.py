"""`context_pipelines`: a project's registered pipelines, on every kedro version."""

import json
import subprocess
import sys
from pathlib import Path

PIPELINES = """
from kedro.pipeline import Pipeline, node


def pipelines():
    one = Pipeline([node(len, "a", "b")])
    return {"__default__": one, "one": one, "two": one + Pipeline([node(len, "b", "c")])}
"""

LIST_PIPELINES = """
import json, sys, warnings
warnings.simplefilter("error", DeprecationWarning)
from kedro_mlflow.compat.kedro_compat import context_pipelines, load_project_context
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    context = load_project_context(sys.argv[1])
pipelines = context_pipelines(context)
print(json.dumps({name: len(pipeline.nodes) for name, pipeline in pipelines.items()}))
"""


def test_context_pipelines_are_the_registered_ones(kedro_project: Path, pipelines_installer):
    pipelines_installer(kedro_project, PIPELINES)
    result = subprocess.run(
        [sys.executable, "-c", LIST_PIPELINES, str(kedro_project)],
        cwd=kedro_project,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "__default__": 1,
        "one": 1,
        "two": 2,
    }
