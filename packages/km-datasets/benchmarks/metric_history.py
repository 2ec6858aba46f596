"""Benchmark: a node's 2,000-step metric history sent to a local `mlflow server`.

    python packages/km-datasets/benchmarks/metric_history.py [--steps N] [--repeat N] [--json PATH]

Run it with the interpreter of an environment that has km-datasets installed (a nox
session's, or a venv of your own). It starts `mlflow server` (SQLite store, 127.0.0.1)
in a temporary folder, puts a counting proxy in front of it, and runs the same kedro
node with SequentialRunner, inside an active run as the hooks would, saving its history:

- to a MemoryDataSet and to a PickleDataSet (no tracking: the baselines);
- through MlflowMetricsDataSet and through MlflowMetricHistoryDataSet;
- for scale, one ``mlflow.log_metric`` call per step (one request per value, as logging
  without batches does), timed on ``--per-value-steps`` steps and scaled to ``--steps``.

It prints the HTTP requests each save made (counted by the proxy, not estimated) and
the node's run time, median of ``--repeat`` runs, against the baselines. It never fails
on a figure: it reports them.
"""

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

import kedro
import mlflow
import numpy as np
from kedro.extras.datasets.pickle import PickleDataSet
from kedro.io import DataCatalog, MemoryDataSet
from kedro.pipeline import Pipeline, node
from kedro.runner import SequentialRunner

from kedro_mlflow.io.metrics import MlflowMetricHistoryDataSet, MlflowMetricsDataSet

# The server and proxy helpers live with the integration tests of the monorepo.
sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "tests-integration"))
from mlflow_server import MlflowServer, RequestCounter


def training_curve(steps: int, rows: int, features: int) -> List[float]:
    """A real node's work: full-batch gradient descent, the loss of every step."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(rows, features))
    y = x @ rng.normal(size=features) + rng.normal(size=rows) * 0.1
    weights = np.zeros(features)
    losses = []
    for _ in range(steps):
        residual = x @ weights - y
        losses.append(float(residual @ residual) / rows)
        weights -= 0.01 * (x.T @ residual) / rows
    return losses


def as_metrics(losses: List[float]) -> Dict[str, Any]:
    return {"loss": [{"value": value, "step": step} for step, value in enumerate(losses)]}


def run_node(output: Any, shape: Callable[[List[float]], Any], arguments: Tuple[int, ...]):
    """Run the node once through kedro, in a fresh MLflow run; (seconds, requests)."""
    catalog = DataCatalog({"curve": output})
    pipeline = Pipeline([node(lambda: shape(training_curve(*arguments)), None, "curve")])
    with mlflow.start_run():
        COUNTER.reset()
        start = time.perf_counter()
        SequentialRunner().run(pipeline, catalog)
        elapsed = time.perf_counter() - start
        requests = COUNTER.count()
    return elapsed, requests


def per_value(steps: int, arguments: Tuple[int, ...]) -> Tuple[float, int]:
    """The node logging each value with its own mlflow.log_metric call (a request each)."""

    def log_each() -> None:
        for step, value in enumerate(training_curve(*arguments)[:steps]):
            mlflow.log_metric("loss", value, step=step)

    with mlflow.start_run():
        COUNTER.reset()
        start = time.perf_counter()
        log_each()
        return time.perf_counter() - start, COUNTER.count()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rows", type=int, default=20000, help="training rows of the node")
    parser.add_argument("--features", type=int, default=10)
    parser.add_argument("--per-value-steps", type=int, default=200)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    options = parser.parse_args()
    arguments = (options.steps, options.rows, options.features)

    global COUNTER
    folder = Path(tempfile.mkdtemp(prefix="km-bench-"))
    with MlflowServer(folder / "server") as server, RequestCounter(server.url) as COUNTER:
        mlflow.set_tracking_uri(COUNTER.url)
        mlflow.set_experiment("km-datasets-benchmark")
        variants = [
            ("no tracking: MemoryDataSet", lambda: MemoryDataSet(), as_metrics),
            (
                "no tracking: PickleDataSet",
                lambda: PickleDataSet(str(folder / "curve.pkl")),
                as_metrics,
            ),
            ("MlflowMetricsDataSet", lambda: MlflowMetricsDataSet(prefix="train"), as_metrics),
            ("MlflowMetricHistoryDataSet", lambda: MlflowMetricHistoryDataSet(key="loss"), list),
        ]
        results = {}
        for name, make, shape in variants:
            runs = [run_node(make(), shape, arguments) for _ in range(options.repeat)]
            results[name] = (statistics.median(t for t, _ in runs), max(r for _, r in runs))
        seconds, requests = per_value(options.per_value_steps, arguments)
        compute = statistics.median(
            _timed(lambda: training_curve(*arguments)) for _ in range(options.repeat)
        )
        scale = options.steps / options.per_value_steps
        node_part = compute * (1 - 1 / scale)  # the scaled run computes the curve once
        results["one request per value (scaled)"] = (seconds * scale - node_part, requests * scale)

    memory = results["no tracking: MemoryDataSet"][0]
    pickle = results["no tracking: PickleDataSet"][0]
    print(
        f"\n{options.steps}-step history, mlflow {mlflow.__version__}, kedro {kedro.__version__},"
        f" Python {sys.version.split()[0]}; `mlflow server` over SQLite on 127.0.0.1;"
        f" node: {options.steps} gradient steps on {options.rows}x{options.features}"
        f" ({compute:.3f} s of compute); median of {options.repeat} runs"
    )
    print(
        f"{'variant':<34}{'requests':>10}{'node run (s)':>14}{'added (s)':>11}"
        f"{'vs memory':>11}{'vs pickle':>11}"
    )
    for name, (seconds, requests) in results.items():
        print(
            f"{name:<34}{requests:>10.0f}{seconds:>14.3f}{seconds - memory:>11.3f}"
            f"{seconds / memory:>10.2f}x{seconds / pickle:>10.2f}x"
        )
    print(
        f"(one request per value: {options.per_value_steps} steps timed, scaled to"
        f" {options.steps}; counted requests scaled the same way)"
    )
    if options.json:
        figures = {
            name: {
                "median": seconds,
                "unit": "s",
                "ratio": seconds / memory,
                "vs": "MemoryDataSet",
                "requests": requests,
                "note": f"{seconds / pickle:.2f}x PickleDataSet",
            }
            for name, (seconds, requests) in results.items()
        }
        options.json.write_text(json.dumps(figures, indent=2))


def _timed(function: Callable[[], Any]) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


COUNTER: RequestCounter

if __name__ == "__main__":
    main()
