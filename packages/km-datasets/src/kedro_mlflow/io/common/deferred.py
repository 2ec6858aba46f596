"""The one background sender of a tracked kedro run: parameters and metric batches.

Outside a kedro run, a save logs before it returns, as MLflow's own API does. Inside a
run tracked by kedro-mlflow's hooks, the hooks call :func:`defer_logging` when the run
starts; from then on one thread of this process sends, while the next nodes run:

- the metric datasets' logging calls (:func:`log_call`), checked and built in the node,
  made in the order they were queued;
- the nodes' parameters and tags (:func:`log_params`), merged across nodes into as few
  ``log_batch`` requests as MLflow's limits allow: a batch waits up to a second to
  fill, as a SQL store reads all of a run's parameters back at each request.

The hooks call :func:`flush_deferred` once before they end the MLflow run (after
success, failure or Ctrl-C): it waits for both, so everything is in the run before its
status is set, and what could not be sent fails the kedro run. A load waits for the
pending metric calls first. A dead server is not waited for: :func:`abandon_deferred`
gives the queue up. In a worker process of ParallelRunner there is no sending thread
(it would not outlive the task): everything is sent at once there.
"""

import atexit
import logging
import os
import queue
import threading
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

from mlflow.entities import Param, RunTag
from mlflow.tracking import MlflowClient

__all__ = [
    "abandon_deferred",
    "defer_logging",
    "deferring",
    "flush_deferred",
    "log_call",
    "log_params",
    "pending_deferred",
    "pending_parameters",
    "wait_for_deferred",
    "wait_for_parameters",
]

logger = logging.getLogger(__name__)

# MLflow refuses larger batches (params and tags per `log_batch` request).
MAX_PARAMS_PER_BATCH = 100
# How long queued parameters wait for more before a batch that is not full is sent.
PARAMS_LINGER = 1.0

# What is queued, told apart so that each waiter waits for, and raises, its own kind:
# a load waits for the metric calls, the node hook for the parameters, the end for both.
_CALLS = "calls"
_PARAMS = "params"
_BOTH = (_CALLS, _PARAMS)


class _Params:
    """Parameters and tags for one run, merged from one or more nodes."""

    def __init__(
        self, tracking_uri: str, run_id: str, params: Dict[str, str], tags: Dict[str, str]
    ) -> None:
        self.target = (tracking_uri, run_id)
        self.params = dict(params)
        self.tags = dict(tags)
        self.count = len(params) + len(tags)  # as queued: what pending_parameters() counts

    def merge(self, other: "_Params") -> None:
        self.params.update(other.params)
        self.tags.update(other.tags)
        self.count += other.count


_WAKE = object()  # a waiter asks for the parameters queued so far to be sent now
_STOP = object()  # the run ended: the thread ends once it gets here


class _Sender:
    """One thread that makes the queued calls in order and sends the queued parameters."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self._queue: queue.Queue[Any] = queue.Queue()
        self._changed = threading.Condition()
        self._pending = {_CALLS: 0, _PARAMS: 0}  # metric calls; parameter and tag values
        self._errors: List[Tuple[str, BaseException]] = []  # in the order they happened
        self._given_up = False
        thread = threading.Thread(target=self._work, name="kedro-mlflow-logging", daemon=True)
        thread.start()

    def submit_call(self, call: Callable[[], Any]) -> None:
        with self._changed:
            self._pending[_CALLS] += 1
        self._queue.put(call)

    def submit_params(self, batch: _Params) -> None:
        with self._changed:
            self._pending[_PARAMS] += batch.count
        self._queue.put(batch)

    def pending(self, kind: str) -> int:
        """Calls (or parameter values) queued and not done yet, the one in progress included."""
        with self._changed:
            return self._pending[kind]

    def wait(self, kinds: Tuple[str, ...]) -> None:
        """Return once everything of ``kinds`` queued is done; raise the first error
        those raised (each error is raised once)."""
        if _PARAMS in kinds:
            self._queue.put(_WAKE)
        with self._changed:
            self._changed.wait_for(lambda: all(self._pending[kind] == 0 for kind in kinds))
            raised = [error for kind, error in self._errors if kind in kinds]
            self._errors = [(kind, error) for kind, error in self._errors if kind not in kinds]
        if raised:
            raise raised[0]

    def stop(self, give_up: bool = False) -> None:
        """End the thread once it has done what is queued, or at once with ``give_up``."""
        self._given_up = give_up
        self._queue.put(_STOP)

    def _work(self) -> None:
        lingering: Optional[_Params] = None  # parameters waiting for more to join them
        deadline = 0.0
        while True:
            timeout = None if lingering is None else max(0.0, deadline - time.monotonic())
            try:
                item = self._queue.get(timeout=timeout)
            except queue.Empty:
                item = _WAKE  # waited long enough: the batch goes as it is
            if self._given_up:
                item = _STOP
            if isinstance(item, _Params):
                if lingering is not None and lingering.target != item.target:
                    self._send(lingering)
                    lingering = None
                if lingering is None:
                    lingering, deadline = item, time.monotonic() + PARAMS_LINGER
                else:
                    lingering.merge(item)
                if lingering.count >= MAX_PARAMS_PER_BATCH:
                    self._send(lingering)
                    lingering = None
            elif item is _WAKE or item is _STOP:
                if lingering is not None and not self._given_up:
                    self._send(lingering)
                lingering = None
                if item is _STOP:
                    return
            else:  # a metric dataset's call; parameters lingering meanwhile keep waiting
                self._make(item)

    def _make(self, call: Callable[[], Any]) -> None:
        try:
            call()
        except BaseException as error:  # raised to the waiter: a load, or the hooks' flush
            self._failed(_CALLS, error)
        finally:
            self._done(_CALLS, 1)

    def _send(self, batch: _Params) -> None:
        try:
            _send_params(*batch.target, batch.params, batch.tags)
        except BaseException as error:  # raised to the node hook's or the hooks' flush
            self._failed(_PARAMS, error)
        finally:
            self._done(_PARAMS, batch.count)

    def _failed(self, kind: str, error: BaseException) -> None:
        with self._changed:
            self._errors.append((kind, error))

    def _done(self, kind: str, count: int) -> None:
        with self._changed:
            self._pending[kind] -= count
            self._changed.notify_all()


_SENDER: Optional[_Sender] = None


def _active() -> Optional[_Sender]:
    """This process's sender while logging is deferred (a forked worker has none)."""
    return _SENDER if _SENDER is not None and _SENDER.pid == os.getpid() else None


