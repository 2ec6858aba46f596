"""Release numbers compared as tuples, for the two compat modules."""

from typing import Tuple


def release_tuple(version: str) -> Tuple[int, int, int]:
    """(major, minor, patch): "2.0.0rc1" -> (2, 0, 0), "1.30" -> (1, 30, 0)."""
    parts = []
    for piece in version.split(".")[:3]:
        digits = ""
        for char in piece:
            if not char.isdigit():
                break
            digits += char
        parts.append(int(digits or 0))
    while len(parts) < 3:
        parts.append(0)
    return parts[0], parts[1], parts[2]
