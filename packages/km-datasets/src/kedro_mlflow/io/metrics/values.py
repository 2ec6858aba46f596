"""Checking metric values before anything is logged: keys, numbers, steps, whole histories.

Every function raises a ``DataSetError`` that names the dataset (``owner``), the metric
and what was expected; the datasets call them on the whole input before logging any
of it, so bad input never leaves half a history in a run.
"""

import numbers
import re
from typing import Any, Dict, List, Mapping, Optional, Tuple

from kedro.io.core import DataSetError

from kedro_mlflow.io.common.checks import describe

# (step, value): one point of a metric's history.
Point = Tuple[int, float]
# (step, value, timestamp in ms or None for "when it is logged"): a point of a history
# whose entries may carry their own time (kedro-mlflow 0.8.1's "history" shape).
StampedPoint = Tuple[int, float, Optional[int]]

# What MLflow accepts in a metric name (its own check, the same from 1.x to 2.x).
_KEY_CHARACTERS = re.compile(r"^[/\w.\- ]+$")
_MAX_KEY_LENGTH = 250
_STEP_RANGE = (-(2**63), 2**63 - 1)
_NOTHING_LOGGED = " (nothing was logged)"


def bad_input(owner: str, problem: str) -> DataSetError:
    """The error for data that cannot be logged."""
    return DataSetError(f"{owner}: {problem}{_NOTHING_LOGGED}")


def check_key(owner: str, key: Any, argument: str = "metric name") -> str:
    """A metric key MLflow accepts: letters, digits, ``_ - . /`` and spaces."""
    if not isinstance(key, str) or not key.strip():
        raise bad_input(owner, f"{argument} must be a non-empty string, got {describe(key)}")
    if (
        len(key) > _MAX_KEY_LENGTH
        or not _KEY_CHARACTERS.match(key)
        or key.startswith("/")
        or ".." in key.split("/")
    ):
        raise bad_input(
            owner,
            f"{argument} {key!r} is not a valid MLflow metric name: use at most"
            f" {_MAX_KEY_LENGTH} letters, digits, underscores, dashes, periods, spaces"
            " and slashes",
        )
    return key


def check_value(owner: str, where: str, value: Any) -> float:
    """A metric value: a real number (bools are refused: they are rarely meant as 0/1)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise bad_input(owner, f"{where}: the value must be a number, got {describe(value)}")
    return float(value)


def check_step(owner: str, where: str, step: Any) -> int:
    """A metric step: an integer that fits MLflow's 64 bits."""
    if isinstance(step, bool) or not isinstance(step, numbers.Integral):
        raise bad_input(owner, f"{where}: the step must be an integer, got {describe(step)}")
    step = int(step)
    if not _STEP_RANGE[0] <= step <= _STEP_RANGE[1]:
        raise bad_input(owner, f"{where}: the step {step} does not fit in 64 bits")
    return step


def check_timestamp(owner: str, where: str, timestamp: Any) -> int:
    """A metric timestamp: milliseconds since the epoch, an integer that fits 64 bits."""
    if isinstance(timestamp, bool) or not isinstance(timestamp, numbers.Integral):
        raise bad_input(
            owner, f"{where}: the timestamp must be an integer (ms), got {describe(timestamp)}"
        )
    timestamp = int(timestamp)
    if not 0 <= timestamp <= _STEP_RANGE[1]:
        raise bad_input(owner, f"{where}: the timestamp {timestamp} is not a time in ms")
    return timestamp


def _stamped_point(
    owner: str, where: str, entry: Any, default_step: int, timestamps: bool
) -> StampedPoint:
    """One ``{"value": v, "step": s}`` entry (and ``"timestamp"`` when ``timestamps``)."""
    fields = ("value", "step", "timestamp") if timestamps else ("value", "step")
    if not isinstance(entry, Mapping):
        raise bad_input(
            owner, f"{where}: expected {{'value': <number>, 'step': <int>}}, got {describe(entry)}"
        )
    unknown = sorted(str(key) for key in entry if key not in fields)
    if unknown:
        optional = " and optionally 'step'" + (" and 'timestamp'" if timestamps else "")
        raise bad_input(owner, f"{where}: unknown keys {unknown}; an entry has 'value'{optional}")
    if "value" not in entry:
        raise bad_input(owner, f"{where}: the entry has no 'value'")
    value = check_value(owner, where, entry["value"])
    step = entry.get("step")
    step = default_step if step is None else check_step(owner, where, step)
    timestamp = entry.get("timestamp")
    if timestamp is not None:
        timestamp = check_timestamp(owner, where, timestamp)
    return step, value, timestamp


