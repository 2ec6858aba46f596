"""Benchmark: what the plugin adds to kedro's start-up (`kedro --help`, `kedro info`).

    python packages/km-cli/benchmarks/startup.py --without-python PATH [--repeat 7] [--json PATH]

kedro imports every plugin's entry points on each call, so every `kedro` command pays
for them. Run the script with the interpreter of an environment that has the plugin
installed (the "with" environment; ``--with-python`` picks another one) and give it
the interpreter of an environment that has the same kedro and mlflow without our
packages (``--without-python``). It makes a project with the installed kedro's own
`kedro new`, then times, inside it, the wall clock of `kedro --help` and `kedro info`
started as subprocesses by each environment's `kedro` script, taking turns so that
load changes hit both alike, after one untimed warm-up each. It prints the medians
and the ratio with/without, then which entry points each environment loads, what
loading them costs on top of kedro's own CLI, split as kedro 0.16/0.17 do it
(pkg_resources first resolves the whole dependency tree of the entry point's
distribution, then imports its module), and the heavy modules (mlflow, pandas,
sklearn) the imports bring. Without ``--without-python`` it measures the "with"
environment alone.
It never fails on a figure: it reports them (``--json PATH`` writes them too).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List

# The test kit (testkit/): the project the tests make, and the environment's scripts.
from km_testkit.executables import venv_script
from km_testkit.projects import new_kedro_project

COMMANDS = (("kedro --help", ["--help"]), ("kedro info", ["info"]))
# The groups kedro loads when it starts (hooks: in a project). Not kedro.line_magic:
# only `kedro ipython` / `kedro jupyter` load it (the meta-package's entry point is there).
GROUPS = ("kedro.global_commands", "kedro.project_commands", "kedro.hooks")
HEAVY = ("mlflow", "pandas", "sklearn")

# Run by each interpreter: kedro's CLI first (kedro pays for it with or without
# plugins), then every entry point of the groups kedro loads, the way kedro 0.16/0.17
# load them: CLI groups with pkg_resources' `load()`, which first resolves the
# requirements of the entry point's distribution (`require()`), then imports; hooks
# through pluggy, which imports without resolving anything.
ENTRY_POINTS = """
import json, sys, time
import kedro.framework.cli.cli
import pkg_resources

groups, heavy = json.loads(sys.argv[1])
before = set(sys.modules)
loaded, requiring, importing = [], 0.0, 0.0
for group in groups:
    for entry_point in pkg_resources.iter_entry_points(group):
        start = time.perf_counter()
        if group != "kedro.hooks":
            entry_point.require()
        middle = time.perf_counter()
        entry_point.resolve()
        requiring += middle - start
        importing += time.perf_counter() - middle
        loaded.append(f"{group}: {entry_point.name} = {entry_point.module_name}")
new = set(sys.modules) - before
print(json.dumps({
    "entry_points": loaded,
    "require_seconds": requiring,
    "import_seconds": importing,
    "modules": len(new),
    "heavy_by_entry_points": sorted(m for m in heavy if m in new),
    "heavy_by_kedro": sorted(m for m in heavy if m in before),
}))
"""


def kedro_script(python: str) -> str:
    """The `kedro` console script next to an interpreter (its environment's)."""
    script = Path(venv_script("kedro", python))
    if not script.exists():
        sys.exit(f"{python}: no `kedro` script beside it ({script}); is kedro installed?")
    return str(script)


def run_once(python: str, arguments: List[str], project: Path) -> float:
    """Wall clock of one `kedro ...` subprocess, in seconds; exits if it fails."""
    bindir = str(Path(python).parent)
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}"}
    env.pop("VIRTUAL_ENV", None)
    start = time.perf_counter()
    result = subprocess.run(
        [kedro_script(python), *arguments], cwd=project, env=env, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"{python}: kedro {' '.join(arguments)} failed:\n{result.stdout}{result.stderr}")
    return elapsed


