"""Point MLflow at a project's configuration: credentials, tracking URI, experiment."""

import base64
import logging
import os
import socket
import ssl
from pathlib import Path
from typing import Any, List, Mapping, Optional, cast
from urllib.error import HTTPError, URLError
from urllib.parse import unquote, urlparse
from urllib.request import Request, urlopen

from .errors import KedroMlflowConfigError
from .schema import ConfigValues, variable_name_problem
from .sources import files_defining
from .store_initialisation import first_store_use
from .tracking_uri import redact_uri

__all__ = [
    "REACHABILITY_TIMEOUT",
    "check_reachable",
    "config_error",
    "export_credentials",
    "export_store_variables",
    "setup_tracking",
    "tracking_server_problem",
]

logger = logging.getLogger(__name__)


def export_credentials(config: ConfigValues) -> None:
    """Export the credentials.yml entry named by ``credentials`` as environment variables.

    The values go to ``os.environ`` only; nothing of them is kept or logged.
    """
    name = config.credentials
    if name is None:
        return
    entry = _credentials_entry(config, name)
    # every name checked before any is exported: nothing is half-exported
    _check_variable_names(config, name, entry)
    for variable, value in entry.items():
        os.environ[str(variable)] = str(value)


def _credentials_entry(config: ConfigValues, name: str) -> Mapping[Any, Any]:
    """The credentials.yml entry ``name``, checked to map names to strings or numbers."""
    if config.credentials_loader is None:
        raise KedroMlflowConfigError(
            f"credentials {name!r} are named, but this configuration was not loaded from a"
            " kedro project, so credentials.yml cannot be read",
            key="credentials",
        )
    all_credentials = config.credentials_loader() or {}
    if name not in all_credentials:
        raise KedroMlflowConfigError(
            f"credentials.yml has no entry {name!r}; add it there (a mapping of environment"
            " variable names to values) or remove the key from mlflow.yml",
            key="credentials",
        )
    entry = all_credentials[name]
    if not _is_variable_mapping(entry):
        raise KedroMlflowConfigError(
            f"the credentials.yml entry {name!r} must map environment variable names to"
            " string or number values",
            key="credentials",
        )
    return cast(Mapping[Any, Any], entry)


def _is_variable_mapping(entry: Any) -> bool:
    """Whether ``entry`` is a mapping whose values are strings or numbers (not booleans)."""
    return isinstance(entry, Mapping) and all(
        isinstance(value, (str, int, float)) and not isinstance(value, bool)
        for value in entry.values()
    )


def _check_variable_names(config: ConfigValues, name: str, entry: Mapping[Any, Any]) -> None:
    """Refuse the entry ``name`` when one of its keys is no environment variable name."""
    for variable in entry:
        problem = variable_name_problem(variable)
        if problem:
            raise KedroMlflowConfigError(
                f"{variable!r} cannot be an environment variable name ({problem}); the keys"
                f" of the entry {name!r} are exported as environment variables: rename it",
                key=f"{name}.{variable}",
                files=_credentials_files(config.credentials_loader, name),
            )


def _credentials_files(credentials_loader: Any, entry: str) -> List[Path]:
    """The credentials file the entry was read from (a loader of our own records it)."""
    locate = getattr(credentials_loader, "files_defining", None)
    return locate(entry) if locate is not None else []


def export_store_variables(config: ConfigValues) -> None:
    """Export ``stores_environment_variables`` (validated when the file was read).

    Like credentials, their values go to ``os.environ`` only and are never logged.
    """
    for variable, value in config.stores_environment_variables.items():
        os.environ[str(variable)] = str(value)


# Longer than a busy server takes to answer its health route, short enough that a
# silent one is reported well within 10 s (MLflow's client would wait for minutes).
REACHABILITY_TIMEOUT = 4.0


def check_reachable(
    uri: str, timeout: float = REACHABILITY_TIMEOUT, from_environment: bool = False
) -> None:
    """Fail at once when an HTTP tracking server does not answer, or answers only errors.

    MLflow's own client retries for minutes before it gives up, on a dead server, on
    one that accepts connections and never answers, and on a proxy that answers 502 to
    everything. One request to the server's health route, with a short timeout, tells
    the user right away. Any answer of the server counts, even 404 (servers without
    the route), 401/403 (behind authentication) or a TLS complaint; a 5xx does not.
    ``from_environment``: the URI is $MLFLOW_TRACKING_URI's, which the error says.
    """
    problem = tracking_server_problem(uri, timeout)
    if problem is None:
        return
    if from_environment:
        origin = " (from $MLFLOW_TRACKING_URI, as mlflow_tracking_uri is null)"
        target = "$MLFLOW_TRACKING_URI or mlflow_tracking_uri"
    else:
        origin, target = "", "mlflow_tracking_uri"
    raise KedroMlflowConfigError(
        f"the tracking server {redact_uri(uri)}{origin} {problem}: start it, or point"
        f" {target} at a running one",
        key="mlflow_tracking_uri",
    )


def tracking_server_problem(uri: str, timeout: float = REACHABILITY_TIMEOUT) -> Optional[str]:
    """Why the HTTP tracking server at ``uri`` is not working ("does not answer (...)",
    "answers HTTP 502 ..."), or None when it works or ``uri`` is no HTTP server."""
    if urlparse(uri).scheme not in ("http", "https"):
        return None
    return _health_problem(uri.rstrip("/") + "/health", timeout)


