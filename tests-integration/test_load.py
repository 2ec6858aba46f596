"""Eight `kedro run`s at once against one `mlflow server` over PostgreSQL.

One iris project made by `kedro mlflow new` is copied eight times (runs of one project
would write the same data files), and each copy trains with its own seed, all started
together and tracking to the same server through $MLFLOW_TRACKING_URI (mlflow.yml's
null). The experiment does not exist before: the runs race to create it. Afterwards
the store must hold exactly eight finished runs, each complete and each with only its
own values: its seed as the parameter the command line gave, 21 loss steps, its
confusion matrix and its model.
"""

import ast
import shutil
import subprocess
import time
import uuid
from pathlib import Path
from typing import Dict, List, Tuple

import pandas as pd
import pytest
from km_testkit.executables import KEDRO
from km_testkit.mlflow_state import environ_without_tracking, tracking_at
from km_testkit.projects import new_project
from mlflow.tracking import MlflowClient

pytestmark = pytest.mark.slow

RUNS = 8
SEEDS = [101 + index for index in range(RUNS)]
DEADLINE = 300  # seconds for all the runs together (20-55 s seen on 2 cores); then killed
LOSS_STEPS = 21
EPOCHS = 200  # the project's parameters.yml
TEST_ROWS = 30  # test_fraction 0.2 of the 150 iris rows


def clean_env(workdir: Path) -> Dict[str, str]:
    env = environ_without_tracking()
    env["HOME"] = str(workdir)  # cookiecutter writes replay files there
    return env


def make_project(workdir: Path, package: str) -> Path:
    """An iris project from `kedro mlflow new --config`, as a user makes it."""
    return new_project(workdir, "iris-load", package, env=clean_env(workdir))


def run_all_at_once(projects: List[Path], env: Dict[str, str]) -> List[Tuple[int, str]]:
    """`kedro run --pipeline=training --params seed:N` in each project, all started together.

    Returns each run's (exit status, output), in the projects' order.
    """
    started = []
    for project, seed in zip(projects, SEEDS):
        log = open(project / "kedro-run.log", "w")  # noqa: SIM115 - closed below
        process = subprocess.Popen(
            [KEDRO, "run", "--pipeline=training", "--params", f"seed:{seed}"],
            cwd=str(project),
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        started.append((process, log))
    deadline = time.monotonic() + DEADLINE
    results = []
    for process, log in started:
        try:
            process.wait(timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        results.append((process.returncode, Path(log.name).read_text(errors="replace")))
    return results


def logged_run_id(output: str) -> str:
    """The run id of the model the hook reports as logged (`runs:/<id>/model`)."""
    uris = [
        line.split()[-1] for line in output.splitlines() if "logged as the MLflow model" in line
    ]
    assert len(uris) == 1 and uris[0].startswith("runs:/"), output[-3000:]
    return uris[0].split("/")[1]


def test_eight_concurrent_runs_against_one_postgresql_server(
    tmp_path: Path, postgres_mlflow_server
):
    server = postgres_mlflow_server
    package = f"iris_load_{uuid.uuid4().hex[:8]}"  # the experiment's name: new on the server
    template = make_project(tmp_path, package)
    projects = [
        Path(shutil.copytree(str(template), str(tmp_path / f"run-{i}"))) for i in range(RUNS)
    ]
    env = dict(clean_env(tmp_path), MLFLOW_TRACKING_URI=server.url)

    started = time.perf_counter()
    results = run_all_at_once(projects, env)
    took = time.perf_counter() - started
    failed = [(seed, code, out[-3000:]) for seed, (code, out) in zip(SEEDS, results) if code]
    assert not failed, (
        f"{len(failed)} of {RUNS} runs failed in {took:.0f} s (seed, exit status; -9: killed at"
        f" the deadline): {[f[:2] for f in failed]}; the first one's output:\n{failed[0][2]}"
    )
    # which run each process says it logged its model to
    run_of_seed = {seed: logged_run_id(output) for seed, (_, output) in zip(SEEDS, results)}
    assert len(set(run_of_seed.values())) == RUNS, run_of_seed

    client = MlflowClient(server.url)
    experiment = client.get_experiment_by_name(package)
    assert experiment is not None
    runs = client.search_runs([experiment.experiment_id], max_results=100)
    assert len(runs) == RUNS, [(r.info.run_id, r.info.status) for r in runs]
    assert {r.info.run_id for r in runs} == set(run_of_seed.values())

    # mlflow-artifacts: URIs resolve through the global tracking URI, not the client's
    with tracking_at(server.url, unset_after=True):
        for seed, run_id in sorted(run_of_seed.items()):
            folder = tmp_path / "artifacts" / run_id
            folder.mkdir(parents=True)
            check_run(client, run_id, seed, folder)


def check_run(client: MlflowClient, run_id: str, seed: int, download_to: Path) -> None:
    """The run is finished and complete, and holds this seed's values only."""
    run = client.get_run(run_id)
    where = f"run {run_id} (seed {seed})"
    assert run.info.status == "FINISHED", where
    assert run.data.params == {
        "test_fraction": "0.2",
        "seed": str(seed),
        "learning_rate": "0.5",
        "epochs": str(EPOCHS),
    }, where
    tags = run.data.tags
    assert tags["pipeline_name"] == "training", where
    assert f"seed:{seed}" in tags["kedro_command"].split(), (where, tags["kedro_command"])
    assert ast.literal_eval(tags["extra_params"]) == {"seed": seed}, (where, tags)

    assert set(run.data.metrics) == {"training_metrics.loss", "evaluation_metrics.accuracy"}, where
    assert 0.0 <= run.data.metrics["evaluation_metrics.accuracy"] <= 1.0, where
    steps = sorted(m.step for m in client.get_metric_history(run_id, "training_metrics.loss"))
    # 21 distinct steps, every 10th epoch and the last: no step logged twice, none lost
    assert len(set(steps)) == len(steps) == LOSS_STEPS, (where, steps)
    assert (steps[0], steps[-1]) == (0, EPOCHS - 1), (where, steps)
    assert len(client.get_metric_history(run_id, "evaluation_metrics.accuracy")) == 1, where

    top = {entry.path for entry in client.list_artifacts(run_id)}
    assert {"confusion_matrix.csv", "model"} <= top, (where, top)
    model_files = {entry.path for entry in client.list_artifacts(run_id, "model")}
    assert "model/MLmodel" in model_files, (where, model_files)

    # the confusion matrix is whole and is this run's: it gives the run's accuracy
    local = Path(client.download_artifacts(run_id, "confusion_matrix.csv", str(download_to)))
    confusion = pd.read_csv(local).set_index("true")
    assert int(confusion.to_numpy().sum()) == TEST_ROWS, (where, confusion)
    right = sum(int(confusion.at[s, s]) for s in confusion.index if s in confusion.columns)
    accuracy = run.data.metrics["evaluation_metrics.accuracy"]
    assert right / TEST_ROWS == pytest.approx(accuracy), (where, confusion, accuracy)