def entry_points(python: str, project: Path) -> Dict[str, object]:
    result = subprocess.run(
        [python, "-c", ENTRY_POINTS, json.dumps([GROUPS, HEAVY])],
        cwd=project,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        sys.exit(f"{python}: loading the entry points failed:\n{result.stderr}")
    return json.loads(result.stdout.splitlines()[-1])


def versions(python: str) -> str:
    code = "import kedro, mlflow; print(kedro.__version__, mlflow.__version__)"
    out = subprocess.run([python, "-c", code], capture_output=True, text=True, check=True)
    kedro, mlflow = out.stdout.split()
    return f"kedro {kedro}, mlflow {mlflow}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--with-python", default=sys.executable, help="plugin installed")
    parser.add_argument("--without-python", help="same kedro/mlflow, none of our packages")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()

    environments = {"with": args.with_python}
    if args.without_python:
        environments["without"] = args.without_python
    labels = {name: versions(python) for name, python in environments.items()}
    if len(set(labels.values())) > 1:
        print(f"warning: the environments differ: {labels}", file=sys.stderr)

    with tempfile.TemporaryDirectory(prefix="km-bench-") as tmp:
        # the project is made by the "with" kedro (the script's own interpreter normally)
        project = new_kedro_project(Path(tmp), kedro=kedro_script(args.with_python))
        times: Dict[str, Dict[str, List[float]]] = {
            c: {e: [] for e in environments} for c, _ in COMMANDS
        }
        for _, arguments in COMMANDS:  # warm-up: byte-compilation, file caches
            for python in environments.values():
                run_once(python, arguments, project)
        for _ in range(args.repeat):
            for command, arguments in COMMANDS:
                for name, python in environments.items():
                    times[command][name].append(run_once(python, arguments, project))
        loads = {name: entry_points(python, project) for name, python in environments.items()}

    medians = {
        c: {e: statistics.median(t) for e, t in by_env.items()} for c, by_env in times.items()
    }
    results: Dict[str, Dict[str, object]] = {}
    print(
        f"\nkedro start-up, inside a `kedro new` project; {labels['with']};"
        f" wall clock of the subprocess, median of {args.repeat}"
    )
    print(f"{'command':<14}{'with (s)':>10}{'without (s)':>13}{'ratio':>7}")
    for command, by_env in medians.items():
        with_, without = by_env["with"], by_env.get("without")
        ratio = with_ / without if without else None
        print(
            f"{command:<14}{with_:>10.3f}{(f'{without:.3f}' if without else '-'):>13}"
            f"{(f'{ratio:.2f}' if ratio else '-'):>7}"
        )
        results[command] = {"median": with_, "unit": "s"}
        if without:
            results[command].update(ratio=ratio, vs=f"{without:.3f} s without our packages")
    for name, load in loads.items():
        heavy = ", ".join(load["heavy_by_entry_points"]) or "none"
        print(
            f"\n{name} our packages, after kedro's CLI: the entry points' requirements"
            f" resolve in {load['require_seconds']:.3f} s, their imports take"
            f" {load['import_seconds']:.3f} s ({load['modules']} more modules)"
        )
        for line in load["entry_points"] or ["(none)"]:
            print(f"  {line}")
        print(
            f"  heavy modules imported by the entry points: {heavy};"
            f" by kedro's CLI itself: {', '.join(load['heavy_by_kedro']) or 'none'}"
        )
    load = loads["with"]
    results["entry points: resolve requirements"] = {
        "median": load["require_seconds"],
        "unit": "s",
        "note": "one run, pkg_resources require() of the CLI entry points, as kedro does",
    }
    results["entry points: import"] = {
        "median": load["import_seconds"],
        "unit": "s",
        "note": "one run; heavy modules: " + (", ".join(load["heavy_by_entry_points"]) or "none"),
    }
    print("\nTarget (issue): kedro --help <= 1.05x with our packages installed.")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