def _point(owner: str, where: str, entry: Any, default_step: int) -> Point:
    """One ``{"value": v, "step": s}`` entry; a missing step is ``default_step``."""
    step, value, _ = _stamped_point(owner, where, entry, default_step, timestamps=False)
    return step, value


def parse_metrics(owner: str, data: Any) -> Dict[str, List[Point]]:
    """The points of each metric of ``{"name": {"value", "step"}}`` or ``{"name": [...]}``.

    A single entry without step is logged at step 0; in a list, an entry without step
    is logged at its position, so a plain list of values still reads back in order.
    """
    if not isinstance(data, Mapping):
        raise bad_input(
            owner,
            "expected a mapping of metric names to {'value': <number>, 'step': <int>} or"
            f" to a list of such entries, got {describe(data)}",
        )
    parsed: Dict[str, List[Point]] = {}
    for name, entries in data.items():
        check_key(owner, name)
        if isinstance(entries, Mapping):
            parsed[name] = [_point(owner, f"metric {name!r}", entries, 0)]
        elif isinstance(entries, (list, tuple)):
            parsed[name] = [
                _point(owner, f"metric {name!r}, entry {index}", entry, index)
                for index, entry in enumerate(entries)
            ]
        else:
            raise bad_input(
                owner,
                f"metric {name!r}: expected {{'value': <number>, 'step': <int>}} or a list of"
                f" them, got {describe(entries)}",
            )
    return parsed


# The shapes a whole history can take, as kedro-mlflow 0.8.1 names them.
HISTORY_SHAPES = {
    "list": "a list of numbers (value i at step i)",
    "dict": "a mapping of steps to numbers",
    "history": "a list of {'step': <int>, 'value': <number>, 'timestamp': <ms>} entries",
}


def history_shape(data: Any) -> Optional[str]:
    """Which of :data:`HISTORY_SHAPES` ``data`` is in (``None``: none of them)."""
    if isinstance(data, Mapping):
        return "dict"
    if isinstance(data, (list, tuple)):
        # an empty list fits every list shape; a mixed one is read entry by entry
        if data and all(isinstance(entry, Mapping) for entry in data):
            return "history"
        return "list"
    return None


def parse_history(owner: str, data: Any, expected: Optional[str] = None) -> List[StampedPoint]:
    """The points of one metric given as a list of values, ``{step: value}`` or entries.

    - ``[v0, v1, ...]``: value ``vi`` at step ``i``;
    - ``{s0: v0, s1: v1}``: each value at its step;
    - ``[{"step": s, "value": v, "timestamp": t}, ...]``: as in ``MlflowMetricsDataSet``
      (a missing step is the entry's position), with an optional timestamp in ms.

    ``expected`` (a key of :data:`HISTORY_SHAPES`) refuses data in another shape: a
    dataset told which shape it saves treats anything else as a mistake.
    """
    _check_history_shape(owner, data, expected)
    if isinstance(data, Mapping):
        return _points_by_step(owner, data)
    return _points_in_order(owner, data, stamped=expected != "list")


def _check_history_shape(owner: str, data: Any, expected: Optional[str]) -> None:
    """Refuse ``data`` that is no metric history, or (with ``expected``) a non-empty one
    in another shape than ``expected``."""
    found = history_shape(data)
    if found is None:
        raise bad_input(
            owner,
            "expected a metric history: a list of numbers, a mapping of steps to numbers, or a"
            f" list of {{'step': <int>, 'value': <number>}}, got {describe(data)}",
        )
    if expected is not None and found != expected and data:
        raise bad_input(
            owner,
            f"save_args mode {expected!r} expects {HISTORY_SHAPES[expected]},"
            f" got {found!r} data: {describe(data)[:200]}",
        )


def _points_by_step(owner: str, data: Mapping[Any, Any]) -> List[StampedPoint]:
    """The points of ``{step: value}``, without timestamps."""
    return [
        (
            check_step(owner, f"step {step!r}", step),
            check_value(owner, f"step {step!r}", value),
            None,
        )
        for step, value in data.items()
    ]


def _points_in_order(owner: str, data: Any, stamped: bool) -> List[StampedPoint]:
    """The points of a list: a bare value sits at its position; an entry mapping
    (read as such only when ``stamped``) gives its own step and timestamp."""
    points: List[StampedPoint] = []
    for index, entry in enumerate(data):
        where = f"entry {index}"
        if isinstance(entry, Mapping) and stamped:
            points.append(_stamped_point(owner, where, entry, index, timestamps=True))
        else:
            points.append((index, check_value(owner, where, entry), None))
    return points
