"""SIGTERM during a tracked kedro run: stop as Ctrl-C does, so the run is ended KILLED."""

import logging
import os
import signal
import threading
from typing import Any, List

logger = logging.getLogger(__name__)

_INSTALLED: List[int] = []  # the pid that set our handler, while it is set


def exit_on_sigterm() -> None:
    """While a run is tracked, make SIGTERM raise ``SystemExit(143)`` in the main thread.

    Python's default action for SIGTERM (what `docker stop`, Kubernetes and most
    schedulers send) ends the process at once: no exit handler runs and the MLflow run
    stays RUNNING for ever. ``SystemExit`` unwinds instead, and the hooks' exit handler
    ends the run KILLED. Only the default action is replaced (a handler set by the
    user or an orchestrator stays theirs), and only from the main thread, the one
    place Python lets a handler be set.
    """
    if _INSTALLED or threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        return
    signal.signal(signal.SIGTERM, _on_sigterm)
    _INSTALLED.append(os.getpid())


def restore_sigterm() -> None:
    """Give SIGTERM its default action back, if :func:`exit_on_sigterm` replaced it."""
    if not _INSTALLED:
        return
    _INSTALLED.clear()
    on_main_thread = threading.current_thread() is threading.main_thread()
    if on_main_thread and signal.getsignal(signal.SIGTERM) is _on_sigterm:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _on_sigterm(signum: int, frame: Any) -> None:
    if _INSTALLED and _INSTALLED[0] != os.getpid():
        # A process forked during the run (a ParallelRunner worker) does not own the
        # run: it dies as it would have without us.
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)
        return
    restore_sigterm()  # a second SIGTERM ends the process at once, as by default
    logger.warning("SIGTERM received: the kedro run stops and its MLflow run ends KILLED.")
    raise SystemExit(128 + signum)
