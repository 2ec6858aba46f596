"""The tags that describe a kedro run: its parameters and a command that replays it."""

import json
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

# run_params key -> `kedro run` option
_OPTIONS = {
    "pipeline_name": "--pipeline",
    "env": "--env",
    "tags": "--tag",
    "node_names": "--node",
    "from_nodes": "--from-nodes",
    "to_nodes": "--to-nodes",
    "from_inputs": "--from-inputs",
    "to_outputs": "--to-outputs",
}


def _text(value: Any) -> str:
    if isinstance(value, (list, tuple, set)):
        return ",".join(str(item) for item in value)
    if isinstance(value, Mapping):
        return json.dumps(value, sort_keys=True, default=str)
    return str(value)


def kedro_command(run_params: Mapping[str, Any], argv: Optional[List[str]] = None) -> str:
    """`kedro run ...` as typed when the run came from the CLI, else rebuilt from run_params."""
    argv = sys.argv if argv is None else argv
    if len(argv) > 1 and argv[1] == "run" and "kedro" in Path(argv[0]).as_posix():
        return " ".join(["kedro", *(shlex.quote(arg) for arg in argv[1:])])
    words = ["kedro", "run"]
    for key, option in _OPTIONS.items():
        value = run_params.get(key)
        if value:
            words.append(f"{option}={shlex.quote(_text(value))}")
    for dataset, version in (run_params.get("load_versions") or {}).items():
        words.append(f"--load-version={shlex.quote(f'{dataset}:{version}')}")
    extra = run_params.get("extra_params") or {}
    if extra:
        pairs = ",".join(f"{key}:{value}" for key, value in extra.items())
        words.append(f"--params={shlex.quote(pairs)}")
    return " ".join(words)


def git_sha(project_path: Path) -> Optional[str]:
    """The commit the project is at, when it is in git."""
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=str(project_path),
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if result.returncode != 0:
        return None
    return result.stdout.strip() or None


def run_tags(
    run_params: Mapping[str, Any], kedro_version: str, max_length: Optional[int] = None
) -> Dict[str, str]:
    """Tags for the MLflow run: one per kedro run parameter, under kedro's own name.

    As kedro-mlflow 0.7.3 logged them (its guide shows the table), each value is
    ``str()`` of what kedro passed, empty ones included (``pipeline_name`` is ``None``
    for the default pipeline), so searches such as ``tags.pipeline_name = "training"``
    keep working. ``kedro_version``, ``kedro_command`` and ``git_sha`` are always set;
    values longer than ``max_length`` (mlflow's tag limit) are cut.
    """
    tags = {str(key): str(value) for key, value in run_params.items()}
    tags["kedro_version"] = kedro_version
    tags["kedro_command"] = kedro_command(run_params)
    # kedro 0.16 gives a short sha; the full one names the commit without doubt
    sha = git_sha(Path(str(run_params.get("project_path", ".")))) or run_params.get("git_sha")
    tags["git_sha"] = str(sha)
    if sha:
        tags["mlflow.source.git.commit"] = str(sha)
    if max_length is not None:
        tags = {key: value[:max_length] for key, value in tags.items()}
    return tags
