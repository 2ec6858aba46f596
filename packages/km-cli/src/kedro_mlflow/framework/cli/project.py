"""The kedro project a command runs in: the one whose root is the working directory."""

from pathlib import Path
from typing import TYPE_CHECKING

import click

from kedro_mlflow.compat.kedro_compat import find_project

if TYPE_CHECKING:
    from kedro_mlflow.compat.kedro_compat import ProjectMetadata


def current_project(command: str) -> "ProjectMetadata":
    """The project at the working directory, or a clear CLI error naming ``command``."""

    project = find_project(Path.cwd())
    if project is None:
        raise click.ClickException(
            f"`kedro mlflow {command}` works at the root of a kedro project (the folder with"
            f" its pyproject.toml or .kedro.yml), and {Path.cwd()} is not one."
        )
    return project