def defer_logging() -> None:
    """Send parameters and the datasets' logging calls in the background until
    :func:`flush_deferred`."""
    global _SENDER
    if _active() is None:
        _SENDER = _Sender()
        _flush_at_exit()


def deferring() -> bool:
    """True when saves of this process are sent in the background."""
    return _active() is not None


def log_call(call: Callable[[], Any]) -> None:
    """Make ``call`` now, or queue it while logging is deferred in this process."""
    sender = _active()
    if sender is not None:
        sender.submit_call(call)
    else:
        call()


def log_params(
    tracking_uri: str, run_id: str, params: Dict[str, str], tags: Dict[str, str]
) -> None:
    """Log parameters and tags to a run: queued while logging is deferred in this
    process (merged with other nodes' into few requests), else sent now."""
    sender = _active()
    if sender is not None:
        sender.submit_params(_Params(tracking_uri, run_id, params, tags))
    else:
        _send_params(tracking_uri, run_id, params, tags)


def _send_params(
    tracking_uri: str, run_id: str, params: Dict[str, str], tags: Dict[str, str]
) -> None:
    """Log parameters and tags to a run now, in as few requests as MLflow allows."""

    client = MlflowClient(tracking_uri)
    param_items: List[Any] = [Param(key, value) for key, value in params.items()]
    tag_items: List[Any] = [RunTag(key, value) for key, value in tags.items()]
    while param_items or tag_items:
        client.log_batch(
            run_id,
            params=param_items[:MAX_PARAMS_PER_BATCH],
            tags=tag_items[:MAX_PARAMS_PER_BATCH],
        )
        param_items = param_items[MAX_PARAMS_PER_BATCH:]
        tag_items = tag_items[MAX_PARAMS_PER_BATCH:]


def wait_for_deferred() -> None:
    """Wait until every queued metric call is made (a load reads what was saved before
    it); raise the first error one of them raised."""
    sender = _active()
    if sender is not None:
        sender.wait((_CALLS,))


def wait_for_parameters() -> None:
    """Send the queued parameters now and wait for them; raise the first error sending
    them raised."""
    sender = _active()
    if sender is not None:
        sender.wait((_PARAMS,))


def flush_deferred() -> None:
    """Send everything queued (parameters and metric calls), stop deferring, and raise
    the first error anything queued raised."""
    global _SENDER
    sender = _active()
    if sender is None:
        return
    _SENDER = None
    try:
        sender.wait(_BOTH)
    finally:
        sender.stop()


def pending_deferred() -> int:
    """How many saves of this process wait to be sent (0 when not deferring)."""
    sender = _active()
    return sender.pending(_CALLS) if sender is not None else 0


def pending_parameters() -> int:
    """How many parameter and tag values wait to be sent (0 when not deferring)."""
    sender = _active()
    return sender.pending(_PARAMS) if sender is not None else 0


def abandon_deferred() -> int:
    """Stop deferring without waiting for what is queued (the tracking server is gone:
    waiting would outlast MLflow's retries); the number of saves left unsent.

    What is queued is dropped; a request in progress ends as MLflow's client ends it.
    """
    global _SENDER
    sender = _active()
    if sender is None:
        return 0
    left = sender.pending(_CALLS)
    _SENDER = None
    sender.stop(give_up=True)
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
        logger.error(
            "kedro-mlflow: parameters or metrics saved during the run could not be logged: %s",
            error,
        )
