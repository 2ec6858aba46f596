"""`kedro mlflow new`: `kedro new`, then the iris example set up for kedro-mlflow."""

import subprocess
import sys
from pathlib import Path
from typing import Optional, Set

import click
import yaml

from kedro_mlflow.compat.kedro_compat import find_project

from .example_project import add_iris_example

_NEXT_STEPS = """
The project is ready for kedro-mlflow. Next:

    cd {path}
    kedro run --pipeline=training    # trains, and logs the inference pipeline as a model
    kedro mlflow ui                  # look at the run
"""


@click.command(name="new")
@click.option(
    "--config",
    "-c",
    "config_path",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="The `kedro new --config` file: project_name, repo_name, python_package, output_dir.",
)
def new(config_path: Optional[str]) -> None:
    """Create a kedro project tracked by MLflow, with an example to train and serve."""
    parent = _output_dir(config_path)
    before = _projects_in(parent)
    # kedro's own `new`, in a process of its own: its prompts, its template, its checks.
    command = [sys.executable, "-m", "kedro", "new"]
    if config_path is not None:
        command += ["--config", config_path]
    code = subprocess.call(command)
    if code != 0:
        raise click.ClickException(f"`kedro new` failed (exit status {code}); nothing was added.")
    created = sorted(_projects_in(parent) - before)
    if len(created) != 1:
        raise click.ClickException(
            f"`kedro new` succeeded but no single new project appeared in {parent}"
            f" (found {[str(path) for path in created]}); the example was not added."
        )

    project = find_project(created[0])
    if project is None:  # the folder was chosen because it has a metadata file
        raise click.ClickException(f"{created[0]} has no readable kedro project metadata.")
    for name in add_iris_example(project):
        click.echo(f"  wrote {name}")
    click.secho(_NEXT_STEPS.format(path=project.project_path), fg="green")


def _output_dir(config_path: Optional[str]) -> Path:
    """Where `kedro new` creates the project: the config's output_dir, else the cwd."""
    if config_path is None:
        return Path.cwd()

    try:
        config = yaml.safe_load(Path(config_path).read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise click.ClickException(f"{config_path} is not valid YAML: {error}") from None
    if not isinstance(config, dict):
        raise click.ClickException(
            f"{config_path} must be a mapping of `kedro new` settings"
            " (project_name, repo_name, python_package, output_dir)."
        )
    output_dir = config.get("output_dir")
    if output_dir is None:
        return Path.cwd()
    return Path(str(output_dir)).expanduser().resolve()


def _projects_in(folder: Path) -> Set[Path]:
    """The kedro projects directly under ``folder``."""
    if not folder.is_dir():
        return set()
    markers = ("pyproject.toml", ".kedro.yml")
    return {
        child.resolve()
        for child in folder.iterdir()
        if child.is_dir() and any((child / marker).is_file() for marker in markers)
    }
