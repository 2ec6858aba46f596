"""Kedro projects made as users make them, offline, and run as `kedro run` runs them.

- ``new_kedro_project``: the installed kedro's own `kedro new` (package ``km_demo``), the
  project of the packages' ``kedro_project`` fixture and of the benchmarks;
- ``new_project``: `kedro mlflow new` (or `kedro new`) with a repository and package name
  of the caller's choosing, as the integration scenarios and the demo make theirs;
- ``install_pipelines``: a module's ``pipelines()`` registered where the project's kedro
  looks for them;
- ``kedro_mlflow_ui``: `kedro mlflow ui` in a project, until the block ends;
- ``run_project``: a registered pipeline run in this process, as `kedro run` does.

km-compat is imported only by the functions that need it: packages/conftest.py imports
this module in every unit session, km-cli-entrypoint's (which has no km-compat) included.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any, Dict, Iterator, Optional, Tuple, Union

import yaml

from km_testkit.executables import KEDRO
from km_testkit.mlflow_state import environ_without_tracking

# The python package of the project `new_kedro_project` makes.
DEMO_PACKAGE = "km_demo"


def new_kedro_project(folder: Path, kedro: str = KEDRO) -> Path:
    """A project made in ``folder`` by the installed kedro's own `kedro new`, offline:
    ``folder / "km-demo"``, package ``km_demo``. ``kedro``: the `kedro` script to use
    (default: this environment's)."""
    config = {
        "output_dir": str(folder),
        "project_name": "KM Demo",
        "repo_name": "km-demo",
        "python_package": DEMO_PACKAGE,
        "include_example": False,  # required by kedro 0.16, ignored by 0.17
    }
    (folder / "new.yml").write_text(yaml.safe_dump(config))
    subprocess.run(
        [kedro, "new", "--config", str(folder / "new.yml")],
        check=True,
        capture_output=True,
        cwd=folder,
        env={**os.environ, "HOME": str(folder)},  # cookiecutter writes replay files there
    )
    return folder / "km-demo"


def install_pipelines(project: Path, source: str) -> None:
    """Make ``source`` (a module defining ``pipelines()`` -> {name: Pipeline}) the
    registered pipelines of a ``new_kedro_project`` project, wherever its kedro version
    registers them."""
    from kedro_mlflow.compat.kedro_compat import find_project, register_project_pipelines

    (project / "src" / DEMO_PACKAGE / "km_pipelines.py").write_text(source)
    register_project_pipelines(find_project(project), f"{DEMO_PACKAGE}.km_pipelines", "pipelines")


def typed(
    project: Path,
    *args: str,
    pythonpath: Optional[Path] = None,
    tracking_uri: Optional[str] = None,
) -> str:
    """`kedro ARGS` as a user types it in ``project`` (no tracking URI or run id from the
    test's environment; ``tracking_uri``: the user's exported MLFLOW_TRACKING_URI); its
    output. It must succeed."""
    env = environ_without_tracking()
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    if tracking_uri:
        env["MLFLOW_TRACKING_URI"] = tracking_uri
    done = subprocess.run(
        [KEDRO, *args],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, f"kedro {' '.join(args)}:\n{done.stdout}"
    return done.stdout


def new_config(folder: Path, repo_name: str, package: str) -> Path:
    """The `--config` file of `kedro new` / `kedro mlflow new` for a project in ``folder``."""
    config = folder / "new.yml"
    config.write_text(
        yaml.safe_dump(
            {
                "output_dir": str(folder),
                "project_name": repo_name.replace("-", " ").title(),
                "repo_name": repo_name,
                "python_package": package,
                "include_example": False,  # asked by kedro 0.16, ignored by 0.17
            }
        )
    )
    return config


def new_project(
    folder: Path,
    repo_name: str,
    package: str,
    mlflow: bool = True,
    kedro: str = KEDRO,
    env: Optional[Dict[str, str]] = None,
) -> Path:
    """``folder/repo_name``, made by `kedro mlflow new` (or plain `kedro new`)."""
    command = [kedro, "mlflow", "new"] if mlflow else [kedro, "new"]
    done = subprocess.run(
        [*command, "--config", str(new_config(folder, repo_name, package))],
        cwd=str(folder),
        # cookiecutter writes replay files in $HOME
        env={**(os.environ if env is None else env), "HOME": str(folder)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout
    return folder / repo_name


@contextlib.contextmanager
def kedro_mlflow_ui(project: Path) -> Iterator[Tuple["subprocess.Popen[str]", str]]:
    """`kedro mlflow ui` in ``project``, once it answers HTTP: (process, base URL).

    Stopped with Ctrl-C (SIGINT) when the block ends; ``process.returncode`` tells how.
    """
    process = subprocess.Popen(
        [KEDRO, "mlflow", "ui"],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        said = ""
        while not said.startswith("MLflow UI on "):  # kedro may warn about other things first
            said = process.stdout.readline()
            assert said, "kedro mlflow ui ended without serving"
        base = said.split()[3]
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{base}/", timeout=5) as answer:
                    assert answer.status == 200
                    break
            except OSError:
                assert process.poll() is None, process.stdout.read()
                assert time.monotonic() < deadline, "the UI did not answer"
                time.sleep(0.5)
        yield process, base
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)


def _bootstrap_project(project_path: Path) -> str:
    """Put a kedro 0.17 project's sources on sys.path and its settings in place, as
    `kedro run` does; its package name."""
    try:  # kedro >= 0.17.3
        from kedro.framework.startup import bootstrap_project
    except ImportError:  # kedro 0.17.0-0.17.2: the sources on sys.path are all it takes
        from kedro_mlflow.compat.kedro_compat import find_project

        project = find_project(project_path)
        if project is None:
            raise ValueError(f"{project_path} is not a kedro project") from None
        source_dir = str(project.source_dir)
        if source_dir not in sys.path:
            sys.path.insert(0, source_dir)
        return project.package_name
    return str(bootstrap_project(project_path).package_name)


def run_project(
    project_path: Union[str, Path],
    pipeline_name: Optional[str] = None,
    env: Optional[str] = None,
    extra_params: Optional[Dict[str, Any]] = None,
    runner: Any = None,
) -> Dict[str, Any]:
    """Run a registered pipeline of a project in this process, as `kedro run` does
    (hooks included): kedro 0.16 through its context, kedro 0.17 in a session."""
    project_path = Path(project_path).expanduser().resolve()
    options: Dict[str, Any] = {"pipeline_name": pipeline_name}
    if runner is not None:
        options["runner"] = runner
    from km_testkit.versions import is_kedro_016

    if is_kedro_016():
        from kedro_mlflow.compat.kedro_compat import load_project_context

        return load_project_context(project_path, env, extra_params).run(**options)

    from kedro.framework.session import KedroSession

    package_name = _bootstrap_project(project_path)
    env = env or os.environ.get("KEDRO_ENV") or None
    with KedroSession.create(
        package_name, project_path, env=env, extra_params=extra_params
    ) as session:
        return session.run(**options)
