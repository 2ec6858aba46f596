"""Take the tutorial's screenshots of the MLflow UI from a real training run.

    nox -s screenshots                              # writes docs/_static/*.png
    .nox/screenshots/bin/python docs/screenshots.py # the same, once the session exists

It runs the demo (tests-integration/demo.py: `kedro mlflow new`, `kedro run
--pipeline=training`...) in a temporary folder, starts `kedro mlflow ui` on that
project's store, photographs the experiment page and the run page with headless
Chromium (Debian: `apt-get install chromium`), then stops the server. Not part of
`nox -s docs`: the guide builds without a browser, from the committed PNGs.
"""

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
BIN = Path(sys.executable).parent
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DOCS / "_static")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    parser.add_argument("--width", type=int, default=1400, help="window width, in pixels")
    parser.add_argument("--wait-ms", type=int, default=10000, help="JS time for each page")
    parser.add_argument("--keep", action="store_true", help="keep the temporary project")
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="where to make the demo project (an empty or missing folder; default: a"
        f" temporary one). {Path(TUTORIAL_PROJECT).parent} gives the figures the"
        " tutorial's paths",
    )
    args = parser.parse_args()

    if args.workdir is not None:
        args.workdir.mkdir(parents=True, exist_ok=True)
        if any(args.workdir.iterdir()):
            parser.error(f"--workdir {args.workdir} is not empty")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="km-screenshots-"))
    try:
        project = run_demo(workdir)
        experiment_id, run_id = latest_run(project)
        as_the_tutorial_shows(project, run_id)
        port = free_port()
        with ui_server(project, port, workdir / "ui.log"):
            base = f"http://127.0.0.1:{port}/#/experiments/{experiment_id}"
            args.out.mkdir(parents=True, exist_ok=True)
            run = f"{base}/runs/{run_id}"
            # name: (url, window height): tall enough for what the tutorial shows
            pages = {
                "experiment.png": (base, 520),
                "run.png": (run, 1230),
                "artifacts.png": (f"{run}/artifacts/model/MLmodel", 900),
            }
            for name, (url, height) in pages.items():
                screenshot(args, url, args.out / name, workdir, height)
                print(f"{args.out / name}: {url}")
    finally:
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


def run_demo(workdir: Path) -> Path:
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}
    subprocess.run(
        [sys.executable, str(ROOT / "tests-integration" / "demo.py"), "--workdir", str(workdir)],
        env=env,
        check=True,
    )
    return workdir / "iris-demo"


def latest_run(project: Path):
    from mlflow.tracking import MlflowClient

    client = MlflowClient((project / "mlruns").as_uri())
    experiment = client.get_experiment_by_name("iris_demo")
    runs = client.search_runs(
        [experiment.experiment_id], order_by=["attributes.start_time DESC"], max_results=1
    )
    return experiment.experiment_id, runs[0].info.run_id


# The tutorial's folder and user (docs/tutorial.md): the figures show no path or user
# name of the machine that took them (tests-integration/test_docs_examples.py checks
# the pages' text the same way).
TUTORIAL_PROJECT = "/home/alice/projects/iris-demo"
TUTORIAL_USER = "alice"


def as_the_tutorial_shows(project: Path, run_id: str) -> None:
    """Set the run's two tags that hold this machine's details to the tutorial's."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient((project / "mlruns").as_uri())
    client.set_tag(run_id, "project_path", TUTORIAL_PROJECT)
    client.set_tag(run_id, "mlflow.user", TUTORIAL_USER)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ui_server:
    """`kedro mlflow ui` in its own process group, stopped (with its server) on exit."""

    def __init__(self, project: Path, port: int, log: Path) -> None:
        self.project, self.port, self.log = project, port, log

    def __enter__(self) -> "ui_server":
        env = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}
        env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
        self.process = subprocess.Popen(
            [str(BIN / "kedro"), "mlflow", "ui", "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=str(self.project),
            env=env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"kedro mlflow ui stopped:\n{self.log.read_text()}")
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/", timeout=2).close()
                return self
            except OSError:
                time.sleep(1)
        self.__exit__()
        raise SystemExit(f"kedro mlflow ui did not answer:\n{self.log.read_text()}")

    def __exit__(self, *_exc) -> None:
        # Ctrl-C's signal: `kedro mlflow ui` then stops the MLflow server it started in
        # a session of its own (SIGTERM would leave that server running).
        for stop, wait in ((signal.SIGINT, 30), (signal.SIGKILL, 10)):
            try:
                os.killpg(self.process.pid, stop)
            except ProcessLookupError:
                return
            try:
                self.process.wait(timeout=wait)
                return
            except subprocess.TimeoutExpired:
                continue


def screenshot(args: argparse.Namespace, url: str, out: Path, workdir: Path, height: int) -> None:
    profile = Path(tempfile.mkdtemp(prefix="chromium-", dir=str(workdir)))
    if out.exists():
        out.unlink()
    subprocess.run(
        [
            args.chromium,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            f"--window-size={args.width},{height}",
            f"--virtual-time-budget={args.wait_ms}",
            f"--screenshot={out}",
            url,
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=180,
    )
    if not out.exists() or out.stat().st_size == 0:
        raise SystemExit(f"chromium wrote no screenshot of {url}")


if __name__ == "__main__":
    sys.exit(main())
