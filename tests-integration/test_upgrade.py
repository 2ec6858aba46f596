"""Upgrading an environment that has the reference kedro-mlflow 0.7.3 to ours.

Each test makes its own virtual environment with uv: kedro 0.17.7, mlflow 1.30.1
and kedro-mlflow 0.7.3 from the package index (what a 0.7.3 user has), a project
made by that kedro's `kedro new`, then upgrades to our wheels, built here from
packages/, the way a user would:

- `uv pip install kedro-mlflow==0.8.2`: uv uninstalls 0.7.3 first; it works.
- `pip install kedro-mlflow==0.8.2`: pip installs the km-* wheels, then uninstalls
  0.7.3, whose RECORD lists some of the same files, and deletes them. Either that
  works (a future pip) or every `kedro` call in the project, and `kedro mlflow`
  anywhere, fails at once naming the missing files and a repair command; after that
  command, it works.
- `pip uninstall kedro-mlflow`, then `pip install kedro-mlflow==0.8.2` (the path
  packages/kedro-mlflow/README.md documents): it works.

The environments are the tests' own, so the outcome does not depend on the matrix
cell running them: they run in one cell only (UPGRADE_CELL), since running them in
the other four would check the same thing again. Needs uv and the package index.
"""

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import pytest
from distributions import ALL as OURS
from distributions import META, source_version
from km_testkit.projects import new_project

if sys.version_info >= (3, 8):
    from importlib import metadata
else:  # Python 3.7: the backport, which mlflow already depends on
    import importlib_metadata as metadata

REPO = Path(__file__).resolve().parents[1]
VERSION = source_version(META)  # ours, never one of upstream's (RELEASING.md)

# The one matrix cell (python, kedro, mlflow) whose tests session runs these tests.
UPGRADE_CELL = ("3.8", "0.17.7", "2.12.2")
RUNNING_CELL = (
    f"{sys.version_info[0]}.{sys.version_info[1]}",
    metadata.version("kedro"),
    metadata.version("mlflow"),
)

# The reference's newest kedro and mlflow 1.x, with the pins noxfile.py's cell_pins
# gives that pair (kedro 0.17 + mlflow 1.30: setuptools and werkzeug).
REFERENCE = [
    "kedro-mlflow==0.7.3",
    "kedro==0.17.7",
    "mlflow==1.30.1",
    "setuptools<60",
    "werkzeug<2.1",
]

# Every import path of the reference's user guide.
REFERENCE_IMPORTS = """
import kedro_mlflow
from kedro_mlflow.io.artifacts import MlflowArtifactDataSet
from kedro_mlflow.io.metrics import MlflowMetricsDataSet
from kedro_mlflow.io.models import MlflowModelLoggerDataSet, MlflowModelSaverDataSet
from kedro_mlflow.pipeline import pipeline_ml_factory
from kedro_mlflow.mlflow import KedroPipelineModel
from kedro_mlflow.framework.hooks import mlflow_node_hook, mlflow_pipeline_hook
from kedro_mlflow.framework.context import get_mlflow_config
assert getattr(kedro_mlflow, "__file__", None) is None, "0.7.3's __init__.py is left"
print("imports: ok")
"""

REPAIR = re.compile(r"Repair with:\s*\n\s*(.+)")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        RUNNING_CELL != UPGRADE_CELL,
        reason=f"builds its own environments: runs in the {UPGRADE_CELL} cell only",
    ),
]


def run(command: List[str], cwd: Path, env: Dict[str, str], timeout: float = 300):
    return subprocess.run(
        command,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
        check=False,
    )


def ok(command: List[str], cwd: Path, env: Dict[str, str]) -> str:
    done = run(command, cwd, env)
    assert done.returncode == 0, f"{' '.join(map(shlex.quote, command))} failed:\n{done.stdout}"
    return done.stdout


@pytest.fixture(scope="module")
def uv() -> str:
    found = shutil.which("uv")
    if found is None:
        pytest.fail("test_upgrade needs uv on PATH (nox's uv backend brings it)")
    return found


@pytest.fixture(scope="module")
def base_python() -> str:
    """The interpreter the running environment was made from (no download)."""
    minor = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    python = Path(sys.base_prefix) / "bin" / minor
    assert python.exists(), f"no {minor} under {sys.base_prefix}"
    return str(python)


@pytest.fixture(scope="module")
def wheels(tmp_path_factory, uv: str, base_python: str) -> Path:
    """Our seven wheels, built from packages/ now (dist/ may be stale)."""
    folder = tmp_path_factory.mktemp("wheels")
    build = [uv, "build", "--wheel", "--no-python-downloads", "--python", base_python]
    for name in OURS:
        ok(
            [*build, "--out-dir", str(folder), str(REPO / "packages" / name)],
            REPO,
            dict(os.environ),
        )
    built = sorted(p.name for p in folder.glob("*.whl"))
    expected = sorted(f"{n.replace('-', '_')}-{source_version(n)}-py3-none-any.whl" for n in OURS)
    assert built == expected
    return folder


