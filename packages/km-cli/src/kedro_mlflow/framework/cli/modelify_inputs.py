"""What `kedro mlflow modelify` checks and gathers before it opens a run.

Imported only when the command runs (it imports kedro's datasets and km-pipelineml).
Every function raises ``click.ClickException`` with a message naming the pipeline and
the datasets at fault, so the command stops before anything is logged.
"""

import re
import shutil
from pathlib import Path
from typing import Any, Dict, List, Mapping, Set, Tuple

import click
from kedro.extras.datasets.pickle import PickleDataSet
from kedro.io import DataCatalog
from kedro.pipeline import Pipeline

from kedro_mlflow.pipeline.artifacts import catalog_entry, current_file, persistence_problem
from kedro_mlflow.pipeline.errors import quoted


def registered_pipeline(pipelines: Mapping[str, Pipeline], name: str) -> Pipeline:
    """The pipeline registered as ``name``, or an error listing the registered ones."""
    if name not in pipelines:
        raise click.ClickException(
            f"No pipeline named {name!r} is registered in this project; the registered"
            f" pipelines are: {quoted(pipelines) or 'none'}."
        )
    return pipelines[name]


def check_model_shape(pipeline: Pipeline, name: str, input_name: str) -> str:
    """Check ``input_name`` is a free input and there is one output; return that output."""
    outputs = pipeline.outputs()
    if len(outputs) != 1:
        raise click.ClickException(
            f"Pipeline {name!r} has {len(outputs)} outputs ({quoted(outputs) or 'none'}): a"
            " model returns one prediction, so modelify needs a pipeline with exactly one"
            " output. Register a pipeline that ends in the prediction."
        )
    if input_name not in pipeline.inputs():
        raise click.ClickException(
            f"--input-name {input_name!r} is not a free input of pipeline {name!r} (a dataset"
            " that no node of it produces); its free inputs are:"
            f" {quoted(pipeline.inputs()) or 'none'}."
        )
    return next(iter(outputs))


def gather_artifacts(
    catalog: DataCatalog, pipeline: Pipeline, name: str, input_name: str, folder: Path
) -> Tuple[DataCatalog, Dict[str, str]]:
    """Make every free input but ``input_name`` a file the model can ship.

    Datasets saved to a local file are shipped as they are; any other input the catalog
    can load (parameters, in-memory values, remote files) is pickled into ``folder``.
    Returns a catalog whose entries say how to read each file back (only those: the
    others may hold credentials), and the ``artifacts`` argument of
    ``mlflow.pyfunc.log_model``.
    """
    entries: Dict[str, Any] = {}
    paths: Dict[str, str] = {}
    problems: List[str] = []
    # mlflow copies every artifact into one folder under its file name: keep names unique.
    used: Set[str] = set()
    for dataset in sorted(pipeline.inputs() - {input_name}):
        if not persistence_problem(catalog, dataset):
            try:
                path = current_file(catalog, dataset)
            except Exception as error:  # kedro's VersionNotFoundError and friends
                problems.append(f"{dataset!r} ({_one_line(error)})")
                continue
            if not path.exists():
                problems.append(f"{dataset!r} (its file {path} does not exist yet)")
                continue
            entries[dataset] = catalog_entry(catalog, dataset)
            paths[dataset] = str(_unique_copy(path, folder, used))
            continue
        try:
            value = catalog.load(dataset)
        except Exception as error:  # DataSetNotFoundError, DataSetError, ...
            problems.append(f"{dataset!r} ({_one_line(error)})")
            continue
        target = folder / _unique_name(_safe(dataset) + ".pkl", used)
        try:
            PickleDataSet(filepath=str(target)).save(value)
        except Exception as error:
            problems.append(f"{dataset!r} (its value cannot be pickled: {_one_line(error)})")
            continue
        entries[dataset] = PickleDataSet(filepath=str(target))
        paths[dataset] = str(target)
    if problems:
        raise click.ClickException(
            f"Pipeline {name!r} cannot be logged as a model: the model ships every free input"
            f" but --input-name {input_name!r}, and the catalog cannot load these: "
            + "; ".join(problems)
            + ". Declare them in the catalog with a saved file (or run the pipeline that"
            " saves them), or choose another --input-name."
        )
    return DataCatalog(entries), paths


def load_input(catalog: DataCatalog, input_name: str) -> Any:
    """``input_name``'s data, for ``--infer-signature``."""
    try:
        return catalog.load(input_name)
    except Exception as error:
        raise click.ClickException(
            f"--infer-signature needs the data of {input_name!r}, which the catalog cannot"
            f" load ({_one_line(error)}). Save it in the catalog, or leave out"
            " --infer-signature."
        ) from None


def _unique_copy(path: Path, folder: Path, used: Set[str]) -> Path:
    """``path`` itself, or a copy in ``folder`` when its file name is already taken."""
    name = _unique_name(path.name, used)
    if name == path.name:
        return path
    target = folder / name
    if path.is_dir():
        shutil.copytree(str(path), str(target))
    else:
        shutil.copy2(str(path), str(target))
    return target


def _unique_name(name: str, used: Set[str]) -> str:
    candidate, number = name, 1
    while candidate in used:
        number += 1
        candidate = f"{number}-{name}"
    used.add(candidate)
    return candidate


def _safe(dataset: str) -> str:
    """A file name for a dataset name like ``params:model.alpha``."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", dataset)


def _one_line(error: Exception) -> str:
    return " ".join(str(error).split()) or type(error).__name__
