"""What `kedro mlflow modelify` checks and gathers before it opens a run.

Imported only when the command runs (it imports kedro's datasets and km-pipelineml).
Every function raises ``click.ClickException`` with a message naming the pipeline and
the datasets at fault, so the command stops before anything is logged.
"""

import ast
import re
import shutil
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Set, Tuple, Union

import click
import yaml
from kedro.extras.datasets.pickle import PickleDataSet
from kedro.io import DataCatalog
from kedro.pipeline import Pipeline
from packaging.requirements import InvalidRequirement, Requirement

from kedro_mlflow.pipeline.artifacts import catalog_entry, current_file, persistence_problem
from kedro_mlflow.pipeline.copy_modes import COPY_MODES
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
        ship = _saved_file if not persistence_problem(catalog, dataset) else _pickled_value
        try:
            entries[dataset], path = ship(catalog, dataset, folder, used)
        except _ArtifactProblem as problem:
            problems.append(f"{dataset!r} ({problem})")
            continue
        paths[dataset] = str(path)
    if problems:
        raise click.ClickException(
            f"Pipeline {name!r} cannot be logged as a model: the model ships every free input"
            f" but --input-name {input_name!r}, and the catalog cannot load these: "
            + "; ".join(problems)
            + ". Declare them in the catalog with a saved file (or run the pipeline that"
            " saves them), or choose another --input-name."
        )
    return DataCatalog(entries), paths


class _ArtifactProblem(Exception):
    """Why one input cannot ship with the model; gathered with the others' into one error."""


def _saved_file(
    catalog: DataCatalog, dataset: str, folder: Path, used: Set[str]
) -> Tuple[Any, Path]:
    """The catalog entry of a dataset saved to a local file, and that file to ship."""
    try:
        path = current_file(catalog, dataset)
    except Exception as error:  # kedro's VersionNotFoundError and friends
        raise _ArtifactProblem(_one_line(error)) from None
    if not path.exists():
        raise _ArtifactProblem(f"its file {path} does not exist yet")
    return catalog_entry(catalog, dataset), _unique_copy(path, folder, used)


def _pickled_value(
    catalog: DataCatalog, dataset: str, folder: Path, used: Set[str]
) -> Tuple[Any, Path]:
    """A pickle file in ``folder`` holding the dataset's value, and the entry that reads it."""
    try:
        value = catalog.load(dataset)
    except Exception as error:  # DataSetNotFoundError, DataSetError, ...
        raise _ArtifactProblem(_one_line(error)) from None
    target = folder / _unique_name(_safe(dataset) + ".pkl", used)
    try:
        PickleDataSet(filepath=str(target)).save(value)
    except Exception as error:
        raise _ArtifactProblem(f"its value cannot be pickled: {_one_line(error)}") from None
    return PickleDataSet(filepath=str(target)), target


def load_input(catalog: DataCatalog, input_name: str, reason: str = "--infer-signature") -> Any:
    """``input_name``'s data, for the options named in ``reason``."""
    try:
        return catalog.load(input_name)
    except Exception as error:
        raise click.ClickException(
            f"{reason} needs the data of {input_name!r}, which the catalog cannot"
            f" load ({_one_line(error)}). Save it in the catalog, or leave out {reason}."
        ) from None


def first_row(data: Any) -> Any:
    """The first row of ``data`` (all of it when it has no rows), for ``--infer-input-example``.

    One row is enough to show the input's layout, and it keeps the example small.
    """
    rows = getattr(data, "iloc", data)  # pandas objects slice by position through .iloc
    try:
        return rows[:1]
    except Exception:  # a dict, a scalar: mlflow takes it as it is
        return data


def bad_value(option: str, expected: str, value: Any) -> click.ClickException:
    """The one error every malformed option value gives: the option, what it takes, the value."""
    return click.ClickException(f"Invalid value for {option}: expected {expected}, got {value!r}.")


