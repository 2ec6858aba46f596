"""Point MLflow at a project's configuration: credentials, tracking URI, experiment."""

import logging
import os
import socket
import ssl
from typing import TYPE_CHECKING, Any, Mapping
from urllib.error import HTTPError, URLError
from urllib.parse import urlparse
from urllib.request import Request, getproxies, proxy_bypass, urlopen

from .errors import KedroMlflowConfigError
from .reader import files_defining

if TYPE_CHECKING:
    from .schema import KedroMlflowConfig

logger = logging.getLogger(__name__)


def export_credentials(config: "KedroMlflowConfig") -> None:
    """Export the credentials.yml entry named by ``credentials`` as environment variables.

    The values go to ``os.environ`` only; nothing of them is kept or logged.
    """
    name = config.credentials
    if name is None:
        return
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
    if not isinstance(entry, Mapping) or not all(
        isinstance(value, (str, int, float)) and not isinstance(value, bool)
        for value in entry.values()
    ):
        raise KedroMlflowConfigError(
            f"the credentials.yml entry {name!r} must map environment variable names to"
            " string or number values",
            key="credentials",
        )
    for variable, value in entry.items():
        os.environ[str(variable)] = str(value)


def check_reachable(uri: str, timeout: float = 5.0, from_environment: bool = False) -> None:
    """Fail at once when nothing listens at an HTTP tracking server's address.

    MLflow's own client retries a dead server for minutes before it gives up. A TCP
    connection tells the user right away, and does not mistake a server that is busy
    answering other runs for a dead one. Behind an HTTP proxy, one plain request is
    made instead: any HTTP answer, even an error status or a TLS complaint, counts.
    ``from_environment``: the URI is $MLFLOW_TRACKING_URI's, which the error says.
    """
    parsed = urlparse(uri)
    if parsed.scheme not in ("http", "https"):
        return
    try:
        if _proxied(parsed.hostname or ""):
            _answers_through_proxy(uri, timeout)
        else:
            port = parsed.port or (443 if parsed.scheme == "https" else 80)
            socket.create_connection((parsed.hostname, port), timeout=timeout).close()
    except (URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        if from_environment:
            origin = " (from $MLFLOW_TRACKING_URI, as mlflow_tracking_uri is null)"
            target = "$MLFLOW_TRACKING_URI or mlflow_tracking_uri"
        else:
            origin, target = "", "mlflow_tracking_uri"
        raise KedroMlflowConfigError(
            f"the tracking server {uri}{origin} does not answer ({reason}): start it, or"
            f" point {target} at a running one",
            key="mlflow_tracking_uri",
        ) from None


def _proxied(host: str) -> bool:
    return bool(getproxies()) and not proxy_bypass(host)


def _answers_through_proxy(uri: str, timeout: float) -> None:
    try:
        urlopen(Request(uri.rstrip("/") + "/", method="GET"), timeout=timeout).close()
    except HTTPError:
        return
    except URLError as error:
        if isinstance(error.reason, ssl.SSLError):
            return
        raise


def config_error(config: "KedroMlflowConfig", key: str, problem: str) -> KedroMlflowConfigError:
    """An error about ``key`` of ``config``, naming the mlflow.yml that sets it."""
    return KedroMlflowConfigError(problem, key=key, files=files_defining(config.source_files, key))


def setup_tracking(config: "KedroMlflowConfig") -> str:
    """Export credentials, set the tracking URI and select the experiment; return its id."""
    try:
        return _setup_tracking(config)
    except KedroMlflowConfigError as error:
        raise error.located(files_defining(config.source_files, error.key)) from None


def _setup_tracking(config: "KedroMlflowConfig") -> str:
    import mlflow
    from mlflow.entities import LifecycleStage
    from mlflow.tracking import MlflowClient

    from .mlflow_compat import experiment_by_name

    export_credentials(config)
    check_reachable(
        config.mlflow_tracking_uri, from_environment=config.tracking_uri_from_environment
    )
    mlflow.set_tracking_uri(config.mlflow_tracking_uri)
    name = config.experiment.name or "Default"
    client = MlflowClient(tracking_uri=config.mlflow_tracking_uri)
    experiment = experiment_by_name(client, name)
    if experiment is None:
        if not config.experiment.create:
            raise KedroMlflowConfigError(
                f"the experiment {name!r} does not exist in {config.mlflow_tracking_uri}"
                " and experiment.create is false: create it, or set create: true",
                key="experiment.name",
            )
        experiment_id = _create_experiment(client, name)
    elif experiment.lifecycle_stage == LifecycleStage.DELETED:
        if not config.experiment.create:
            raise KedroMlflowConfigError(
                f"the experiment {name!r} is deleted in {config.mlflow_tracking_uri} and"
                " experiment.create is false: restore it (mlflow experiments restore"
                f" --experiment-id {experiment.experiment_id}), set create: true to have it"
                " restored, or choose another name",
                key="experiment.create",
            )
        # As kedro-mlflow 0.7.3 did: `create` brings a deleted experiment back.
        client.restore_experiment(experiment.experiment_id)
        logger.info(
            "The MLflow experiment %r (id %s) was deleted: it is restored (experiment.create"
            " is true).",
            name,
            experiment.experiment_id,
        )
        experiment_id = experiment.experiment_id
    else:
        experiment_id = experiment.experiment_id
    mlflow.set_experiment(name)
    return str(experiment_id)


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
