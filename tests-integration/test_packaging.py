"""The combined install: every package in the one `kedro_mlflow` namespace, from this repo."""

import json
import os
import re
import shutil
import subprocess
import sys

if sys.version_info >= (3, 8):
    from importlib import metadata
else:  # Python 3.7: the backport, which mlflow already depends on
    import importlib_metadata as metadata
from pathlib import Path
from typing import List, Set

import pytest
from distributions import META, pyproject, source_version, version_module
from distributions import PACKAGES as DISTRIBUTIONS
from km_testkit.executables import KEDRO

REPO = Path(__file__).resolve().parents[1]
SUBPACKAGES = {
    "km-compat": ["kedro_mlflow.compat"],
    "km-config": ["kedro_mlflow.config", "kedro_mlflow.framework.context"],
    "km-datasets": [
        "kedro_mlflow.io.artifacts",
        "kedro_mlflow.io.metrics",
        "kedro_mlflow.io.models",
        "kedro_mlflow.io.common",
    ],
    "km-pipelineml": ["kedro_mlflow.pipeline", "kedro_mlflow.mlflow"],
    "km-hooks": ["kedro_mlflow.framework.hooks"],
    "km-cli": ["kedro_mlflow.framework.cli"],
    META: ["kedro_mlflow.meta"],
}
NAMESPACE_LEVELS = ["kedro_mlflow", "kedro_mlflow.framework", "kedro_mlflow.io"]


def _files(distribution: str) -> List[str]:
    return [str(f) for f in metadata.files(distribution) or [] if ".dist-info" not in str(f)]


@pytest.mark.parametrize("distribution", [*DISTRIBUTIONS, META])
def test_installed_from_this_repository_not_from_an_index(distribution: str):
    direct_url = metadata.distribution(distribution).read_text("direct_url.json")
    assert direct_url, f"{distribution} has no direct_url.json: it came from an index"
    url = json.loads(direct_url)["url"]
    assert url == (REPO / "packages" / distribution).as_uri()


def test_every_subpackage_imports_from_the_combined_install():
    import importlib

    for modules in SUBPACKAGES.values():
        for module in modules:
            assert importlib.import_module(module).__file__


@pytest.mark.parametrize("level", NAMESPACE_LEVELS)
def test_namespace_levels_stay_namespaces(level: str):
    import importlib

    module = importlib.import_module(level)
    assert getattr(module, "__file__", None) is None, f"{level} has an __init__.py"


def test_no_two_distributions_ship_the_same_file():
    owners = {}
    for distribution in [*DISTRIBUTIONS, META]:
        for path in _files(distribution):
            assert path not in owners, f"{path}: {owners.get(path)} and {distribution}"
            owners[path] = distribution
    assert not any(path.endswith("kedro_mlflow/__init__.py") for path in owners)


