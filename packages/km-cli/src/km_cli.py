"""kedro's entry point into km-cli: the `kedro mlflow` command group.

`kedro info` takes the top-level module of a plugin's entry point for the name of
its distribution, so the entry point lives in this module, named after km-cli.
kedro imports it on every call: it must stay cheap (no mlflow, no pandas).
"""

from kedro_mlflow.framework.cli.cli import commands

__all__ = ["commands"]
