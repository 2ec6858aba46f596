"""Helpers the hooks apply to a run's catalog: the logging switch and default names."""

from typing import Any, Iterator, List, Tuple

from .base import AbstractMlflowDataSet


def iter_mlflow_datasets(catalog: Any) -> Iterator[Tuple[str, AbstractMlflowDataSet]]:
    """(name, dataset) for every kedro-mlflow dataset of a ``DataCatalog``."""
    # kedro 0.16 and 0.17 keep a catalog's datasets in the same private mapping;
    # the public `catalog.datasets` mangles names that contain dots.
    for name, dataset in dict(catalog._data_sets).items():
        if isinstance(dataset, AbstractMlflowDataSet):
            yield name, dataset


def set_logging(catalog: Any, enabled: bool) -> List[str]:
    """Switch logging on or off on every kedro-mlflow dataset of ``catalog``; their names."""
    names = []
    for name, dataset in iter_mlflow_datasets(catalog):
        dataset.logging_enabled = enabled
        names.append(name)
    return names


def name_after_catalog(catalog: Any) -> List[str]:
    """Give each kedro-mlflow dataset its entry's name (metric prefixes and keys left unset)."""
    names = []
    for name, dataset in iter_mlflow_datasets(catalog):
        dataset.set_catalog_name(name)
        names.append(name)
    return names
