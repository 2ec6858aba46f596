"""Benchmark: what the hooks add to a 200-node `kedro run`, per tracking backend.

    python packages/km-hooks/benchmarks/hook_overhead.py [--nodes 200] [--repeat 3] [--json PATH]

Run it with the interpreter of an environment that has the plugin installed (a nox
session's, or a venv of your own). It makes a project with the installed kedro's
`kedro new`, registers a chain of ``--nodes`` nodes, each taking 5 scalar `params:`
inputs and a shared 20-key dict, and times the pipeline run (in a fresh process each
time, without kedro's start-up) with km-hooks disabled (the baseline) and then tracking
to a file store, to `sqlite:///`, and to a local `mlflow server` behind a proxy that
counts the HTTP requests. It prints medians, ratios to the baseline and request counts;
it never fails on a figure.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Dict, List, Optional

import yaml

# The test kit (testkit/): the server helpers, and the projects the tests make.
from km_testkit.mlflow_servers import MlflowServer, RequestCounter
from km_testkit.projects import DEMO_PACKAGE as PACKAGE
from km_testkit.projects import install_pipelines, new_kedro_project

PIPELINE = """
from kedro.pipeline import Pipeline, node


def step(previous, a, b, c, d, e, shared):
    return previous + 1


def pipelines():
    nodes = [
        node(
            step,
            ["start" if i == 0 else f"value_{{i - 1}}"]
            + [f"params:p{{i}}_{{x}}" for x in "abcde"]
            + ["params:shared"],
            f"value_{{i}}",
            name=f"step_{{i}}",
        )
        for i in range({nodes})
    ]
    return {{"__default__": Pipeline(nodes)}}
"""

TIMED_RUN = """
import time
from km_testkit.projects import run_project
start = time.perf_counter()
run_project(".")
print("ELAPSED", time.perf_counter() - start)
"""


def make_project(folder: Path, nodes: int) -> Path:
    project = new_kedro_project(folder)
    install_pipelines(project, PIPELINE.format(nodes=nodes))
    parameters: Dict[str, object] = {"shared": {f"key_{k}": k for k in range(20)}}
    for i in range(nodes):
        parameters.update({f"p{i}_{x}": i for x in "abcde"})
    (project / "conf/base/parameters.yml").write_text(yaml.safe_dump(parameters))
    (project / "conf/base/catalog.yml").write_text("start:\n  type: MemoryDataSet\n  data: 0\n")
    return project


def disable_plugin_hooks(project: Path, disabled: bool) -> None:
    """Baseline: km-hooks' entry points switched off the way the project's kedro allows."""
    settings = project / "src" / PACKAGE / "settings.py"
    kedro_yml = project / ".kedro.yml"
    if settings.exists():
        text = settings.read_text().split("\n# km-bench\n")[0]
        if disabled:
            text += '\n# km-bench\nDISABLE_HOOKS_FOR_PLUGINS = ("km-hooks",)\n'
        settings.write_text(text)
    elif kedro_yml.exists():
        data = yaml.safe_load(kedro_yml.read_text()) or {}
        data["disable_hooks_for_plugins"] = ["km-hooks"] if disabled else []
        kedro_yml.write_text(yaml.safe_dump(data))


def timed_runs(project: Path, repeat: int, uri: Optional[str]) -> List[float]:
    (project / "conf/local/mlflow.yml").write_text(
        f"mlflow_tracking_uri: {uri}\n" if uri else "mlflow_tracking_uri: null\n"
    )
    times = []
    for _ in range(repeat):
        result = subprocess.run(
            [sys.executable, "-c", TIMED_RUN],
            cwd=project,
            capture_output=True,
            text=True,
            env={**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"},
        )
        if result.returncode != 0:
            sys.exit(result.stdout[-3000:] + result.stderr[-3000:])
        times.append(float(result.stdout.split("ELAPSED")[-1].split()[0]))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    import kedro
    import mlflow

    with tempfile.TemporaryDirectory(prefix="km-bench-") as tmp:
        folder = Path(tmp)
        project = make_project(folder, args.nodes)
        rows = []
        disable_plugin_hooks(project, True)
        baseline = statistics.median(timed_runs(project, args.repeat, None))
        rows.append(("no plugin", baseline, "-"))
        disable_plugin_hooks(project, False)
        for name, uri in (("file store", "mlruns"), ("sqlite", "sqlite:///mlflow.db")):
            rows.append((name, statistics.median(timed_runs(project, args.repeat, uri)), "-"))
        with MlflowServer(folder / "server") as server, RequestCounter(server.url) as proxy:
            times = timed_runs(project, args.repeat, proxy.url)
            requests = proxy.count() // args.repeat
        rows.append(("mlflow server", statistics.median(times), str(requests)))

    print(
        f"\nhook overhead: {args.nodes}-node chain, 5 params + a 20-key dict per node;"
        f" kedro {kedro.__version__}, mlflow {mlflow.__version__}; median of {args.repeat}"
    )
    print(f"{'backend':<14} {'run (s)':>8} {'ratio':>6} {'requests/run':>13}")
    for name, seconds, requests in rows:
        print(f"{name:<14} {seconds:>8.2f} {seconds / baseline:>6.2f} {requests:>13}")
    if args.json:
        figures = {
            name: {"median": seconds, "unit": "s", "ratio": seconds / baseline, "vs": "no plugin"}
            for name, seconds, _ in rows
        }
        figures["mlflow server"]["requests"] = int(rows[-1][2])
        args.json.write_text(json.dumps(figures, indent=2))
    print(
        textwrap.dedent("""
        Targets (issue 3): <= 1.10 file store, <= 1.3 sqlite, <= 1.3 server, at most one
        request per node with parameters (plus a handful per run).
    """).strip()
    )


if __name__ == "__main__":
    main()
