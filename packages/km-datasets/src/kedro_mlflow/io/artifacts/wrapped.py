"""The dataset an MlflowArtifactDataSet wraps: built from its config, found on disk."""

import inspect
from pathlib import Path
from typing import Any, Dict, Optional, Tuple, cast

from kedro.io import AbstractDataSet
from kedro.io.core import (
    AbstractVersionedDataSet,
    DataSetError,
    VersionNotFoundError,
    generate_timestamp,
    get_protocol_and_path,
    parse_dataset_definition,
)

from kedro_mlflow.compat.kedro_compat import (
    dataset_load_path,
    dataset_version,
    dataset_versioned_path,
)
from kedro_mlflow.io.common.checks import describe

# The config keys through which kedro datasets name where they write.
PATH_KEYS = ("filepath", "path")


def check_config(owner: str, config: Any) -> Dict[str, Any]:
    """``config`` if it can describe a kedro dataset: a mapping with a ``type``."""
    if not isinstance(config, dict) or "type" not in config:
        raise DataSetError(
            f"{owner}: 'data_set' must be a mapping with a 'type' (a kedro dataset class,"
            f" or its import path such as 'pandas.CSVDataSet'), got {describe(config)}"
        )
    return config


def split_wrapper_arguments(
    config: Dict[str, Any], names: Tuple[str, ...]
) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """Take the wrapper's own arguments out of the wrapped dataset's config.

    Some pages of the 0.7.3 guide indent ``run_id`` and ``artifact_path`` under
    ``data_set``; they belong to the wrapper unless the wrapped type takes them itself.
    """
    found = [name for name in names if name in config]
    if not found:
        return config, {}
    try:
        kind, _ = parse_dataset_definition(config)
        parameters = inspect.signature(kind.__init__).parameters
    except Exception:  # an unknown type: build() reports it with the whole story
        return config, {}
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return config, {}
    config = dict(config)
    moved = {name: config.pop(name) for name in found if name not in parameters}
    return config, moved


def build(owner: str, config: Dict[str, Any]) -> AbstractDataSet:
    """The kedro dataset ``config`` describes (``type`` is a class or an import path)."""
    try:
        return AbstractDataSet.from_config("data_set", config)
    except DataSetError as error:
        detail = " ".join(str(error).split())
        raise DataSetError(
            f"{owner}: 'data_set' of type {type_name(config['type'])!r} cannot be built: {detail}"
        ) from None


def type_name(kind: Any) -> str:
    """A dataset type as the config shows it: its import path."""
    if isinstance(kind, type):
        return f"{kind.__module__}.{kind.__qualname__}"
    return str(kind)


def local_path(owner: str, config: Dict[str, Any]) -> Path:
    """The local file or folder the wrapped dataset writes to (its ``filepath``)."""
    key = next((key for key in PATH_KEYS if key in config), None)
    if key is None:
        raise DataSetError(
            f"{owner}: 'data_set' must write to a local file or folder given by 'filepath';"
            f" {type_name(config['type'])!r} has none, so there is nothing to log as an artifact"
        )
    value = config[key]
    protocol, path = get_protocol_and_path(str(value))
    if protocol != "file":
        raise DataSetError(
            f"{owner}: 'data_set.{key}' must be a local path, got {value!r}. MLflow uploads"
            " the local file to the run's artifact store (S3, Azure...) by itself: point the"
            " tracking server at that store and keep a local path here"
        )
    return Path(path)


def version(dataset: AbstractDataSet) -> Optional[Any]:
    """The kedro ``Version`` of a versioned dataset, else None."""
    if isinstance(dataset, AbstractVersionedDataSet):
        return dataset_version(dataset)
    return None


def saved_path(dataset: AbstractDataSet, path: Path) -> Path:
    """Where the last ``save`` of ``dataset`` wrote (its save version's folder if versioned)."""
    if not isinstance(dataset, AbstractVersionedDataSet) or version(dataset) is None:
        return path
    # After a save, the save version stays resolved until the next save (None only
    # when the dataset is not versioned).
    save_version = cast(str, dataset.resolve_save_version())
    return Path(str(dataset_versioned_path(dataset, save_version)))


def load_target(dataset: AbstractDataSet, path: Path) -> Path:
    """Where ``dataset`` will load from; a new version's path if it has no version yet."""
    if version(dataset) is None:
        return path
    dataset.release()  # forget cached versions: the disk may have changed
    try:
        return Path(str(dataset_load_path(dataset)))
    except VersionNotFoundError:
        return Path(str(dataset_versioned_path(dataset, generate_timestamp())))