def test_two_packages_in_separate_folders_share_the_namespace(tmp_path: Path):
    """PEP 420 across folders: km-config in one path entry, km-datasets in another.

    Both folders come before site-packages, so each subpackage must be found in its
    own folder through the one merged namespace.
    """
    folders = {}
    for distribution in ("km-config", "km-datasets"):
        target = tmp_path / distribution
        for relative in _files(distribution):
            source = Path(metadata.distribution(distribution).locate_file(relative))
            if source.suffix == ".py":
                (target / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(source, target / relative)
        folders[distribution] = target
    script = (
        "import kedro_mlflow.config, kedro_mlflow.io.artifacts;"
        "print(kedro_mlflow.config.__file__);"
        "print(kedro_mlflow.io.artifacts.__file__)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={"PYTHONPATH": f"{folders['km-config']}:{folders['km-datasets']}"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    config_file, artifacts_file = result.stdout.split()
    # each subpackage comes from its own folder, under one kedro_mlflow namespace
    assert config_file.startswith(f"{folders['km-config']}/kedro_mlflow/config/")
    assert artifacts_file.startswith(f"{folders['km-datasets']}/kedro_mlflow/io/artifacts/")


VERSION = metadata.version(META)
KEDRO_INFO = "import sys; sys.argv = ['kedro', 'info'];from kedro.framework.cli import main;main()"


def _plugins(info_output: str) -> List[str]:
    """The lines of `kedro info` under "Installed plugins:"."""
    lines = info_output.splitlines()
    return lines[lines.index("Installed plugins:") + 1 :] if "Installed plugins:" in lines else []


def _site_packages() -> Path:
    return Path(metadata.distribution("kedro").locate_file("")).resolve()


def test_kedro_info_lists_kedro_mlflow_and_its_version(tmp_path: Path):
    """The 0.7.3 guide's check of the installation (2.1.3): `kedro info` names the plugin."""
    result = subprocess.run([KEDRO, "info"], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    plugins = _plugins(result.stdout)
    assert any(re.match(rf"kedro_mlflow: {re.escape(VERSION)} \(", line) for line in plugins)
    assert any(line.startswith("km_cli: ") for line in plugins), plugins


def _without(distribution: str, farm: Path) -> Path:
    """A copy (of symbolic links) of site-packages without ``distribution``'s files."""
    site = _site_packages()
    excluded: Set[str] = set()
    for file in metadata.files(distribution) or []:
        path = Path(str(file)).as_posix()
        if path.startswith(".."):  # scripts outside site-packages
            continue
        top = path.split("/")[0]
        excluded.add(top if top.endswith(".dist-info") else path)  # the whole .dist-info

    def link(source: Path, target: Path) -> None:
        target.mkdir(parents=True, exist_ok=True)
        for child in source.iterdir():
            relative = child.relative_to(site).as_posix()
            if relative in excluded:
                continue
            if any(path.startswith(relative + "/") for path in excluded):
                link(child, target / child.name)  # a folder shared with the others
            else:
                os.symlink(child, target / child.name)

    link(site, farm)
    return farm


def test_kedro_info_without_the_meta_package_lists_the_km_packages(tmp_path: Path):
    """Only km-* installed (the meta-package's files gone): `kedro info` still works, lists
    km-cli and km-hooks, and nothing named kedro_mlflow (whose distribution is missing)."""
    farm = _without(META, tmp_path / "site-packages")
    assert not list(farm.glob("kedro_mlflow-*.dist-info"))
    code = f"import site; site.addsitedir({str(farm)!r});" + KEDRO_INFO
    run = [sys.executable, "-S", "-c", code]
    result = subprocess.run(run, cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    plugins = _plugins(result.stdout)
    assert any(line.startswith("km_cli: ") for line in plugins), result.stdout
    assert not any(line.startswith("kedro_mlflow") for line in plugins), plugins
    # the same interpreter, with the meta-package's files: it is listed
    code = f"import site; site.addsitedir({str(_site_packages())!r});" + KEDRO_INFO
    result = subprocess.run(
        [sys.executable, "-S", "-c", code], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert any(line.startswith(f"kedro_mlflow: {VERSION} ") for line in _plugins(result.stdout))


def test_kedro_start_up_does_not_load_the_meta_package_entry_point(tmp_path: Path):
    """kedro loads CLI entry points with pkg_resources on every call, which would resolve
    the meta-package's ~110-140 requirements (over a second): its one entry point is in the
    group kedro loads only in `kedro ipython` / `kedro jupyter`."""
    groups = {ep.group for ep in metadata.distribution(META).entry_points}
    assert groups == {"kedro.line_magic"}
    code = (
        "import sys; sys.argv = ['kedro', '--help'];"
        "from kedro.framework.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('loaded' if 'kedro_mlflow.meta' in sys.modules else 'not loaded')"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True
    )
    assert "Usage: kedro" in result.stdout, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "not loaded"


def test_the_line_magic_loads_and_prints_the_versions():
    import pkg_resources

    (entry_point,) = [
        ep
        for ep in pkg_resources.iter_entry_points("kedro.line_magic")
        if ep.dist.project_name == META and ep.name == "kedro_mlflow"
    ]
    magic = entry_point.load()  # what `kedro ipython` does before registering it
    assert magic.__name__ == "kedro_mlflow_info"
    code = "from kedro_mlflow.meta import kedro_mlflow_info; kedro_mlflow_info('')"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert f"kedro-mlflow: {VERSION}" in result.stdout.splitlines()
    assert f"km-cli: {metadata.version('km-cli')}" in result.stdout.splitlines()


# What `kedro ipython` / `kedro jupyter` do with the line magics of the plugins (kedro's
# ipython start-up, 0.16 and 0.17): load the `kedro.line_magic` entry points with
# pkg_resources and register each one.
_NOTEBOOK = """
import sys
import pkg_resources
from IPython.core.interactiveshell import InteractiveShell
from IPython.core.magic import needs_local_scope, register_line_magic
from kedro_mlflow.compat.kedro_compat import load_project_context

shell = InteractiveShell.instance()
shell.push({"context": load_project_context(sys.argv[1])})
with shell.builtin_trap:  # get_ipython() is defined, as in a running session
    for entry_point in pkg_resources.iter_entry_points("kedro.line_magic"):
        register_line_magic(needs_local_scope(entry_point.load()))
    shell.run_line_magic("reload_kedro_mlflow", "")
mlflow, client = shell.user_ns["mlflow"], shell.user_ns["mlflow_client"]
experiment = client.get_experiment_by_name("km_magic")
print("tracking:", mlflow.get_tracking_uri())
print("experiment:", experiment.name if experiment else None)
"""


def test_reload_kedro_mlflow_sets_mlflow_up_in_a_notebook(tmp_path: Path):
    """kedro-mlflow 0.8.1's `%reload_kedro_mlflow`, in a real IPython shell."""
    from km_testkit.projects import new_project

    project = new_project(tmp_path, "km-magic", "km_magic", mlflow=False)
    init = subprocess.run([KEDRO, "mlflow", "init"], cwd=project, capture_output=True, text=True)
    assert init.returncode == 0, init.stderr
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}
    result = subprocess.run(
        [sys.executable, "-c", _NOTEBOOK, str(project)],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    mlruns = (project / "mlruns").resolve().as_uri()
    assert f"MLflow tracks to {mlruns}, experiment 'km_magic'" in result.stdout
    assert f"tracking: {mlruns}" in result.stdout.splitlines()
    assert "experiment: km_magic" in result.stdout.splitlines()


# -- versions (RELEASING.md) ---------------------------------------------------------

# Upstream kedro-mlflow's releases of the 0.8 series, all of them: `pip download --no-deps
# kedro-mlflow==0.8.N` on Python 3.8 finds 0.8.0 and 0.8.1 and no other N (pip's list
# for the name: ..., 0.7.6, 0.8.0, 0.8.1, 0.9.0, ...). 0.8.1 is its last release for
# kedro < 0.18, 0.9.0 its first for kedro 0.18. Ours must be none of them and lie
# between: pip then prefers it next to kedro 0.16/0.17, and `kedro-mlflow==<ours>`
# can only mean ours.
UPSTREAM_08_RELEASES = ("0.8.0", "0.8.1")
UPSTREAM_LAST_FOR_KEDRO_017 = "0.8.1"
UPSTREAM_FIRST_FOR_KEDRO_018 = "0.9.0"


def test_the_meta_package_version_lies_between_upstream_081_and_090_and_is_ours():
    from packaging.version import Version  # pytest depends on it

    version = Version(source_version(META))
    assert Version(UPSTREAM_LAST_FOR_KEDRO_017) < version < Version(UPSTREAM_FIRST_FOR_KEDRO_018)
    assert not any(version == Version(upstream) for upstream in UPSTREAM_08_RELEASES)
    assert metadata.version(META) == str(version)


@pytest.mark.parametrize("distribution", [*DISTRIBUTIONS, META])
def test_each_distribution_has_one_version_that_its_code_and_metadata_report(
    distribution: str,
):
    import importlib

    project = pyproject(distribution)["project"]
    assert "version" not in project and "version" in project["dynamic"]
    module_name = version_module(distribution)
    assert module_name.rsplit(".", 1)[0] not in NAMESPACE_LEVELS
    module = importlib.import_module(module_name)
    assert module.__version__ == source_version(distribution)
    assert metadata.version(distribution) == module.__version__


def test_our_packages_require_ranges_that_hold_our_versions():
    from packaging.requirements import Requirement

    for distribution in [*DISTRIBUTIONS, META]:
        for requirement in map(Requirement, metadata.requires(distribution) or []):
            if requirement.name in [*DISTRIBUTIONS, META]:
                version = source_version(requirement.name)
                assert requirement.specifier.contains(version), (distribution, str(requirement))


def test_the_environment_a_logged_model_declares_pins_our_real_version():
    """The model a training run logs names km-pipelineml at the version this checkout
    builds and releases, never one that cannot be installed."""
    from kedro.pipeline import Pipeline

    from kedro_mlflow.mlflow.conda_env import default_conda_env

    dependencies = default_conda_env(Pipeline([]))["dependencies"]
    (pip,) = [d["pip"] for d in dependencies if isinstance(d, dict) and "pip" in d]
    ours = [pin for pin in pip if pin.split("==")[0] in [*DISTRIBUTIONS, META]]
    assert ours == [f"km-pipelineml=={source_version('km-pipelineml')}"]
