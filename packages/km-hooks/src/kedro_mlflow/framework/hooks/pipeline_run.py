"""The story of one tracked kedro run, as the pipeline hook tells it: the MLflow run
opened before the first node, tagged with how kedro ran it, and ended with the kedro
run (with the inference model logged at the end of a training PipelineML).

Only a run imports this module (:class:`~.pipeline_hook.MlflowPipelineHook` does, when
kedro first calls it): mlflow and the other packages are imported here, once.
"""

import atexit
import logging
from functools import partial
from typing import Any, Dict, List, Optional, Tuple, cast
from urllib.parse import urlparse

import kedro
import mlflow
from kedro.io import DataCatalog
from kedro.pipeline import Pipeline
from mlflow.entities import RunTag
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from kedro_mlflow.compat.kedro_compat import context_for_run
from kedro_mlflow.compat.mlflow_compat import forget_active_run, max_param_length, max_tag_length
from kedro_mlflow.compat.redaction import redact_uri
from kedro_mlflow.config import KedroMlflowConfig, KedroMlflowConfigError
from kedro_mlflow.config.tracking_setup import check_reachable
from kedro_mlflow.framework.context import get_mlflow_config
from kedro_mlflow.io.common import (
    abandon_deferred,
    defer_logging,
    flush_deferred,
    name_after_catalog,
    pending_deferred,
    set_logging,
)
from kedro_mlflow.mlflow import log_pipeline_ml
from kedro_mlflow.pipeline import PipelineML

from .calls import CLAIMS
from .dataset_inputs import input_sources
from .node_params import pipeline_parameters
from .params_sender import ParamsSender
from .run_opening import (
    check_can_open_run,
    check_run_to_continue,
    follow_experiment_of,
    run_to_continue,
)
from .run_state import STATE, TrackedRun
from .run_tags import run_tags
from .server_watch import ServerWatch, TrackingServerLost
from .termination import exit_on_sigterm, restore_sigterm

# The name the pipeline hook's log lines have always carried (the guide shows them).
logger = logging.getLogger("kedro_mlflow.framework.hooks.pipeline_hook")


def before_pipeline_run(
    run_params: Dict[str, Any], pipeline: Pipeline, catalog: DataCatalog
) -> None:
    """Open the MLflow run of the kedro run, before its first node."""
    if not CLAIMS.claim("before_pipeline_run", run_params):
        return
    config = _fresh_start(run_params)
    pipeline_name = run_params.get("pipeline_name") or "__default__"
    if not _prepare_catalog(catalog, config, pipeline_name):
        return  # mlflow.yml disables tracking for this pipeline
    training = _as_pipeline_ml(pipeline)
    if training is not None:  # an in-memory artifact fails now, not after training
        training.check_artifacts_persisted(catalog)
    _set_up_tracking(config, pipeline, catalog)
    run, owned = _open_run(config, pipeline_name)
    uri = cast(str, config.mlflow_tracking_uri)  # get_mlflow_config resolved a null one
    sender = ParamsSender(uri, run.info.run_id)
    defer_logging()  # the metric datasets' batches, too, leave the nodes' path
    watch = ServerWatch(uri, partial(_unsent, sender))
    STATE.current = TrackedRun(
        config=config,
        run_id=run.info.run_id,
        owned=owned,
        sender=sender,
        watch=watch,
        experiment_id=run.info.experiment_id,
    )
    if owned:  # stopped by SIGTERM, the run is ended KILLED, not left RUNNING
        exit_on_sigterm()
    _follow_inputs(STATE.current, training, pipeline, catalog, pipeline_name)
    _log_run_tags(config, run.info.run_id, run_params)
    logger.info(
        "kedro run %s is tracked in MLflow run %s", run_params.get("run_id"), run.info.run_id
    )


def after_pipeline_run(
    run_params: Dict[str, Any], pipeline: Pipeline, catalog: DataCatalog
) -> None:
    """Send what is queued, log the inference model of a training, end the run FINISHED."""
    if not CLAIMS.claim("after_pipeline_run", run_params):
        return
    try:
        _flush()
        _log_inference_model(pipeline, catalog)
    except Exception:
        _finish("FAILED")
        raise
    _finish("FINISHED")


def on_pipeline_error(error: Exception, run_params: Dict[str, Any]) -> None:
    """Send what can still be sent, end the run FAILED."""
    if not CLAIMS.claim("on_pipeline_error", run_params):
        return
    try:
        _flush()
    except TrackingServerLost as lost:
        if lost is not error:  # the node's error, or our own from the node hook, stands
            logger.error("%s", lost)
    finally:
        _finish("FAILED")


