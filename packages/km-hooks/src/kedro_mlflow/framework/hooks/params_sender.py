"""Parameters sent to MLflow off the nodes' critical path, and flushed at the end.

A node's parameters are queued as it starts; one thread sends what is queued, merged
into as few `log_batch` requests as MLflow's limits allow: it waits up to a second for
a batch to fill (a SQL store reads all of a run's parameters back at each batch, so
many small batches cost far more than a few full ones). The pipeline hook flushes the
queue before it ends the run, so the parameters of every node that ran are in the run,
also when the pipeline fails. In a worker process of ParallelRunner the thread
would not outlive the task, so there the parameters are sent right away.
"""

import os
import queue
import threading
import time
from typing import Any, Dict, List, Optional, Tuple

# MLflow refuses larger batches (params and tags per `log_batch` request).
_MAX_PER_BATCH = 100
# How long the thread waits for more parameters before it sends a batch that is not full.
_LINGER = 1.0
_WAKE = None  # queued by flush(): send what is pending now

Batch = Tuple[Dict[str, str], Dict[str, str]]


class ParamsSender:
    """Sends (params, tags) batches to one run, from a background thread."""

    def __init__(self, tracking_uri: str, run_id: str) -> None:
        self._tracking_uri = tracking_uri
        self._run_id = run_id
        self._pid = os.getpid()
        self._queue = queue.Queue()  # of Batch
        self._error: Optional[BaseException] = None
        self._pending = 0  # values queued and not yet sent
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._work, name="kedro-mlflow-params", daemon=True)
        self._thread.start()

    def send(self, params: Dict[str, str], tags: Dict[str, str]) -> None:
        """Queue a node's parameters (sent at once in a ParallelRunner worker)."""
        if os.getpid() != self._pid:
            self._log(params, tags)
        else:
            with self._lock:
                self._pending += len(params) + len(tags)
            self._queue.put((params, tags))

    def pending(self) -> int:
        """How many parameters and tags are queued and not sent yet."""
        with self._lock:
            return self._pending

    def flush(self) -> None:
        """Wait until everything queued is sent; raise what sending raised, if anything."""
        self._queue.put(_WAKE)
        self._queue.join()
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def _collect(self) -> List[Optional[Batch]]:
        """What is queued, once a batch is full, ``_LINGER`` passed or flush() asks."""
        pending: List[Optional[Batch]] = [self._queue.get()]
        size = 0
        deadline = time.monotonic() + _LINGER
        while pending[-1] is not _WAKE:
            size += sum(map(len, pending[-1]))  # type: ignore[arg-type]
            remaining = deadline - time.monotonic()
            if size >= _MAX_PER_BATCH or remaining <= 0:
                break
            try:
                pending.append(self._queue.get(timeout=remaining))
            except queue.Empty:
                break
        return pending

    def _work(self) -> None:
        while True:
            pending = self._collect()
            try:
                params: Dict[str, str] = {}
                tags: Dict[str, str] = {}
                for batch in pending:
                    if batch is not _WAKE:
                        params.update(batch[0])
                        tags.update(batch[1])
                if params or tags:
                    self._log(params, tags)
            except BaseException as error:  # kept for flush(), which the hook calls
                self._error = self._error or error
            finally:
                sent = sum(len(b[0]) + len(b[1]) for b in pending if b is not _WAKE)
                with self._lock:
                    self._pending -= sent
                for _ in pending:
                    self._queue.task_done()

    def _log(self, params: Dict[str, str], tags: Dict[str, str]) -> None:
        from mlflow.entities import Param, RunTag
        from mlflow.tracking import MlflowClient

        client = MlflowClient(self._tracking_uri)
        param_items: List[Any] = [Param(k, v) for k, v in params.items()]
        tag_items: List[Any] = [RunTag(k, v) for k, v in tags.items()]
        while param_items or tag_items:
            client.log_batch(
                self._run_id,
                params=param_items[:_MAX_PER_BATCH],
                tags=tag_items[:_MAX_PER_BATCH],
            )
            param_items = param_items[_MAX_PER_BATCH:]
            tag_items = tag_items[_MAX_PER_BATCH:]
