"""Checks of constructor arguments, with errors that name the dataset and the argument."""

from typing import Any, Dict, Iterable, Optional

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


def keyword_options(
    owner: str, argument: str, value: Any, allowed: Iterable[str]
) -> Dict[str, Any]:
    """A ``load_args`` / ``save_args`` mapping whose keys must be among ``allowed``.

    Keys set to None count as not given (YAML placeholders such as ``step: ~``).
    """
    options = optional_mapping(owner, argument, value)
    allowed = tuple(allowed)
    unknown = sorted(str(key) for key in options if key not in allowed)
    if unknown:
        raise DataSetError(
            f"{owner}: unknown key{'s' if len(unknown) > 1 else ''}"
            f" {', '.join(map(repr, unknown))} in {argument}; the allowed keys are"
            f" {', '.join(map(repr, allowed))}"
        )
    return {key: item for key, item in options.items() if item is not None}


def one_of_two(owner: str, name: str, value: Any, other_name: str, other_value: Any) -> Any:
    """The value of a setting given under two names (ours and kedro-mlflow 0.8.1's).

    Either may be given, or both with the same value; different values are an error.
    """
    if value is not None and other_value is not None and value != other_value:
        raise DataSetError(
            f"{owner}: {name} ({value!r}) and {other_name} ({other_value!r}) set the same"
            " thing with different values; give only one of them"
        )
    return value if value is not None else other_value
