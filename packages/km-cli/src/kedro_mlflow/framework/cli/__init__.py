"""Part of km-cli: the `kedro mlflow` commands (not released yet)."""
