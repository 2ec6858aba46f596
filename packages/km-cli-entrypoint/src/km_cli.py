"""kedro's entry point into km-cli: the `kedro mlflow` command group.

This module ships in km-cli-entrypoint, a distribution that requires nothing:
kedro 0.16/0.17 load CLI entry points with pkg_resources, which first resolves
every requirement of the declaring distribution, recursively (for km-cli, the
~135 distributions under kedro and mlflow: over a second on every `kedro` call).
`kedro info` names a plugin after this module, so it reports km-cli's version.
kedro imports it on every call: it must stay cheap (no mlflow, no pandas).
"""

import click

# km-cli-entrypoint's version, the one place it is written (hatch reads it for the
# metadata). `kedro info`'s `km_cli` line shows km-cli's version, not this one.
__version__ = "0.8.2"

try:
    from kedro_mlflow.framework.cli.cli import commands
except ImportError as _missing:  # km-cli uninstalled, or its files deleted
    try:  # pip's in-place upgrade from kedro-mlflow 0.7 deletes some of our files
        from kedro_mlflow.config.installation import damage_report

        _problem = damage_report()
    except ImportError:  # km-config is not installed either
        _problem = None
    if _problem:
        _summary = "kedro-mlflow's installation is damaged: `kedro mlflow` says how to repair it."
    else:
        _summary = "kedro-mlflow's commands need km-cli, which is not installed."
        _problem = (
            "`kedro mlflow` needs km-cli: `pip install km-cli` (or remove its entry point"
            f" with `pip uninstall km-cli-entrypoint`). ({type(_missing).__name__}: {_missing})"
        )
    _message: str = _problem  # a str on both branches

    @click.group(name="kedro-mlflow")
    def commands() -> None:
        """kedro-mlflow's commands (km-cli is missing or damaged)."""

    @commands.command(
        name="mlflow",
        help=_summary,
        add_help_option=False,  # `kedro mlflow -h` too says what is wrong
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    )
    def _km_cli_unavailable() -> None:
        raise click.ClickException(_message)


__all__ = ["commands"]
