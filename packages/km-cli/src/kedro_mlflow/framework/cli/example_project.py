"""The iris example that `kedro mlflow new` adds to a project made by `kedro new`.

Its files live in ``templates/iris``: data and pipeline modules are copied, catalog
and parameter entries appended to the project's own files, and the pipelines
registered wherever the installed kedro version registers them.
"""

import shutil
from pathlib import Path
from typing import List

from kedro_mlflow.compat.kedro_compat import (
    ProjectMetadata,
    declare_context_hooks,
    register_project_pipelines,
)
from kedro_mlflow.config import render_mlflow_yml

TEMPLATE = Path(__file__).resolve().parent / "templates" / "iris"
PIPELINES_MODULE = "pipelines.iris"  # under the project's package
APPENDED = ("conf/base/catalog.yml", "conf/base/parameters.yml")
COPIED = ("data/01_raw/iris_instances.csv", "data/01_raw/iris_labels.csv")
REQUIREMENT = "kedro-mlflow>=0.8,<0.9"


def add_iris_example(project: ProjectMetadata) -> List[str]:
    """Add the example to ``project``; return the files written, relative to its root."""
    root = project.project_path
    written = _add_data_and_conf(root)
    written += _add_pipelines(project)
    written += _add_requirement(project)
    written.append(_write_mlflow_yml(project))
    return [_relative(path, root) for path in written]


def _add_data_and_conf(root: Path) -> List[Path]:
    """Copy the data files; append the catalog and parameter entries to the project's."""
    written = []
    for name in COPIED:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(TEMPLATE / name, root / name)
        written.append(root / name)
    for name in APPENDED:
        with open(root / name, "a", encoding="utf-8") as handle:
            handle.write((TEMPLATE / name).read_text(encoding="utf-8"))
        written.append(root / name)
    return written


def _add_pipelines(project: ProjectMetadata) -> List[Path]:
    """Copy the pipeline modules into the package, register them, declare the hooks."""
    target = project.source_dir / project.package_name / Path(*PIPELINES_MODULE.split("."))
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for module in sorted((TEMPLATE / "src" / "pipelines" / "iris").glob("*.py")):
        shutil.copyfile(module, target / module.name)
        written.append(target / module.name)
    written.append(
        register_project_pipelines(
            project, f"{project.package_name}.{PIPELINES_MODULE}", "create_pipelines"
        )
    )
    run_py = declare_context_hooks(
        project,
        "from kedro_mlflow.framework.hooks import mlflow_node_hook, mlflow_pipeline_hook",
        "mlflow_pipeline_hook, mlflow_node_hook",
    )
    if run_py is not None:  # None: this kedro registers plugins' hooks itself
        written.append(run_py)
    return written


def _add_requirement(project: ProjectMetadata) -> List[Path]:
    """Add kedro-mlflow to the project's requirements.txt, when it has one."""
    requirements = project.source_dir / "requirements.txt"
    if not requirements.is_file():
        return []
    text = requirements.read_text(encoding="utf-8")
    separator = "" if text.endswith("\n") or not text else "\n"
    requirements.write_text(f"{text}{separator}{REQUIREMENT}\n", encoding="utf-8")
    return [requirements]


def _write_mlflow_yml(project: ProjectMetadata) -> Path:
    """conf/local/mlflow.yml for the example."""
    mlflow_yml = project.project_path / "conf" / "local" / "mlflow.yml"
    mlflow_yml.parent.mkdir(parents=True, exist_ok=True)
    # null, not init's `mlruns`: the example tracks where $MLFLOW_TRACKING_URI says
    # (a team's server), else to mlruns/ in the project
    mlflow_yml.write_text(
        render_mlflow_yml(project.package_name, defer_tracking_uri=True), encoding="utf-8"
    )
    return mlflow_yml


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()
