"""Which files a configuration is read from, and which of them sets each top-level key.

The project's own config loader gives the merged values (environments, templated
globals); it does not say where a value came from. So, when the files are read, each
file's top-level keys are read once too, and an error later names the file whose value
won from that record, without going back to the files.
"""

from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, NamedTuple, Optional

import yaml

__all__ = ["FileKeys", "files_defining", "find_config_files", "read_file_keys"]

_READABLE_SUFFIXES = (".yml", ".yaml", ".json")


class FileKeys(NamedTuple):
    """What reading the top level of some configuration files found."""

    # top-level key -> the file whose value wins (the last environment read)
    key_sources: Dict[Any, Path]
    # file -> why its top level cannot be read (invalid YAML, not a mapping), in file order
    problems: Dict[Path, str]


def find_config_files(conf_paths: Iterable[Any], patterns: Iterable[str]) -> List[Path]:
    """The files the patterns match, lowest-precedence environment first."""
    found: List[Path] = []
    for conf_path in conf_paths:
        for pattern in patterns:
            # pathlib's trailing "**" matches folders only; kedro's glob means files too
            if pattern.endswith("**"):
                pattern += "/*"
            for path in sorted(Path(conf_path).glob(pattern)):
                if path.is_file() and path.suffix in _READABLE_SUFFIXES and path not in found:
                    found.append(path.resolve())
    return found


def read_file_keys(files: Iterable[Path]) -> FileKeys:
    """Read each file once and record which one sets each top-level key.

    ``files`` come lowest-precedence first, so a later file's key replaces an earlier
    one's, as kedro's loaders merge them. Only the keys are kept, never the values (a
    credentials file holds secrets). A file that cannot be opened is left out: the
    loader's own error says why.
    """
    key_sources: Dict[Any, Path] = {}
    problems: Dict[Path, str] = {}
    for path in files:
        try:
            with open(path, encoding="utf-8") as handle:
                content = yaml.safe_load(handle)
        except OSError:
            continue
        except yaml.YAMLError as error:
            problems[path] = "this is not valid YAML: " + " ".join(str(error).split())
            continue
        if isinstance(content, Mapping):
            key_sources.update((key, path) for key in content)
        elif content is not None:
            problems[path] = (
                f"expected a mapping of keys at the top of the file, got {type(content).__name__}"
            )
    return FileKeys(key_sources, problems)


def files_defining(
    files: List[Path], key_sources: Mapping[Any, Path], key: Optional[str]
) -> List[Path]:
    """The file whose value for ``key``'s top-level key wins, else all ``files``.

    ``key`` is a key path as the file spells it (``tracking.run.id``, ``pipelines[1]``).
    """
    if not key:
        return files
    top = key.split(".")[0].split("[")[0]
    if top in key_sources:
        return [key_sources[top]]
    return files
