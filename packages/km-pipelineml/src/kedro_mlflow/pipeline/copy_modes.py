"""How a value is handed from one inference node to the next: ``copy_mode``.

Kept free of mlflow so that ``pipeline_ml_factory`` can check it when the project's
pipelines are registered, long before a model is built.
"""

import copy
from typing import Any, Dict, Iterable, Optional, Union

from .errors import ModelOptionError, quoted

__all__ = ["COPY_MODES", "CopyMode", "check_copy_mode", "copied", "mode_for"]

COPY_MODES = ("assign", "copy", "deepcopy")

CopyMode = Union[None, str, Dict[str, str]]


def check_copy_mode(copy_mode: CopyMode, datasets: Optional[Iterable[str]] = None) -> None:
    """Raise :class:`ModelOptionError` unless ``copy_mode`` is None, a mode, or a dict of modes.

    When ``datasets`` is given, a dict may only name those datasets (a typo would
    otherwise be silently ignored).
    """
    if copy_mode is None:
        return
    if isinstance(copy_mode, str):
        _check_one("copy_mode", copy_mode)
        return
    if not isinstance(copy_mode, dict):
        raise ModelOptionError(
            f"copy_mode must be one of {quoted(COPY_MODES)} or a dict of them per dataset, "
            f"got {type(copy_mode).__name__} {copy_mode!r}."
        )
    for name, mode in copy_mode.items():
        _check_one(f"copy_mode[{name!r}]", mode)
    if datasets is not None:
        unknown = set(copy_mode) - set(datasets)
        if unknown:
            raise ModelOptionError(
                f"copy_mode names datasets the inference pipeline does not use: "
                f"{quoted(unknown)}. Its datasets are {quoted(datasets)}."
            )


def _check_one(where: str, mode: Any) -> None:
    if mode not in COPY_MODES:
        raise ModelOptionError(f"{where} must be one of {quoted(COPY_MODES)}, got {mode!r}.")


def mode_for(copy_mode: CopyMode, dataset: str) -> Optional[str]:
    """The mode configured for ``dataset``; None means "decide from the data's type"."""
    if isinstance(copy_mode, dict):
        return copy_mode.get(dataset)
    return copy_mode


def copied(data: Any, mode: Optional[str]) -> Any:
    """``data`` handed over with ``mode``; with None, as kedro's MemoryDataSet would choose.

    pandas and numpy objects get a shallow ``.copy()`` (cheap and enough, as kedro
    does); anything else is deep-copied so a node cannot mutate what another sees.
    """
    if mode is None:
        mode = "copy" if _copies_cheaply(data) else "deepcopy"
    if mode == "assign":
        return data
    if mode == "copy":
        # ``.copy()`` where it is a method (pandas, numpy, dict...); an estimator's
        # ``copy`` is a flag, so anything else gets copy.copy.
        method = getattr(data, "copy", None)
        return method() if callable(method) else copy.copy(data)
    return copy.deepcopy(data)


def _copies_cheaply(data: Any) -> bool:
    module = type(data).__module__.split(".")[0]
    return module in ("pandas", "numpy") and callable(getattr(data, "copy", None))
