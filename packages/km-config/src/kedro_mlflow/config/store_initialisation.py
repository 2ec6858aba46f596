"""One process at a time creates a new MLflow database store (SQLite, PostgreSQL).

MLflow creates its schema (alembic migrations) and its Default experiment the first
time a process opens an empty database. Parallel first `kedro run`s on a new SQLite
file or PostgreSQL database do that together and break each other (`table ... already
exists`, alembic revision errors, `UniqueViolation`). So the first use of such a store
is wrapped in :func:`first_store_use`:

- SQLite: an exclusive ``flock`` on ``<database file>.init-lock`` beside the database;
- PostgreSQL: ``pg_advisory_lock`` on a connection of its own (SQLAlchemy, which MLflow
  uses for the store anyway);

held while the first ``MlflowClient`` creates the store, then released, on error too
(and by the system or the server if the process dies). A store whose Default
experiment (the last thing MLflow creates) is already there needs no lock: the check is
one read (SQLite) or one connection and two queries (PostgreSQL). Where no lock can be
taken (MySQL, SQL Server, no ``fcntl``, a folder the lock file cannot be written in) a
failure that looks like this race is turned into an error saying what to run first.
"""

import contextlib
import logging
import sqlite3
import time
from pathlib import Path
from typing import Any, Callable, ContextManager, Iterator, Optional
from urllib.parse import quote, urlparse

from .errors import KedroMlflowConfigError
from .tracking_uri import redact_uri

logger = logging.getLogger(__name__)

WAIT_LIMIT = 300.0  # seconds to wait for another process to finish creating the store
POLL = 0.05
# The advisory lock's key, the same in every kedro-mlflow process ("km-init" in ASCII).
PG_LOCK_KEY = 0x6B6D2D696E6974
LOCK_SUFFIX = ".init-lock"

# The lock situations of a first use: already created (no lock needed), created under
# our lock, or not lockable (an error that looks like the race gets explained).
READY, LOCKED, UNLOCKED = "ready", "locked", "unlocked"

# What the creation race looks like in the errors of SQLite, PostgreSQL, MySQL and alembic.
RACE_SIGNS = (
    "already exists",
    "duplicate",
    "uniqueviolation",
    "unique constraint",
    "integrityerror",
    "alembic",
    "no such table",
    "database is locked",
)


@contextlib.contextmanager
def first_store_use(uri: str) -> Iterator[None]:
    """Wrap the first use of the tracking store at ``uri`` in this process.

    The block should create the store (``MlflowClient(uri)`` does); other processes
    that create the same new store wait until it is done. Stores that are not
    databases are left alone.
    """
    scheme = urlparse(uri).scheme.split("+")[0].lower()
    guard: ContextManager[str]
    if scheme == "sqlite":
        guard = _sqlite_guard(uri)
    elif scheme == "postgresql":
        guard = _postgresql_guard(uri)
    elif scheme in ("mysql", "mssql"):
        guard = contextlib.nullcontext(UNLOCKED)
    else:
        yield
        return
    with guard as state:
        try:
            yield
        except Exception as error:
            if state == UNLOCKED and _looks_like_the_race(error):
                raise _race_error(uri, scheme, error) from error
            raise


def sqlite_path(uri: str) -> Optional[Path]:
    """The database file of a ``sqlite:`` URI; None for an in-memory database."""
    from sqlalchemy.engine.url import make_url

    database = make_url(uri).database
    if not database or database.startswith(":memory:") or database.startswith("file:"):
        return None
    return Path(database)


def sqlite_initialised(path: Path) -> bool:
    """Whether MLflow has finished creating its store in the SQLite file ``path``.

    The file is only read (never created); any error means "not yet".
    """
    if not path.is_file():
        return False
    try:
        connection = sqlite3.connect(
            f"file:{quote(str(path.resolve()))}?mode=ro", uri=True, timeout=1.0
        )
    except sqlite3.Error:
        return False
    try:
        found = connection.execute("SELECT 1 FROM experiments WHERE experiment_id = 0")
        return found.fetchone() is not None
    except sqlite3.Error:
        return False
    finally:
        connection.close()


def lock_file(path: Path) -> Path:
    """The lock file beside the SQLite database ``path``."""
    return path.with_name(path.name + LOCK_SUFFIX)


