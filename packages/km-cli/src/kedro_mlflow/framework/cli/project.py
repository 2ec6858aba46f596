"""The kedro project a command runs in: the one whose root is the working directory, or
(for the commands that allow it) the nearest one above it."""

from pathlib import Path
from typing import TYPE_CHECKING, Optional

import click

from kedro_mlflow.compat.kedro_compat import find_project

if TYPE_CHECKING:
    from kedro_mlflow.compat.kedro_compat import ProjectMetadata


def current_project(command: str, upwards: bool = False) -> "ProjectMetadata":
    """The project at the working directory, or a clear CLI error naming ``command``.

    With ``upwards``, the working directory may also be any folder inside the project:
    its parents are searched, nearest first, for the project's root.
    """

    cwd = Path.cwd()
    project = enclosing_project(cwd) if upwards else find_project(cwd)
    if project is None:
        where = " or any folder inside it" if upwards else ""
        raise click.ClickException(
            f"`kedro mlflow {command}` works at the root of a kedro project (the folder with"
            f" its pyproject.toml or .kedro.yml){where}, and {cwd} is not one."
        )
    return project


def enclosing_project(folder: Path) -> Optional["ProjectMetadata"]:
    """The kedro project whose root is ``folder`` or its nearest parent that is one."""
    folder = folder.resolve()
    for candidate in (folder, *folder.parents):
        project = find_project(candidate)
        if project is not None:
            return project
    return None
