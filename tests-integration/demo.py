"""The kedro-mlflow demo: an iris project trained, tracked and served, start to finish.

    nox -s demo                                    # tracks to the project's mlruns/
    nox -s demo -- --tracking-uri http://127.0.0.1:5000
    python tests-integration/demo.py --workdir DIR # with the plugin and testkit/ installed

It drives the commands a user types, with this environment's `kedro`:
`kedro mlflow new` (kedro's own template plus our iris example, mlflow.yml included),
`kedro run --pipeline=training`, then reads the run back from the tracking store,
loads the logged model, and serves it with `mlflow models serve` to compare its
answers with the model's. It prints what was logged and how to look at it. The
project stays in ``--workdir`` (default: .demo/ in the repository) for `kedro mlflow ui`.
"""

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List

from km_testkit.executables import KEDRO
from km_testkit.model_server import ModelServer, serving_env
from km_testkit.projects import new_config

HERE = Path(__file__).resolve().parent
PACKAGE = "iris_demo"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, default=HERE.parent / ".demo")
    parser.add_argument(
        "--tracking-uri",
        default=os.environ.get("MLFLOW_TRACKING_URI"),
        help="an MLflow server or store (default: $MLFLOW_TRACKING_URI, else the project's mlruns)",
    )
    parser.add_argument("--rows", type=int, default=5, help="rows to predict on")
    args = parser.parse_args()
    started = time.perf_counter()

    workdir = args.workdir.resolve()
    project = workdir / "iris-demo"
    if project.exists():
        shutil.rmtree(project)
    workdir.mkdir(parents=True, exist_ok=True)
    os.environ.pop("MLFLOW_TRACKING_URI", None)
    if args.tracking_uri:
        os.environ["MLFLOW_TRACKING_URI"] = args.tracking_uri  # mlflow.yml's null means this
    env = dict(os.environ, HOME=str(workdir))  # cookiecutter writes replay files there

    step("1. kedro mlflow new: kedro's project template plus the iris example")
    config = new_config(workdir, "iris-demo", PACKAGE)
    run([KEDRO, "mlflow", "new", "--config", str(config)], workdir, env)
    print((project / "conf/local/mlflow.yml").read_text().split("\n\n")[1])

    step("2. kedro run --pipeline=training")
    output = run([KEDRO, "run", "--pipeline=training"], project, env, show=False)
    model_uri = ""
    for line in output.splitlines():
        if "kedro_mlflow" in line or "Pipeline execution completed" in line:
            print(line.split(" - ")[-1])
        if "logged as the MLflow model" in line:
            model_uri = line.split()[-1]
    if not model_uri.startswith("runs:/"):
        print(output)
        raise SystemExit("the training run did not log a model")

    step("3. what MLflow recorded")
    import mlflow
    import mlflow.pyfunc
    from mlflow.tracking import MlflowClient

    from kedro_mlflow.compat.kedro_compat import load_project_context
    from kedro_mlflow.framework.context import get_mlflow_config

    # the URI the project resolves (mlflow.yml, else $MLFLOW_TRACKING_URI, else mlruns/)
    tracking_uri = get_mlflow_config(load_project_context(project)).mlflow_tracking_uri
    client = MlflowClient(tracking_uri)
    run_id = model_uri.split("/")[1]
    record = client.get_run(run_id)
    experiment = client.get_experiment(record.info.experiment_id)
    print(f"tracking URI: {tracking_uri}")
    print(f"experiment:   {experiment.name} ({experiment.experiment_id})")
    print(f"run:          {run_id}  status={record.info.status}")
    print(f"params:       {dict(sorted(record.data.params.items()))}")
    for key in sorted(record.data.metrics):
        history = client.get_metric_history(run_id, key)
        print(f"metric:       {key} = {record.data.metrics[key]:.4f} ({len(history)} steps)")
    print(f"artifacts:    {artifact_paths(client, run_id)}")
    tags = record.data.tags
    print(f"tags:         kedro_command={tags.get('kedro_command')!r} ...")

    step("4. load the logged model and predict")
    import pandas as pd

    sample = pd.read_csv(project / "data/01_raw/iris_instances.csv").sample(
        args.rows, random_state=7
    )
    sys.path.insert(0, str(project / "src"))  # the project's package, as if installed
    mlflow.set_tracking_uri(tracking_uri)
    model = mlflow.pyfunc.load_model(model_uri)
    loaded = model.predict(sample)
    print(f"model:        {model_uri}")
    print(pd.concat([sample, loaded], axis=1).to_string())

    step("5. mlflow models serve, and an HTTP request")
    with ModelServer(
        model_uri, serving_env(tracking_uri, project / "src"), workdir / "serve.log"
    ) as server:
        served = server.predict(sample)
        print(f"POST {server.url}/invocations -> {served}")
    if [row["species"] for row in served] != loaded["species"].tolist():
        print("the served model answered differently from the loaded one", file=sys.stderr)
        return 1
    print("served predictions == loaded model's predictions")

    step("done")
    print(f"demo took {time.perf_counter() - started:.0f} s. To look at the run:")
    print(f"    cd {project} && {KEDRO} mlflow ui")
    return 0


def step(title: str) -> None:
    print(f"\n==== {title}", flush=True)


def run(command: List[str], cwd: Path, env: Dict[str, str], show: bool = True) -> str:
    """Run a user's command; its output is shown (or returned), a failure ends the demo."""
    print("$ " + " ".join(Path(command[0]).name if i == 0 else c for i, c in enumerate(command)))
    done = subprocess.run(
        command, cwd=str(cwd), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    if done.returncode != 0:
        print(done.stdout)
        raise SystemExit(f"`{' '.join(command)}` failed with exit status {done.returncode}")
    if show:
        print(done.stdout.strip())
    return done.stdout


def artifact_paths(client, run_id: str, path: str = "") -> List[str]:
    """The run's artifacts, folders one level deep (model/ lists its files)."""
    paths = []
    for entry in client.list_artifacts(run_id, path or None):
        if entry.is_dir and not path:
            paths += artifact_paths(client, run_id, entry.path)
        else:
            paths.append(entry.path + ("/" if entry.is_dir else ""))
    return paths


if __name__ == "__main__":
    sys.exit(main())