@contextlib.contextmanager
def _sqlite_guard(uri: str) -> Iterator[str]:
    path = sqlite_path(uri)
    if path is None or sqlite_initialised(path):
        yield READY
        return
    try:
        import fcntl
    except ImportError:  # not a POSIX system
        yield UNLOCKED
        return
    lock = lock_file(path)
    try:
        handle = open(lock, "a")  # noqa: SIM115 - closed below
    except OSError as error:
        logger.debug("No lock file %s (%s): the store is created unlocked.", lock, error)
        handle = None
    if handle is None:
        yield UNLOCKED
        return
    try:

        def take() -> bool:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            return True

        _wait_for(take, uri, f"it holds the lock file {lock}")
        try:
            yield READY if sqlite_initialised(path) else LOCKED
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    finally:
        handle.close()


@contextlib.contextmanager
def _postgresql_guard(uri: str) -> Iterator[str]:
    import sqlalchemy
    from sqlalchemy.pool import NullPool

    engine = connection = None
    try:
        engine = sqlalchemy.create_engine(uri, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        connection = engine.connect()
    except Exception as error:
        # No driver, no server, bad credentials: MLflow's own attempt says so in a moment.
        logger.debug("No connection to lock %s (%s).", redact_uri(uri), error)
    if connection is None:
        if engine is not None:
            engine.dispose()
        yield UNLOCKED
        return
    assert engine is not None  # it made the connection
    try:
        if _postgresql_initialised(connection, sqlalchemy.text):
            yield READY
            return

        def take() -> bool:
            query = sqlalchemy.text("SELECT pg_try_advisory_lock(:key)")
            return bool(connection.execute(query, {"key": PG_LOCK_KEY}).scalar())

        _wait_for(take, uri, f"it holds the advisory lock {PG_LOCK_KEY}")
        try:
            yield READY if _postgresql_initialised(connection, sqlalchemy.text) else LOCKED
        finally:
            with contextlib.suppress(Exception):  # closing the connection releases it too
                unlock = sqlalchemy.text("SELECT pg_advisory_unlock(:key)")
                connection.execute(unlock, {"key": PG_LOCK_KEY})
    finally:
        with contextlib.suppress(Exception):
            connection.close()
        engine.dispose()


def _postgresql_initialised(connection: Any, text: Callable[[str], Any]) -> bool:
    """Whether the database (through ``connection``, in autocommit) holds MLflow's store."""
    if connection.execute(text("SELECT to_regclass('experiments')")).scalar() is None:
        return False
    found = connection.execute(text("SELECT 1 FROM experiments WHERE experiment_id = 0"))
    return found.scalar() is not None


def _wait_for(take: Callable[[], bool], uri: str, holder: str) -> None:
    """Call ``take`` until it gets the lock; fail after WAIT_LIMIT seconds."""
    if take():
        return
    logger.info("Waiting for another process to create the MLflow store %s.", redact_uri(uri))
    deadline = time.monotonic() + WAIT_LIMIT
    while not take():
        if time.monotonic() > deadline:
            raise KedroMlflowConfigError(
                f"waited {WAIT_LIMIT:.0f} s for another process to finish creating the MLflow"
                f" store {redact_uri(uri)} ({holder}): stop that process, or wait for it,"
                " and run again",
                key="mlflow_tracking_uri",
            )
        time.sleep(POLL)


def _looks_like_the_race(error: BaseException) -> bool:
    text = f"{type(error).__name__} {error}".lower()
    return any(sign in text for sign in RACE_SIGNS)


def _race_error(uri: str, scheme: str, error: BaseException) -> KedroMlflowConfigError:
    from kedro_mlflow.compat.mlflow_compat import store_creation_command

    shown = redact_uri(uri)
    first_line = (str(error).strip().splitlines() or [type(error).__name__])[0][:300]
    return KedroMlflowConfigError(
        f"MLflow could not create its store in {shown} ({type(error).__name__}:"
        f" {first_line}), most likely because another process was creating it at the same"
        f" moment; kedro-mlflow cannot make {scheme} stores wait for each other here. Create"
        f" the store once before starting runs in parallel: `{store_creation_command(shown)}`"
        f" on a new database (or one `kedro run` alone), `mlflow db upgrade {shown}` on one"
        " whose creation was interrupted; then run again",
        key="mlflow_tracking_uri",
    )
