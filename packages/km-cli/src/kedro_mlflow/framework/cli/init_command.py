"""`kedro mlflow init`: write <conf root>/<env>/mlflow.yml, the guide's template."""

from pathlib import Path

import click

from kedro_mlflow.compat.kedro_compat import plugin_hooks_auto_registered, project_conf_root
from kedro_mlflow.config import render_mlflow_yml

from .project import current_project

_DECLARE_HOOKS = """\
kedro < 0.16.4 does not register plugins' hooks: list them in the ProjectContext of
src/{package}/run.py:

    from kedro_mlflow.framework.hooks import mlflow_node_hook, mlflow_pipeline_hook

    class ProjectContext(KedroContext):
        ...
        hooks = (mlflow_pipeline_hook, mlflow_node_hook)
"""


@click.command(name="init")
@click.option(
    "--env",
    "-e",
    default="local",
    show_default=True,
    help="Kedro environment (a folder of the project's configuration) to write into.",
)
@click.option("--force", "-f", is_flag=True, help="Overwrite an existing mlflow.yml.")
@click.option(
    "--silent", "-s", is_flag=True, help="Do not print the message that names the file written."
)
@click.option(
    "--layout",
    type=click.Choice(["0.7", "0.8"]),
    default="0.7",
    show_default=True,
    help="0.7: the flat file of kedro-mlflow 0.7.x; 0.8: the server / tracking / ui"
    " sections of kedro-mlflow 0.8.x. Both are read alike.",
)
def init(env: str, force: bool, silent: bool, layout: str) -> None:
    """Write mlflow.yml, every key at its documented value, into conf/<env>/ (the project's
    CONF_ROOT in place of conf when it sets one)."""

    project = current_project("init")
    conf_root = project_conf_root(project)
    environment = conf_root / env
    target = environment / "mlflow.yml"
    if not environment.is_dir():
        existing = (
            sorted(p.name for p in conf_root.iterdir() if p.is_dir()) if conf_root.is_dir() else []
        )
        raise click.ClickException(
            f"the environment folder '{_shown(environment, project.project_path)}' does not"
            f" exist, so nothing was written. Create it first, or pick one of the project's"
            f" environments with --env ({', '.join(existing) or 'none found'})."
        )
    shown = _shown(target, project.project_path)
    if target.exists() and not force:
        click.secho(
            f"'{shown}' already exists and was kept. To replace it with the template, run"
            f" `kedro mlflow init --env {env} --force`.",
            fg="yellow",
        )
        return
    target.write_text(render_mlflow_yml(project.package_name, layout=layout), encoding="utf-8")
    if not silent:
        click.secho(f"'{shown}' successfully updated.", fg="green")
    if not plugin_hooks_auto_registered():
        click.echo(_DECLARE_HOOKS.format(package=project.package_name))


def _shown(path: Path, project_path: Path) -> str:
    """``path`` from the project's root when it is inside it, else in full."""
    try:
        return path.relative_to(project_path).as_posix()
    except ValueError:
        return path.as_posix()
