"""Kedro projects made as users make them, offline: `kedro new` or `kedro mlflow new`."""

import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, Optional

import yaml

KEDRO = str(Path(sys.executable).with_name("kedro"))


def new_config(folder: Path, repo_name: str, package: str) -> Path:
    """The `--config` file of `kedro new` / `kedro mlflow new` for a project in ``folder``."""
    config = folder / "new.yml"
    config.write_text(
        yaml.safe_dump(
            {
                "output_dir": str(folder),
                "project_name": repo_name.replace("-", " ").title(),
                "repo_name": repo_name,
                "python_package": package,
                "include_example": False,  # asked by kedro 0.16, ignored by 0.17
            }
        )
    )
    return config


def new_project(
    folder: Path,
    repo_name: str,
    package: str,
    mlflow: bool = True,
    kedro: str = KEDRO,
    env: Optional[Dict[str, str]] = None,
) -> Path:
    """``folder/repo_name``, made by `kedro mlflow new` (or plain `kedro new`)."""
    command = [kedro, "mlflow", "new"] if mlflow else [kedro, "new"]
    done = subprocess.run(
        [*command, "--config", str(new_config(folder, repo_name, package))],
        cwd=str(folder),
        # cookiecutter writes replay files in $HOME
        env={**(os.environ if env is None else env), "HOME": str(folder)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout
    return folder / repo_name