def _fresh_start(run_params: Dict[str, Any]) -> KedroMlflowConfig:
    """End what an interrupted earlier run of this process left; return this run's config."""
    _end_interrupted_run()  # a previous run of this process stopped by Ctrl-C
    STATE.clear()
    _end_interrupted_run_at_exit()
    return get_mlflow_config(context_for_run(run_params))


def _prepare_catalog(catalog: DataCatalog, config: KedroMlflowConfig, pipeline_name: str) -> bool:
    """Get the catalog's metric datasets ready; False when tracking is off for the pipeline.

    Their logging is switched off when mlflow.yml disables tracking for ``pipeline_name``.
    """
    # metrics datasets without a prefix (or key) take their catalog entry's name
    name_after_catalog(catalog)
    if pipeline_name in config.disable_tracking.pipelines:
        STATE.disabled = True
        set_logging(catalog, enabled=False)
        logger.info(
            "mlflow.yml disables tracking for pipeline %r: nothing is logged.", pipeline_name
        )
        return False
    set_logging(catalog, enabled=True)
    return True


def _set_up_tracking(config: KedroMlflowConfig, pipeline: Pipeline, catalog: DataCatalog) -> None:
    """Check a run can be opened, set up the store and experiment, check a run to continue.

    A run to continue must agree with the parameters this pipeline will log.
    """
    check_can_open_run(config)
    experiment_id = config.setup()
    if run_to_continue(config) is not None:
        planned = pipeline_parameters(pipeline, catalog, config.hooks.node, max_param_length())
        check_run_to_continue(config, experiment_id, planned)


def _follow_inputs(
    tracked: TrackedRun,
    training: Optional[PipelineML],
    pipeline: Pipeline,
    catalog: DataCatalog,
    pipeline_name: str,
) -> None:
    """Tell the node hook which node outputs and dataset inputs to keep for the run."""
    # the model's input, made by a node, is kept for its signature at the end of training
    if training is not None and training.input_name in training.all_outputs():
        tracked.model_input_name = training.input_name
    if tracked.config.hooks.pipeline.log_dataset_inputs:
        tracked.input_sources = input_sources(pipeline, catalog)
        tracked.input_context = pipeline_name


def _log_run_tags(config: KedroMlflowConfig, run_id: str, run_params: Dict[str, Any]) -> None:
    """Tag the run with how kedro ran it, in one request."""
    tags = run_tags(run_params, kedro.__version__, max_tag_length())
    MlflowClient(config.mlflow_tracking_uri).log_batch(
        run_id, tags=[RunTag(key, value) for key, value in tags.items()]
    )


def _open_run(config: KedroMlflowConfig, pipeline_name: str) -> Tuple[Any, bool]:
    """The MLflow run this kedro run logs to, and whether the hooks started it (and so
    end it): see :func:`~.run_opening.check_can_open_run` for the rules."""
    active = mlflow.active_run()
    wanted = run_to_continue(config)
    if active is not None and active.info.run_id == wanted:
        return active, False  # the caller's run, left to the caller to end
    nested = active is not None  # checked allowed by check_can_open_run
    if wanted is not None:  # continue that run: its name stays
        if config.run.id is None:  # $MLFLOW_RUN_ID's
            follow_experiment_of(wanted)
        return mlflow.start_run(run_id=wanted, nested=nested), True
    return mlflow.start_run(run_name=config.run.name or pipeline_name, nested=nested), True


def _as_pipeline_ml(pipeline: Pipeline) -> Optional[PipelineML]:
    """The pipeline if it is a training PipelineML, else None."""
    return pipeline if isinstance(pipeline, PipelineML) else None


def _log_inference_model(pipeline: Pipeline, catalog: DataCatalog) -> None:
    """A training PipelineML's run ends with its inference pipeline logged as a model."""
    training = _as_pipeline_ml(pipeline)
    if training is None or STATE.current is None:
        return
    uri = log_pipeline_ml(
        training, catalog, STATE.current.run_id, **STATE.current.kept_model_input()
    )
    logger.info("The inference pipeline is logged as the MLflow model %s", uri)


def _flush() -> None:
    """Every parameter queued by the node hook and every metric batch the datasets
    queued, sent before the run ends: one flush of the run's one background sender,
    which waits for both; raises what could not be sent.

    A server that stopped answering is not waited for (MLflow's retries would take
    minutes): what is queued is given up, and :class:`TrackingServerLost` says what.
    """
    try:
        if STATE.current is not None:
            STATE.current.watch.check(force=True)
    except TrackingServerLost:
        abandon_deferred()
        raise
    finally:
        flush_deferred()