def _health_request(url: str) -> Request:
    """A GET of ``url``; user and password written in it go as Basic authentication, the
    way MLflow's client (requests) sends them, not as part of the host name."""
    parts = urlparse(url)
    if parts.username is None and parts.password is None:
        return Request(url, method="GET")
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 address
        host = f"[{host}]"
    netloc = f"{host}:{parts.port}" if parts.port else host
    bare = parts._replace(netloc=netloc).geturl()
    user = unquote(parts.username or "")
    password = unquote(parts.password or "")
    token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    return Request(bare, method="GET", headers={"Authorization": f"Basic {token}"})


def _health_problem(url: str, timeout: float) -> Optional[str]:
    """Why ``url`` shows the server is not working ("does not answer (...)"), or None."""
    try:
        urlopen(_health_request(url), timeout=timeout).close()
    except HTTPError as error:
        error.close()
        if error.code >= 500:
            return f"answers HTTP {error.code} ({error.reason}) to {redact_uri(url)}"
    except URLError as error:
        if isinstance(error.reason, ssl.SSLError):
            return None  # something speaks TLS there: let MLflow report the details
        return f"does not answer ({error.reason})"
    except (socket.timeout, TimeoutError):
        return f"does not answer (no answer within {timeout:g} s)"
    except OSError as error:
        return f"does not answer ({error})"
    return None


def config_error(config: ConfigValues, key: Optional[str], problem: str) -> KedroMlflowConfigError:
    """An error about ``key`` of ``config``, naming the mlflow.yml that sets it (and the
    key as that file spells it)."""
    key = config.file_key(key)
    files = files_defining(config.source_files, config.key_sources, key)
    return KedroMlflowConfigError(problem, key=key, files=files)


def setup_tracking(config: ConfigValues) -> str:
    """Export credentials, set the tracking URI and select the experiment; return its id."""
    try:
        return _setup_tracking(config)
    except KedroMlflowConfigError as error:
        if error.files:  # it names its file already (credentials.yml)
            raise
        raise config_error(config, error.key, error.problem) from None


def _setup_tracking(config: ConfigValues) -> str:
    import mlflow
    from mlflow.tracking import MlflowClient

    export_store_variables(config)
    export_credentials(config)
    uri = cast(str, config.mlflow_tracking_uri)  # from_dict resolved a null one
    check_reachable(uri, from_environment=config.tracking_uri_from_environment)
    mlflow.set_tracking_uri(uri)
    name = config.experiment.name or "Default"
    with first_store_use(uri):  # one process at a time creates a new DB
        client = MlflowClient(tracking_uri=uri)
    experiment_id = _experiment_id(client, config, name, redact_uri(uri))
    mlflow.set_experiment(name)
    return str(experiment_id)


def _experiment_id(client: Any, config: ConfigValues, name: str, shown: str) -> str:
    """The id of the experiment ``name``: created, restored or found as it is.

    ``shown`` is the tracking URI as the errors may show it (without secrets).
    """
    from mlflow.entities import LifecycleStage

    from kedro_mlflow.compat.mlflow_compat import experiment_by_name

    experiment = experiment_by_name(client, name)
    if experiment is None:
        if not config.experiment.create:
            raise KedroMlflowConfigError(
                f"the experiment {name!r} does not exist in {shown} and experiment.create"
                " is false: create it, or set create: true",
                key="experiment.name",
            )
        return _create_experiment(client, name)
    if experiment.lifecycle_stage == LifecycleStage.DELETED:
        _restore_experiment(client, config, experiment, name, shown)
    return experiment.experiment_id


def _restore_experiment(
    client: Any, config: ConfigValues, experiment: Any, name: str, shown: str
) -> None:
    """Bring the deleted experiment ``name`` back, when ``restore_if_deleted`` and
    ``create`` both allow it; otherwise say how the user can."""
    if not config.experiment.restore_if_deleted:
        raise KedroMlflowConfigError(
            f"the experiment {name!r} is deleted in {shown} and restore_if_deleted is"
            " false: restore it (mlflow experiments restore"
            f" --experiment-id {experiment.experiment_id}), set restore_if_deleted: true,"
            " or choose another name",
            key="experiment.restore_if_deleted",
        )
    if not config.experiment.create:
        raise KedroMlflowConfigError(
            f"the experiment {name!r} is deleted in {shown} and experiment.create is"
            " false: restore it (mlflow experiments restore"
            f" --experiment-id {experiment.experiment_id}), set create: true to have it"
            " restored, or choose another name",
            key="experiment.create",
        )
    # As kedro-mlflow 0.7.3 did: `create` brings a deleted experiment back.
    client.restore_experiment(experiment.experiment_id)
    logger.info(
        "The MLflow experiment %r (id %s) was deleted: it is restored (restore_if_deleted"
        " is true).",
        name,
        experiment.experiment_id,
    )


def _create_experiment(client: Any, name: str) -> str:
    from mlflow.exceptions import MlflowException

    try:
        return client.create_experiment(name)
    except MlflowException:
        # Another process (a parallel `kedro run`) may have created it meanwhile.
        experiment = client.get_experiment_by_name(name)
        if experiment is None:
            raise
        return experiment.experiment_id