@pytest.fixture(scope="module")
def project_template(tmp_path_factory) -> Path:
    """A project made by `kedro new` of kedro 0.17.7 (the running one: UPGRADE_CELL)."""
    folder = tmp_path_factory.mktemp("template")
    return new_project(folder, "km-demo", "km_demo", mlflow=False)


class Environment:
    """A venv (with pip) holding the reference 0.7.3, and a kedro 0.17.7 project."""

    def __init__(self, folder: Path, uv: str, base_python: str, template: Path) -> None:
        self.folder = folder
        self.uv = uv
        self.bin = folder / "venv" / "bin"
        self.python = str(self.bin / "python")
        keep = {k: v for k, v in os.environ.items() if not k.startswith("COV_CORE_")}
        for name in ("VIRTUAL_ENV", "PYTHONPATH", "MLFLOW_TRACKING_URI", "KEDRO_ENV"):
            keep.pop(name, None)
        self.env = {**keep, "HOME": str(folder), "PATH": f"{self.bin}{os.pathsep}{keep['PATH']}"}
        venv = [uv, "venv", "--seed", "--no-python-downloads", "--python", base_python]
        ok([*venv, str(folder / "venv")], folder, self.env)
        self.uv_pip("install", *REFERENCE)
        self.project = folder / "km-demo"
        shutil.copytree(template, self.project)
        # What pip trips on: 0.7.3 owns paths that our packages ship too.
        (record,) = folder.glob(
            "venv/lib/python*/site-packages/kedro_mlflow-0.7.3.dist-info/RECORD"
        )
        assert "kedro_mlflow/io/artifacts/__init__.py," in record.read_text()

    def uv_pip(self, *args: str) -> str:
        command = [self.uv, "pip", args[0], "--python", self.python, *args[1:]]
        return ok(command, self.folder, self.env)

    def pip(self, *args: str) -> str:
        return ok([self.python, "-m", "pip", *args], self.folder, self.env)

    def outcome(self) -> Dict[str, "subprocess.CompletedProcess[str]"]:
        """`kedro mlflow -h` in the project (kedro loads the hooks there) and outside it,
        and the reference's import paths."""
        kedro_mlflow_help = [str(self.bin / "kedro"), "mlflow", "-h"]
        return {
            "project": run(kedro_mlflow_help, self.project, self.env),
            "outside": run(kedro_mlflow_help, self.folder, self.env),
            "imports": run([self.python, "-c", REFERENCE_IMPORTS], self.folder, self.env),
        }


# What each check prints when it works: the project's commands, the global one.
WORKING = {
    "project": "Write mlflow.yml",
    "outside": "Create a kedro project",
    "imports": "imports: ok",
}


def problems(outcome: Dict[str, "subprocess.CompletedProcess[str]"]) -> List[str]:
    """The checks that did not work, with their output; [] when all work."""
    return [
        f"{name} (exit {done.returncode}):\n{done.stdout}"
        for name, done in outcome.items()
        if done.returncode != 0 or WORKING[name] not in done.stdout
    ]


@pytest.fixture
def environment(
    tmp_path: Path, uv: str, base_python: str, wheels: Path, project_template: Path
) -> Environment:
    return Environment(tmp_path, uv, base_python, project_template)


def test_uv_upgrade_works(environment: Environment, wheels: Path):
    environment.uv_pip("install", "--find-links", str(wheels), f"kedro-mlflow=={VERSION}")
    assert problems(environment.outcome()) == []


def test_pip_upgrade_works_or_fails_at_once_saying_how_to_repair(
    environment: Environment, wheels: Path
):
    environment.pip("install", "--find-links", str(wheels), f"kedro-mlflow=={VERSION}")
    outcome = environment.outcome()
    if not problems(outcome):  # a pip that uninstalls before it installs
        return
    # Every `kedro` call in the project (the hooks' entry point) and `kedro mlflow`
    # anywhere (the CLI's) fail with one message: the missing files, one command.
    commands = set()
    for where in ("project", "outside"):
        done = outcome[where]
        assert done.returncode != 0, done.stdout
        assert "kedro-mlflow's installation is damaged" in done.stdout, done.stdout
        assert "km-datasets: kedro_mlflow/io/artifacts/__init__.py" in done.stdout, done.stdout
        commands.add(REPAIR.search(done.stdout).group(1).strip())
    assert len(commands) == 1, commands
    repair = shlex.split(commands.pop())
    assert Path(repair[0]).parent == environment.bin, repair  # this environment's Python
    assert repair[1:6] == ["-m", "pip", "install", "--force-reinstall", "--no-deps"], repair
    # Run it as printed, only told where our wheels are (they are on no index).
    ok([*repair, "--no-index", "--find-links", str(wheels)], environment.folder, environment.env)
    assert problems(environment.outcome()) == []


def test_pip_uninstall_then_install_works(environment: Environment, wheels: Path):
    """The path packages/kedro-mlflow/README.md documents for pip users."""
    environment.pip("uninstall", "--yes", "kedro-mlflow")
    environment.pip("install", "--find-links", str(wheels), f"kedro-mlflow=={VERSION}")
    assert problems(environment.outcome()) == []
