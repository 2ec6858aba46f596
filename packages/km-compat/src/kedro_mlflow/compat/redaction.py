"""Tracking URIs as they may be shown: without their password.

Light on purpose (only ``re``): kedro imports our CLI's entry point on every call.
"""

import re
from typing import Any

__all__ = ["redact_uri"]

# scheme://user:password@host... : the password runs to the last "@" before the path
_PASSWORD = re.compile(r"^(?P<head>[A-Za-z][A-Za-z0-9+.\-]*://[^/?#@:]*):(?P<secret>[^/?#]*)@")


def redact_uri(uri: Any) -> str:
    """``uri`` as it may be printed or logged: a password in it is replaced by ``***``.

    ``http://user:pw@host`` gives ``http://user:***@host``; the user name is kept and
    any other URI is returned as it is.
    """
    text = str(uri)
    return _PASSWORD.sub(lambda match: f"{match.group('head')}:***@", text, count=1)