def _unsent(sender: ParamsSender) -> str:
    """What has not reached the server yet, in words."""
    params, saves = sender.pending(), pending_deferred()
    if not params and not saves:
        return "Everything logged so far had reached it."
    return f"Not sent: {params} parameters or tags, and the values of {saves} metric dataset saves."


def _finish(status: str) -> None:
    """End the run the hooks started; leave a run that was active before alone."""
    tracked = STATE.current
    STATE.clear()
    restore_sigterm()
    if tracked is None:
        return
    if not tracked.owned:
        uri = cast(str, tracked.config.mlflow_tracking_uri)
        logger.info(
            "The kedro run ended %s; MLflow run %s stays open for the code that started it%s",
            status,
            tracked.run_id,
            _seen_at(uri, tracked),
        )
        return
    _end(tracked, status)


def _end(tracked: TrackedRun, status: str) -> None:
    """End the run ``tracked`` with ``status`` (a dead server is only reported)."""
    uri = cast(str, tracked.config.mlflow_tracking_uri)  # resolved by get_mlflow_config
    if status != "FINISHED" and not _server_answers(uri):
        # After a failure, do not wait out MLflow's retries on a server that is gone.
        forget_active_run(tracked.run_id)
        logger.error(
            "The tracking server %s does not answer: MLflow run %s could not be marked %s"
            " and stays RUNNING there.",
            redact_uri(uri),
            tracked.run_id,
            status,
        )
        return
    active = mlflow.active_run()
    if active is not None and active.info.run_id == tracked.run_id:
        mlflow.end_run(status=status)
    else:
        MlflowClient(tracked.config.mlflow_tracking_uri).set_terminated(tracked.run_id, status)
    logger.info("MLflow run %s ended %s%s", tracked.run_id, status, _seen_at(uri, tracked))


def _seen_at(uri: str, tracked: TrackedRun) -> str:
    """``; in the MLflow UI: <its page>`` for a run of an HTTP tracking server, else ''."""
    if urlparse(uri).scheme not in ("http", "https") or tracked.experiment_id is None:
        return ""
    server = redact_uri(uri).rstrip("/")
    return (
        f"; in the MLflow UI: {server}/#/experiments/{tracked.experiment_id}/runs/{tracked.run_id}"
    )


def _server_answers(uri: str) -> bool:
    """False when ``uri`` is an HTTP tracking server that does not answer right now."""
    try:
        check_reachable(uri)
    except KedroMlflowConfigError:
        return False
    return True


def _end_interrupted_run() -> None:
    """End KILLED the run of a kedro run that never reached its end hooks.

    kedro calls `on_pipeline_error` for an ``Exception`` only: Ctrl-C (KeyboardInterrupt),
    SIGTERM (see `termination`) or a node's ``sys.exit()`` skip both end hooks, and
    MLflow's own exit handler would then mark the run FINISHED.
    """
    restore_sigterm()
    tracked = STATE.current
    if tracked is None:
        return
    try:
        _flush()  # the parameters of the nodes that started, the metrics saved
    except Exception as error:  # the run is still ended below
        logger.warning(
            "MLflow run %s: not everything saved could be logged: %s", tracked.run_id, error
        )
    STATE.clear()
    try:
        if tracked.owned:
            _end_killed(tracked)
    except Exception as error:
        logger.warning("MLflow run %s was interrupted and not ended: %s", tracked.run_id, error)


def _end_killed(tracked: TrackedRun) -> None:
    """End the run KILLED; FAILED where the store refuses KILLED.

    mlflow 1.9's SQLite schema keeps a status constraint without KILLED (its migration
    adding it does not survive on SQLite): the server answers 500 to KILLED.
    """
    try:
        _end(tracked, "KILLED")
    except MlflowException as error:
        if not _server_answers(cast(str, tracked.config.mlflow_tracking_uri)):
            raise
        logger.warning(
            "The tracking store refused the status KILLED for MLflow run %s (%s);"
            " it is marked FAILED instead.",
            tracked.run_id,
            " ".join(str(error).split())[:200],
        )
        _end(tracked, "FAILED")


_AT_EXIT: List[Any] = []  # the handler, once registered


def _end_interrupted_run_at_exit() -> None:
    """Register `_end_interrupted_run` to run at exit, once, before MLflow's own handler.

    Exit handlers run last registered first; mlflow registers its own on import, and
    this module imports mlflow before it is run.
    """
    if not _AT_EXIT:
        atexit.register(_end_interrupted_run)
        _AT_EXIT.append(_end_interrupted_run)
