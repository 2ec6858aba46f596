"""Benchmark: a node's 2,000-step metric history sent to a local `mlflow server`.

    python packages/km-datasets/benchmarks/metric_history.py [--steps N] [--repeat N] [--json PATH]

Run it with the interpreter of an environment that has km-datasets installed (a nox
session's, or a venv of your own). It starts `mlflow server` (SQLite store, 127.0.0.1)
in a temporary folder, puts a counting proxy in front of it, and runs the same kedro
node with SequentialRunner, inside an active run as the hooks would, saving its history:

- to a MemoryDataSet and to a PickleDataSet (no tracking: the baselines);
- through MlflowMetricsDataSet and through MlflowMetricHistoryDataSet, as in a kedro run
  tracked by the hooks (the batches leave in the background; the hooks flush them
  before the run ends) and as in interactive use (the save sends before it returns);
- for scale, one ``mlflow.log_metric`` call per step (one request per value, as logging
  without batches does), timed on ``--per-value-steps`` steps and scaled to ``--steps``.

It prints the HTTP requests each save made (counted by the proxy, not estimated), the
node's run time and the time until the values are in the store (the flush included),
medians of ``--repeat`` runs, against the baselines. It never fails
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
from km_testkit.mlflow_servers import MlflowServer, RequestCounter

from kedro_mlflow.io.common import defer_logging, flush_deferred
from kedro_mlflow.io.metrics import MlflowMetricHistoryDataSet, MlflowMetricsDataSet


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


def run_node(
    output: Any, shape: Callable[[List[float]], Any], arguments: Tuple[int, ...], deferred: bool
) -> Tuple[float, float, int]:
    """Run the node once through kedro, in a fresh MLflow run.

    (node run seconds, seconds until everything is stored, requests). ``deferred``:
    as the hooks do in a tracked run, batches are sent in the background and flushed
    after the pipeline.
    """
    catalog = DataCatalog({"curve": output})
    pipeline = Pipeline([node(lambda: shape(training_curve(*arguments)), None, "curve")])
    with mlflow.start_run():
        COUNTER.reset()
        if deferred:
            defer_logging()
        start = time.perf_counter()
        SequentialRunner().run(pipeline, catalog)
        elapsed = time.perf_counter() - start
        flush_deferred()
        stored = time.perf_counter() - start
        requests = COUNTER.count()
    return elapsed, stored, requests


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
        metrics = lambda: MlflowMetricsDataSet(prefix="train")  # noqa: E731
        history = lambda: MlflowMetricHistoryDataSet(key="loss")  # noqa: E731
        variants = [
            ("no tracking: MemoryDataSet", lambda: MemoryDataSet(), as_metrics, False),
            (
                "no tracking: PickleDataSet",
                lambda: PickleDataSet(str(folder / "curve.pkl")),
                as_metrics,
                False,
            ),
            ("MlflowMetricsDataSet, kedro run", metrics, as_metrics, True),
            ("MlflowMetricHistoryDataSet, kedro run", history, list, True),
            ("MlflowMetricsDataSet, interactive", metrics, as_metrics, False),
            ("MlflowMetricHistoryDataSet, interactive", history, list, False),
        ]
        results = {}
        for name, make, shape, deferred in variants:
            runs = [run_node(make(), shape, arguments, deferred) for _ in range(options.repeat)]
            results[name] = (
                statistics.median(run[0] for run in runs),
                statistics.median(run[1] for run in runs),
                max(run[2] for run in runs),
            )
        seconds, requests = per_value(options.per_value_steps, arguments)
        compute = statistics.median(
            _timed(lambda: training_curve(*arguments)) for _ in range(options.repeat)
        )
        scale = options.steps / options.per_value_steps
        node_part = compute * (1 - 1 / scale)  # the scaled run computes the curve once
        scaled = seconds * scale - node_part
        results["one request per value (scaled)"] = (scaled, scaled, requests * scale)

    memory = results["no tracking: MemoryDataSet"][1]
    pickle = results["no tracking: PickleDataSet"][1]
    print(
        f"\n{options.steps}-step history, mlflow {mlflow.__version__}, kedro {kedro.__version__},"
        f" Python {sys.version.split()[0]}; `mlflow server` over SQLite on 127.0.0.1;"
        f" node: {options.steps} gradient steps on {options.rows}x{options.features}"
        f" ({compute:.3f} s of compute); median of {options.repeat} runs"
    )
    print(
        f"{'variant':<40}{'requests':>9}{'node run (s)':>13}{'vs memory':>10}"
        f"{'stored (s)':>11}{'vs memory':>10}{'vs pickle':>10}"
    )
    for name, (seconds, stored, requests) in results.items():
        print(
            f"{name:<40}{requests:>9.0f}{seconds:>13.3f}{seconds / memory:>9.2f}x"
            f"{stored:>11.3f}{stored / memory:>9.2f}x{stored / pickle:>9.2f}x"
        )
    print(
        "node run: the node's run, the save included; stored: until every value is in"
        " the store (the hooks' flush included)"
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
                "note": f"stored after {stored:.3f} s ({stored / memory:.2f}x)",
            }
            for name, (seconds, stored, requests) in results.items()
        }
        options.json.write_text(json.dumps(figures, indent=2))


def _timed(function: Callable[[], Any]) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


COUNTER: RequestCounter

if __name__ == "__main__":
    main()
