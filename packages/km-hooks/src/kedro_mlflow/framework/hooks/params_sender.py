"""A tracked run's parameters, handed to the one background sender of the run.

Parameters and the metric datasets' batches leave the nodes' critical path through the
same thread (:mod:`kedro_mlflow.io.common.deferred`, which the metric datasets need
without the hooks): the pipeline hook starts it with the run and flushes it once, for
both, before it ends the run. This handle only remembers which run the node hook's
parameters go to.
"""

from typing import Dict

from kedro_mlflow.io.common.deferred import log_params, pending_parameters, wait_for_parameters

__all__ = ["ParamsSender"]


class ParamsSender:
    """Queues a run's parameters on the run's background sender."""

    def __init__(self, tracking_uri: str, run_id: str) -> None:
        self._tracking_uri = tracking_uri
        self._run_id = run_id

    def send(self, params: Dict[str, str], tags: Dict[str, str]) -> None:
        """Queue a node's parameters and tags (sent at once in a ParallelRunner worker)."""
        log_params(self._tracking_uri, self._run_id, params, tags)

    def pending(self) -> int:
        """How many parameters and tags are queued and not sent yet."""
        return pending_parameters()

    def flush(self) -> None:
        """Send what is queued now and wait for it (a node about to fail keeps its other
        parameters in the run); raise what sending raised, if anything."""
        wait_for_parameters()
