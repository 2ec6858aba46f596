"""Helpers the hooks apply to a run's catalog: the logging switch and default names."""

from typing import TYPE_CHECKING, Iterator, List, Tuple

from kedro_mlflow.compat.kedro_compat import catalog_datasets

from .base import AbstractMlflowDataSet

if TYPE_CHECKING:
    from kedro.io import DataCatalog

__all__ = ["iter_mlflow_datasets", "name_after_catalog", "set_logging"]


def iter_mlflow_datasets(catalog: "DataCatalog") -> Iterator[Tuple[str, AbstractMlflowDataSet]]:
    """(name, dataset) for every kedro-mlflow dataset of a ``DataCatalog``."""
    for name, dataset in catalog_datasets(catalog).items():
        if isinstance(dataset, AbstractMlflowDataSet):
            yield name, dataset


def set_logging(catalog: "DataCatalog", enabled: bool) -> List[str]:
    """Switch logging on or off on every kedro-mlflow dataset of ``catalog``; their names."""
    names = []
    for name, dataset in iter_mlflow_datasets(catalog):
        dataset.logging_enabled = enabled
        names.append(name)
    return names


def name_after_catalog(catalog: "DataCatalog") -> List[str]:
    """Give each kedro-mlflow dataset its entry's name (metric prefixes and keys left unset)."""
    names = []
    for name, dataset in iter_mlflow_datasets(catalog):
        dataset.set_catalog_name(name)
        names.append(name)
    return names
