"""Where the catalog keeps the inference inputs a model ships (its artifacts).

An artifact is a file the model carries: a dataset's local file (an
``MlflowArtifactDataSet``'s is the file of the dataset it wraps), or, for a
parameter, its value at training time pickled to a file of its own.
"""

import copy
import tempfile
from pathlib import Path, PurePath
from typing import Any, Dict, Iterable, Optional, Union

from kedro.extras.datasets.pickle import PickleDataSet
from kedro.io import DataCatalog, MemoryDataSet

from kedro_mlflow.compat.kedro_compat import (
    catalog_dataset,
    dataset_filepath,
    dataset_load_path,
    dataset_protocol,
    wrapped_dataset,
)

from .errors import NonPersistedArtifactError
from .validation import is_parameter

__all__ = [
    "catalog_entry",
    "check_persisted",
    "current_file",
    "local_paths",
    "parameter_file_name",
    "persistence_problem",
    "shipped_dataset",
]

# fsspec names for a file on this machine: the only place mlflow can copy from.
_LOCAL_PROTOCOLS = ("file", "local", None)


def check_persisted(catalog: DataCatalog, names: Iterable[str]) -> None:
    """Raise :class:`NonPersistedArtifactError` naming every dataset that is not a local file.

    Parameters are always shippable (their value is pickled when the model is logged).
    Safe before a run: it looks at the catalog's entries, not at files or versions.
    """
    files = sorted(name for name in names if not is_parameter(name))
    problems = [p for p in (persistence_problem(catalog, n) for n in files) if p]
    if problems:
        raise NonPersistedArtifactError(
            "The inference pipeline's model ships these inputs as artifacts, so the "
            "catalog must save each to a local file (not a MemoryDataSet, not a remote "
            "path) or hold it as a parameter ('params:...'): " + "; ".join(problems) + "."
        )


def local_paths(
    catalog: DataCatalog,
    names: Iterable[str],
    temp_folder: Union[None, str, Path] = None,
) -> Dict[str, str]:
    """``{dataset: local path of its current version}``, once the training has saved them.

    A parameter's value is pickled into ``temp_folder`` (a new temporary folder when
    None, left for the caller to remove) and that file is its path.
    """
    names = sorted(names)
    check_persisted(catalog, names)
    paths = {}
    missing = []
    for name in names:
        if is_parameter(name):
            continue
        path = current_file(catalog, name)
        if not path.exists():
            missing.append(f"{name!r} ({path})")
        paths[name] = str(path)
    if missing:
        raise NonPersistedArtifactError(
            "These artifacts of the inference pipeline have no file yet (has the "
            f"training pipeline run and saved them?): {', '.join(missing)}."
        )
    parameters = [name for name in names if is_parameter(name)]
    if parameters:
        folder = Path(temp_folder) if temp_folder is not None else Path(tempfile.mkdtemp())
        for name in parameters:
            paths[name] = str(_pickle_parameter(catalog, name, folder))
    return paths


def shipped_dataset(catalog: DataCatalog, name: str) -> Any:
    """A copy of the dataset the model reads artifact ``name`` back with.

    The wrapped file dataset for an ``MlflowArtifactDataSet`` (the model must not log
    anything when it loads), a ``PickleDataSet`` for a parameter.
    """
    if is_parameter(name):
        return PickleDataSet(filepath=parameter_file_name(name))
    return copy.deepcopy(wrapped_dataset(catalog_entry(catalog, name)))


def parameter_file_name(name: str) -> str:
    """The file a parameter's value is pickled to: ``params:a.b`` -> ``params_a.b.pkl``."""
    return name.replace(":", "_").replace("/", "_") + ".pkl"


def persistence_problem(catalog: DataCatalog, name: str) -> str:
    """Why ``name`` is not saved to a local file by ``catalog``; "" when it is."""
    return _problem(name, catalog_entry(catalog, name))


def current_file(catalog: DataCatalog, name: str) -> Path:
    """The local file ``name`` loads from (its latest version when versioned).

    Only for datasets without a :func:`persistence_problem`; a versioned dataset with
    no saved version raises kedro's ``VersionNotFoundError``.
    """
    return Path(str(_load_path(wrapped_dataset(catalog_entry(catalog, name)))))


def catalog_entry(catalog: DataCatalog, name: str) -> Any:
    """The dataset object ``catalog`` holds for ``name``, or None."""
    return catalog_dataset(catalog, name)


def _pickle_parameter(catalog: DataCatalog, name: str, folder: Path) -> Path:
    if catalog_entry(catalog, name) is None:
        raise NonPersistedArtifactError(
            f"The inference pipeline reads the parameter {name!r}, which the catalog does "
            "not hold: the model ships its value, so give the catalog the project's "
            "parameters (as `kedro run` and the context's catalog do)."
        )
    path = folder / parameter_file_name(name)
    PickleDataSet(filepath=str(path)).save(catalog.load(name))
    return path


def _problem(name: str, dataset: Any) -> str:
    if dataset is None:
        return f"{name!r} is not in the catalog (kedro would keep it in memory)"
    dataset = wrapped_dataset(dataset)
    if isinstance(dataset, MemoryDataSet):
        return f"{name!r} is a MemoryDataSet"
    if not isinstance(dataset_filepath(dataset), (str, PurePath)):
        return f"{name!r} is a {type(dataset).__name__}, which has no file path"
    protocol = dataset_protocol(dataset)
    if protocol not in _LOCAL_PROTOCOLS:
        return f"{name!r} is stored with protocol {protocol!r}, not on the local disk"
    return ""


def _load_path(dataset: Any) -> Optional[Any]:
    # A versioned dataset's file is the resolved version (the one training just saved).
    return dataset_load_path(dataset)
