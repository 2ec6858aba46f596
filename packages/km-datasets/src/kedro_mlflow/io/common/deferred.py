"""Logging calls sent off the nodes' critical path while a tracked kedro run lasts.

Outside a kedro run, a save logs before it returns, as MLflow's own API does. Inside a
run tracked by kedro-mlflow's hooks, the hooks call :func:`defer_logging` when the run
starts: from then on the metric datasets check their data and build their batches in
the node, and one thread of this process sends them while the next nodes run. The
hooks call :func:`flush_deferred` before they end the MLflow run (after success,
failure or Ctrl-C), so everything saved is in the run before its status is set, and a
batch that could not be sent fails the kedro run. A load waits for what is pending
first. In a worker process of ParallelRunner there is no sending thread: saves send at
once there.
"""

import atexit
import logging
import os
import queue
import threading
from typing import Any, Callable, List, Optional

__all__ = [
    "abandon_deferred",
    "defer_logging",
    "deferring",
    "flush_deferred",
    "log_call",
    "pending_deferred",
    "wait_for_deferred",
]

logger = logging.getLogger(__name__)


class _Sender:
    """One background thread that makes the queued calls, in order."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self._queue: queue.Queue = queue.Queue()  # of calls
        self._errors: List[BaseException] = []
        thread = threading.Thread(target=self._work, name="kedro-mlflow-logging", daemon=True)
        thread.start()

    def submit(self, call: Callable[[], Any]) -> None:
        self._queue.put(call)

    def pending(self) -> int:
        """Queued calls not made yet (the one being made included)."""
        return self._queue.unfinished_tasks

    def wait(self) -> None:
        """Return once every queued call is made; raise the first error any of them raised."""
        self._queue.join()
        if self._errors:
            error, self._errors = self._errors[0], []
            raise error

    def _work(self) -> None:
        while True:
            call = self._queue.get()
            try:
                call()
            except BaseException as error:  # raised to the hooks by wait()
                self._errors.append(error)
            finally:
                self._queue.task_done()


_SENDER: Optional[_Sender] = None


def defer_logging() -> None:
    """Send the datasets' logging calls in the background until :func:`flush_deferred`."""
    global _SENDER
    if _SENDER is None or _SENDER.pid != os.getpid():
        _SENDER = _Sender()
        _flush_at_exit()


def deferring() -> bool:
    """True when saves of this process are sent in the background."""
    return _SENDER is not None and _SENDER.pid == os.getpid()


def log_call(call: Callable[[], Any]) -> None:
    """Make ``call`` now, or queue it while logging is deferred in this process."""
    if deferring():
        _SENDER.submit(call)  # type: ignore[union-attr]
    else:
        call()


def wait_for_deferred() -> None:
    """Wait until every queued call is made (a load reads what was saved before it)."""
    if deferring():
        _SENDER.wait()  # type: ignore[union-attr]


def flush_deferred() -> None:
    """Make every queued call, stop deferring, and raise the first error any call raised."""
    global _SENDER
    sender, _SENDER = (_SENDER, None) if deferring() else (None, _SENDER)
    if sender is not None:
        sender.wait()


def pending_deferred() -> int:
    """How many saves of this process wait to be sent (0 when not deferring)."""
    return _SENDER.pending() if deferring() else 0  # type: ignore[union-attr]


def abandon_deferred() -> int:
    """Stop deferring without waiting for what is queued (the tracking server is gone:
    waiting would outlast MLflow's retries); the number of saves left unsent."""
    global _SENDER
    left = pending_deferred()
    if deferring():
        _SENDER = None
    return left


_REGISTERED: List[bool] = []


def _flush_at_exit() -> None:
    # A process that ends without the hooks' end (a crash in a script) still sends
    # what its nodes saved; exit handlers run last-registered first, so this runs
    # before mlflow's own handler ends the active run.
    if not _REGISTERED:
        atexit.register(_flush_quietly)
        _REGISTERED.append(True)


def _flush_quietly() -> None:
    try:
        flush_deferred()
    except Exception as error:
        logger.error("kedro-mlflow: metrics saved during the run could not be logged: %s", error)
