"""mlflow's process-wide state, put back between tests.

mlflow's fluent API keeps a tracking URI, a selected experiment and a stack of active
runs for the whole process, and reads ``MLFLOW_*`` variables from the environment: a
test that changes one of them changes it for every later test of the same worker. The
helpers here leave a test with a known state and give the previous one back after it.

The selected experiment has no public setter that clears it, so ``forget_experiment``
resets mlflow's private module attribute; only tests need that, so it lives here, not in
km-compat (whose names serve the packages).
"""

import contextlib
import os
from typing import Any, Dict, Iterable, Iterator, Mapping, Optional

import mlflow

# What a process inherits that points mlflow's fluent API at a store, an experiment, a run.
TRACKING_VARIABLES = (
    "MLFLOW_TRACKING_URI",
    "MLFLOW_RUN_ID",
    "MLFLOW_EXPERIMENT_NAME",
    "MLFLOW_EXPERIMENT_ID",
)


def end_active_runs() -> None:
    """End every run this process has active, the innermost first (nested ones too)."""
    while mlflow.active_run() is not None:
        mlflow.end_run()


def forget_experiment(monkeypatch: Any) -> None:
    """Unselect the experiment an earlier test selected (``mlflow.set_experiment``).

    That experiment belongs to another store; with it unselected, the next run goes to
    the default experiment of the current store. ``monkeypatch`` (pytest's fixture) puts
    the previous selection back when the test ends.
    """
    monkeypatch.setattr(mlflow.tracking.fluent, "_active_experiment_id", None, raising=False)


def clear_tracking_variables(monkeypatch: Any, names: Iterable[str] = TRACKING_VARIABLES) -> None:
    """Remove the ``MLFLOW_*`` tracking variables from this process's environment for the
    test (a developer's shell may set them); ``monkeypatch`` restores them after it."""
    for name in names:
        monkeypatch.delenv(name, raising=False)


def environ_without_tracking(environ: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
    """A copy of ``environ`` (default: ``os.environ``) for a subprocess, without the
    variables that would point its mlflow at another store or run (the tracking URI, the
    run ID): the project's own mlflow.yml decides."""
    source = os.environ if environ is None else environ
    return {k: v for k, v in source.items() if k not in ("MLFLOW_TRACKING_URI", "MLFLOW_RUN_ID")}


@contextlib.contextmanager
def tracking_at(uri: str, monkeypatch: Any = None, unset_after: bool = False) -> Iterator[str]:
    """mlflow's fluent API tracks to ``uri`` for the block.

    With ``monkeypatch``, no experiment is selected inside the block (see
    ``forget_experiment``). When the block ends, the runs still active are ended (in
    ``uri``'s store, where they started) and the tracking URI from before is set again;
    ``unset_after`` unsets it instead, so that mlflow falls back to
    ``$MLFLOW_TRACKING_URI`` or ``./mlruns`` as in a fresh process.
    """
    previous = mlflow.get_tracking_uri()
    if monkeypatch is not None:
        forget_experiment(monkeypatch)
    mlflow.set_tracking_uri(uri)
    try:
        yield uri
    finally:
        end_active_runs()
        mlflow.set_tracking_uri(None if unset_after else previous)
