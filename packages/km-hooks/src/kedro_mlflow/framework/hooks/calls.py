"""Each hook call handled once, however many instances of the hooks are registered.

kedro registers the entry points' instances and users may list the documented ones
too; pluggy then calls every instance, one after the other, with the very same
argument objects. The first instance claims the call; the others see it is taken.
"""

from typing import Any, Optional, Tuple


class CallClaims:
    """Remembers the last call claimed, by hook name and argument identity."""

    def __init__(self) -> None:
        self._last: Optional[Tuple[str, Any]] = None

    def claim(self, hook: str, argument: Any) -> bool:
        """True for the first instance that sees this call, False for the others."""
        last = self._last
        if last is not None and last[0] == hook and last[1] is argument:
            return False
        self._last = (hook, argument)  # a strong reference: ids are never reused
        return True


CLAIMS = CallClaims()
