"""Checks of constructor arguments, with errors that name the dataset and the argument."""

from typing import Any, Dict, Optional

from kedro.io.core import DataSetError


def describe(value: Any) -> str:
    """``value`` and its type, as error messages show them."""
    return f"{value!r} ({type(value).__name__})"


def argument_error(owner: str, argument: str, expected: str, value: Any) -> DataSetError:
    """The error for a bad argument: '<Dataset>: '<argument>' must be <expected>, got <value>'."""
    return DataSetError(f"{owner}: '{argument}' must be {expected}, got {describe(value)}")


def optional_text(owner: str, argument: str, value: Any) -> Optional[str]:
    """``value`` if it is None or a non-empty string, else an error."""
    if value is None or (isinstance(value, str) and value.strip()):
        return value
    raise argument_error(owner, argument, "a non-empty string or None", value)


def optional_run_id(owner: str, value: Any) -> Optional[str]:
    """A run id argument: None, or a non-empty string ('' counts as None)."""
    if value == "":
        return None
    return optional_text(owner, "run_id", value)


def optional_mapping(owner: str, argument: str, value: Any) -> Dict[str, Any]:
    """A ``load_args`` / ``save_args`` argument: None or a mapping, copied."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise argument_error(owner, argument, "a mapping of keyword arguments or None", value)
    return dict(value)


def relative_artifact_path(owner: str, argument: str, value: Any) -> Optional[str]:
    """An artifact path: None, or a relative POSIX path that stays inside the run."""
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise argument_error(owner, argument, "a relative path or None", value)
    parts = value.replace("\\", "/").strip("/").split("/")
    if value.startswith(("/", "\\")) or ".." in parts or ":" in parts[0]:
        raise argument_error(owner, argument, "a relative path inside the run", value)
    cleaned = "/".join(part for part in parts if part not in ("", "."))
    return cleaned or None
