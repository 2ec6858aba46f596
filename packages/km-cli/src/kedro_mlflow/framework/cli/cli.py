"""The `kedro mlflow` group, registered once, as a global command.

kedro 0.17.3 drops a plugin's commands when the same group name is registered both
as a global and as a project command; one global group works on every version,
inside and outside projects. Project commands check the working directory when
they run, and are left out of the help outside a project.

kedro imports this module on every call: everything else is imported when a
command runs.
"""

from pathlib import Path
from typing import Iterable

import click

from .init_command import init
from .modelify_command import modelify
from .new_command import new
from .ui_command import ui

__all__ = ["PROJECT_COMMANDS", "commands", "mlflow_commands"]

PROJECT_COMMANDS = ("init", "modelify", "ui")


class _MlflowGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> Iterable[str]:
        from kedro_mlflow.compat.kedro_compat import find_project

        names = super().list_commands(ctx)
        if find_project(Path.cwd()) is None:
            names = [name for name in names if name not in PROJECT_COMMANDS]
        return names


@click.group(
    name="mlflow", cls=_MlflowGroup, context_settings={"help_option_names": ["-h", "--help"]}
)
def mlflow_commands() -> None:
    """Use MLflow-specific commands inside a kedro project."""


mlflow_commands.add_command(init)
mlflow_commands.add_command(modelify)
mlflow_commands.add_command(new)
mlflow_commands.add_command(ui)


@click.group(name="kedro-mlflow")
def commands() -> None:
    """kedro-mlflow's commands."""


commands.add_command(mlflow_commands)
