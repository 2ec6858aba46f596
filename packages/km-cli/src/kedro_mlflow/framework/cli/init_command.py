"""`kedro mlflow init`: write conf/<env>/mlflow.yml from the schema's defaults."""

import click

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
    "--env", "-e", default="local", show_default=True, help="Kedro environment to write into."
)
@click.option("--force", "-f", is_flag=True, help="Overwrite an existing mlflow.yml.")
def init(env: str, force: bool) -> None:
    """Write conf/<env>/mlflow.yml with every setting at its default."""
    from kedro_mlflow.config import render_mlflow_yml

    project = current_project("init")
    target = project.project_path / "conf" / env / "mlflow.yml"
    shown = target.relative_to(project.project_path).as_posix()
    if target.exists() and not force:
        click.secho(
            f"'{shown}' already exists and was kept. To replace it with the defaults, run"
            f" `kedro mlflow init --env {env} --force`.",
            fg="yellow",
        )
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_mlflow_yml(project.package_name), encoding="utf-8")
    click.secho(f"'{shown}' successfully updated.", fg="green")
    from kedro_mlflow.config.kedro_compat import plugin_hooks_auto_registered

    if not plugin_hooks_auto_registered():
        click.echo(_DECLARE_HOOKS.format(package=project.package_name))
