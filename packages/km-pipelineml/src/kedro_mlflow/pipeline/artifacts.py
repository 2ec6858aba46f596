"""Where the catalog keeps the inference inputs a model ships (its artifacts)."""

from pathlib import Path, PurePath
from typing import Any, Dict, Iterable

from kedro.io import DataCatalog, MemoryDataSet

from .errors import NonPersistedArtifactError

# fsspec names for a file on this machine: the only place mlflow can copy from.
_LOCAL_PROTOCOLS = ("file", "local", None)


def check_persisted(catalog: DataCatalog, names: Iterable[str]) -> None:
    """Raise :class:`NonPersistedArtifactError` naming every dataset that is not a local file.

    Safe before a run: it looks at the catalog's entries, not at files or versions.
    """
    problems = [p for p in (persistence_problem(catalog, n) for n in sorted(names)) if p]
    if problems:
        raise NonPersistedArtifactError(
            "The inference pipeline's model ships these inputs as artifacts, so the "
            "catalog must save each to a local file (not a MemoryDataSet, not a remote "
            "path): " + "; ".join(problems) + "."
        )


def local_paths(catalog: DataCatalog, names: Iterable[str]) -> Dict[str, str]:
    """``{dataset: local path of its current version}``, once the training has saved them."""
    names = sorted(names)
    check_persisted(catalog, names)
    paths = {}
    missing = []
    for name in names:
        path = current_file(catalog, name)
        if not path.exists():
            missing.append(f"{name!r} ({path})")
        paths[name] = str(path)
    if missing:
        raise NonPersistedArtifactError(
            "These artifacts of the inference pipeline have no file yet (has the "
            f"training pipeline run and saved them?): {', '.join(missing)}."
        )
    return paths


def persistence_problem(catalog: DataCatalog, name: str) -> str:
    """Why ``name`` is not saved to a local file by ``catalog``; "" when it is."""
    return _problem(name, catalog_entry(catalog, name))


def current_file(catalog: DataCatalog, name: str) -> Path:
    """The local file ``name`` loads from (its latest version when versioned).

    Only for datasets without a :func:`persistence_problem`; a versioned dataset with
    no saved version raises kedro's ``VersionNotFoundError``.
    """
    return Path(str(_load_path(catalog_entry(catalog, name))))


def catalog_entry(catalog: DataCatalog, name: str) -> Any:
    """The dataset object ``catalog`` holds for ``name``, or None."""
    # DataCatalog has no public accessor by name that survives names like "a.b".
    return catalog._data_sets.get(name)


def _problem(name: str, dataset: Any) -> str:
    if dataset is None:
        return f"{name!r} is not in the catalog (kedro would keep it in memory)"
    if isinstance(dataset, MemoryDataSet):
        return f"{name!r} is a MemoryDataSet"
    if not isinstance(getattr(dataset, "_filepath", None), (str, PurePath)):
        return f"{name!r} is a {type(dataset).__name__}, which has no file path"
    protocol = getattr(dataset, "_protocol", None)
    if protocol not in _LOCAL_PROTOCOLS:
        return f"{name!r} is stored with protocol {protocol!r}, not on the local disk"
    return ""


def _load_path(dataset: Any) -> Any:
    # A versioned dataset's file is the resolved version (the one training just saved).
    if getattr(dataset, "_version", None) is not None:
        return dataset._get_load_path()
    return dataset._filepath
