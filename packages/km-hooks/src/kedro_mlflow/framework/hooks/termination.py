"""SIGTERM or SIGHUP during a tracked kedro run: stop as Ctrl-C does, so the run is
ended KILLED instead of left RUNNING."""

import logging
import os
import signal
import threading
from typing import Any, List

logger = logging.getLogger(__name__)

# SIGTERM: `docker stop`, Kubernetes, schedulers. SIGHUP: the terminal or ssh session
# that started `kedro run` was closed. Both end the process at once by default.
STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
)

_INSTALLED: List[int] = []  # the pid that set our handlers, while they are set


def exit_on_sigterm() -> None:
    """While a run is tracked, make SIGTERM and SIGHUP raise ``SystemExit(128 + signal)``
    in the main thread.

    Python's default action for them ends the process at once: no exit handler runs
    and the MLflow run stays RUNNING for ever. ``SystemExit`` unwinds instead, and the
    hooks' exit handler ends the run KILLED. Only a default action is replaced (a
    handler set by the user, an orchestrator or `nohup` stays as it is), and only from
    the main thread, the one place Python lets a handler be set.
    """
    if _INSTALLED or threading.current_thread() is not threading.main_thread():
        return
    replaced = False
    for number in STOP_SIGNALS:
        if signal.getsignal(number) is signal.SIG_DFL:
            signal.signal(number, _on_stop_signal)
            replaced = True
    if replaced:
        _INSTALLED.append(os.getpid())


def restore_sigterm() -> None:
    """Give SIGTERM and SIGHUP their default action back where
    :func:`exit_on_sigterm` replaced it."""
    if not _INSTALLED:
        return
    _INSTALLED.clear()
    if threading.current_thread() is not threading.main_thread():
        return
    for number in STOP_SIGNALS:
        if signal.getsignal(number) is _on_stop_signal:
            signal.signal(number, signal.SIG_DFL)


def _on_stop_signal(signum: int, frame: Any) -> None:
    if _INSTALLED and _INSTALLED[0] != os.getpid():
        # A process forked during the run (a ParallelRunner worker) does not own the
        # run: it dies as it would have without us.
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        return
    restore_sigterm()  # a second signal ends the process at once, as by default
    name = signal.Signals(signum).name
    logger.warning("%s received: the kedro run stops and its MLflow run ends KILLED.", name)
    raise SystemExit(128 + signum)
