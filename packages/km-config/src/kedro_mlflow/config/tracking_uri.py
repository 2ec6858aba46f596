"""Tracking URIs: relative ones made absolute from the project root, and shown without
their password."""

import os
from pathlib import Path
from typing import Mapping, Optional
from urllib.parse import urlparse

from kedro_mlflow.compat.redaction import redact_uri

__all__ = ["DEFAULT_LOCAL_STORE", "defers_to_environment", "redact_uri", "resolve_tracking_uri"]

DEFAULT_LOCAL_STORE = "mlruns"
# Tracking URIs that are names, not paths.
_NAMED_STORES = {"databricks"}


def resolve_tracking_uri(
    uri: Optional[str],
    project_path: Optional[Path],
    environ: Optional[Mapping[str, str]] = None,
) -> str:
    """The URI MLflow should use for ``uri`` as written in mlflow.yml.

    ``None`` means ``$MLFLOW_TRACKING_URI`` when it is set, else ``mlruns`` in the
    project. Local paths (bare, ``file:`` or ``sqlite:///``) that are relative are
    taken from ``project_path``; every other URI is returned as it is.
    """
    environ = os.environ if environ is None else environ
    if defers_to_environment(uri, environ):
        # MLflow's own variable keeps MLflow's meaning (relative to the cwd).
        return environ["MLFLOW_TRACKING_URI"]
    if uri is None:
        uri = DEFAULT_LOCAL_STORE
    if uri in _NAMED_STORES:
        return uri
    root = Path(project_path) if project_path is not None else Path.cwd()
    parsed = urlparse(uri)
    if parsed.scheme == "":
        return _as_file_uri(root, uri)
    if parsed.scheme == "file" and not parsed.netloc:
        return _as_file_uri(root, parsed.path)
    if parsed.scheme == "sqlite" and uri.startswith("sqlite:///"):
        path = uri[len("sqlite:///") :]
        if path and not path.startswith("/") and not path.startswith(":memory:"):
            return "sqlite:///" + str((root / path).resolve())
    return uri


def defers_to_environment(uri: Optional[str], environ: Optional[Mapping[str, str]] = None) -> bool:
    """True when mlflow.yml's ``uri`` (None) leaves the choice to ``$MLFLOW_TRACKING_URI``."""
    environ = os.environ if environ is None else environ
    return uri is None and bool(environ.get("MLFLOW_TRACKING_URI"))


def _as_file_uri(root: Path, path: str) -> str:
    local = Path(path).expanduser()
    if not local.is_absolute():
        local = root / local
    return local.resolve().as_uri()
