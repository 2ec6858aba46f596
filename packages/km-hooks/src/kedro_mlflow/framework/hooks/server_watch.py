"""A tracking server that stops answering during a run, noticed at the next node.

MLflow's client retries a dead server for a minute or more per request, and the hooks
send in the background: without a look at the server, the run would go on to its end
and fail there, minutes later. Between nodes, a request to the server's health route
(short timeout) tells at once: at every node boundary, but at most twice a second, so
that a pipeline of many quick nodes does not double its requests.
"""

import time
from typing import Callable
from urllib.parse import urlparse

from kedro_mlflow.compat.redaction import redact_uri
from kedro_mlflow.config.tracking_setup import tracking_server_problem

# A busy pipeline passes node boundaries many times a second: one look per interval.
CHECK_INTERVAL = 0.5


class TrackingServerLost(RuntimeError):
    """The HTTP tracking server stopped answering while a kedro run was logging to it."""


class ServerWatch:
    """Looks at the tracking server between nodes; raises when it stopped answering."""

    def __init__(self, uri: str, unsent: Callable[[], str]) -> None:
        self._uri = uri
        self._unsent = unsent  # says what has not reached the server yet
        self._watched = urlparse(uri).scheme in ("http", "https")
        self._looked = time.monotonic()  # setup() has just checked it

    def check(self, force: bool = False) -> None:
        """Raise :class:`TrackingServerLost` if the server does not answer (looked at
        once per :data:`CHECK_INTERVAL` unless ``force``)."""
        if not self._watched or (not force and time.monotonic() - self._looked < CHECK_INTERVAL):
            return
        problem = tracking_server_problem(self._uri)
        self._looked = time.monotonic()
        if problem is not None:
            raise TrackingServerLost(
                f"the tracking server {redact_uri(self._uri)} stopped answering during the"
                f" run: it {problem}. {self._unsent()} The run stops here; its MLflow run"
                " stays as the server last saw it."
            )