def parse_copy_mode(value: Optional[str], datasets: Iterable[str]) -> Any:
    """``--copy-mode``: one mode for every dataset, or a dict of modes per dataset.

    The dict is written as a Python or JSON literal (``{'scaled': 'assign'}``), as
    kedro-mlflow 0.8.1 took it; it may only name datasets of the pipeline.
    """

    if value is None:
        return None
    names = "/".join(COPY_MODES)
    expected = f"one of {names}, or a dict mapping datasets of the pipeline to one of them"
    if not value.strip().startswith("{"):
        if value not in COPY_MODES:
            raise bad_value("--copy-mode", expected, value)
        return value
    try:
        modes = ast.literal_eval(value.strip())
    except (ValueError, SyntaxError):
        raise bad_value(
            "--copy-mode", expected + " (a Python or JSON dict literal)", value
        ) from None
    if not isinstance(modes, dict) or not all(
        isinstance(name, str) and mode in COPY_MODES for name, mode in modes.items()
    ):
        raise bad_value("--copy-mode", expected, value)
    unknown = sorted(set(modes) - set(datasets))
    if unknown:
        raise click.ClickException(
            f"Invalid value for --copy-mode: {quoted(unknown)} is not a dataset of the pipeline;"
            f" its datasets are {quoted(datasets)}."
        )
    return modes


def existing_file(option: str, value: str, what: str = "a file") -> Path:
    """``value`` as an absolute path to an existing file or folder, or a clear error.

    Relative paths start at the working directory, the project's root.
    """
    path = Path(value).expanduser().resolve()
    exists = path.is_file() if what == "a file" else path.exists()
    if not exists:
        raise bad_value(option, f"the path of {what} that exists", value)
    return path


def conda_env_file(value: Optional[str]) -> Optional[str]:
    """``--conda-env``: the path of a conda environment YAML file, checked to be one."""

    if value is None:
        return None
    path = existing_file("--conda-env", value)
    try:
        content = yaml.safe_load(path.read_text())
    except Exception as error:  # yaml.YAMLError, UnicodeDecodeError
        raise bad_value(
            "--conda-env", f"a conda environment YAML file ({_one_line(error)})", value
        ) from None
    if not isinstance(content, dict) or not isinstance(content.get("dependencies"), list):
        raise bad_value(
            "--conda-env",
            "a conda environment YAML file (a mapping whose dependencies are a list)",
            value,
        )
    return str(path)


# A comma followed by a requirement's name starts the next requirement; any other comma
# belongs to a version specifier (``pandas>=1,<2``).
_NEXT_REQUIREMENT = re.compile(r",\s*(?=[A-Za-z0-9-])")


def parse_requirements(option: str, value: Optional[str]) -> Union[None, str, List[str]]:
    """``--pip-requirements`` / ``--extra-pip-requirements``, in a form mlflow takes.

    A value naming an existing file, or one that looks like a path (ends in ``.txt`` or
    holds a ``/``), is a pip requirements file and is passed as its path; anything else
    is a comma-separated list of requirement specifiers.
    """
    if value is None:
        return None
    if Path(value).expanduser().is_file() or value.endswith(".txt") or "/" in value:
        return str(existing_file(option, value, "a pip requirements file"))
    requirements = [item.strip() for item in _NEXT_REQUIREMENT.split(value)]
    expected = (
        "a pip requirements file or a comma-separated list of requirement specifiers"
        " (e.g. 'pandas>=1,<2,scikit-learn')"
    )
    for requirement in requirements:
        problem = _requirement_problem(requirement)
        if problem:
            raise bad_value(option, f"{expected}; {requirement!r} {problem}", value)
    return requirements


def _requirement_problem(requirement: str) -> Optional[str]:
    if not requirement:
        return "is empty"
    if requirement.startswith("-"):  # pip options (-r file, --index-url ...) pass as they are
        return None
    try:
        Requirement(requirement)
    except InvalidRequirement:
        return "is not a requirement specifier"
    return None


def parse_await(value: Optional[str]) -> Optional[int]:
    """``--await-registration-for``: a whole number of seconds, 0 or more."""
    if value is None:
        return None
    try:
        seconds = int(value.strip())
    except ValueError:
        seconds = -1
    if seconds < 0:
        raise bad_value("--await-registration-for", "a whole number of seconds (0 or more)", value)
    return seconds


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
