"""The `kedro mlflow` group, registered once, as a global command.

kedro 0.17.3 drops a plugin's commands when the same group name is registered both
as a global and as a project command; one global group works on every version,
inside and outside projects. Project commands check the working directory when
they run, and are left out of the help outside a project (`ui` works, and is listed,
in any folder inside one too).

kedro imports this module on every call: it is the CLI's one lazy boundary. Each
command's module (and with it mlflow, pandas, the configuration) is imported only when
that command runs or its help is asked for; behind the boundary, modules import what
they need at the top.
"""

import importlib
from pathlib import Path
from typing import Dict, List, Optional

import click

from kedro_mlflow.compat.kedro_compat import find_project

from .project import enclosing_project

__all__ = ["PROJECT_COMMANDS", "commands", "mlflow_commands"]

PROJECT_COMMANDS = ("init", "modelify", "ui")
# the project commands that find the project's root above the working directory
_ANYWHERE_IN_PROJECT = ("ui",)
# name: (module, attribute) of each `kedro mlflow` command
_COMMANDS: Dict[str, str] = {
    "init": ".init_command:init",
    "modelify": ".modelify_command:modelify",
    "new": ".new_command:new",
    "ui": ".ui_command:ui",
}


class _MlflowGroup(click.Group):
    """Lists the commands by name and imports one only when it is used."""

    def list_commands(self, ctx: click.Context) -> List[str]:
        names = sorted(_COMMANDS)
        if find_project(Path.cwd()) is not None:
            return names
        inside = enclosing_project(Path.cwd()) is not None
        return [
            name
            for name in names
            if name not in PROJECT_COMMANDS or (inside and name in _ANYWHERE_IN_PROJECT)
        ]

    def get_command(self, ctx: click.Context, cmd_name: str) -> Optional[click.Command]:
        target = _COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, _, attribute = target.partition(":")
        command: click.Command = getattr(importlib.import_module(module, __package__), attribute)
        return command


@click.group(
    name="mlflow", cls=_MlflowGroup, context_settings={"help_option_names": ["-h", "--help"]}
)
def mlflow_commands() -> None:
    """Use MLflow-specific commands inside a kedro project."""


@click.group(name="kedro-mlflow")
def commands() -> None:
    """kedro-mlflow's commands."""


commands.add_command(mlflow_commands)
