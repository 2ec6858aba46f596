"""The pipeline's input datasets, recorded as MLflow dataset inputs of the run.

Off by default (`hooks.pipeline.log_dataset_inputs` in mlflow.yml); mlflow >= 2.4
only. The data is described as the node hook receives it, already loaded: nothing
is read twice.
"""

import logging
from typing import Any, Dict, Optional

from kedro.io import DataCatalog
from kedro.pipeline import Pipeline
from mlflow.tracking import MlflowClient

from kedro_mlflow.compat.kedro_compat import catalog_dataset, dataset_description
from kedro_mlflow.compat.mlflow_compat import dataset_input

from .run_state import TrackedRun

logger = logging.getLogger(__name__)


def input_sources(pipeline: Pipeline, catalog: DataCatalog) -> Dict[str, Optional[str]]:
    """The pipeline's free inputs but parameters, each with the file it is read from."""
    sources: Dict[str, Optional[str]] = {}
    for name in sorted(pipeline.inputs()):
        if name == "parameters" or name.startswith("params:"):
            continue
        dataset = catalog_dataset(catalog, name)
        try:
            described = dataset_description(dataset) if dataset is not None else {}
            filepath = described.get("filepath")
        except Exception:  # a dataset's own description may fail; it is only a label
            filepath = None
        sources[name] = str(filepath) if filepath else None
    return sources


def record_inputs(tracked: TrackedRun, inputs: Dict[str, Any]) -> None:
    """Log, once per run, each of ``inputs`` that is one of the pipeline's free inputs."""
    names = [n for n in inputs if n in tracked.input_sources and n not in tracked.logged_inputs]
    if not names:
        return
    records = []
    for name in names:
        tracked.logged_inputs.add(name)
        try:
            record = dataset_input(
                name, inputs[name], tracked.input_sources[name], tracked.input_context
            )
        except Exception as error:  # describing data must never fail the user's run
            logger.warning("Dataset %r is not recorded as an MLflow input: %s", name, error)
            continue
        if record is not None:
            records.append(record)
    if records:
        MlflowClient(tracked.config.mlflow_tracking_uri).log_inputs(tracked.run_id, records)
