"""A throw-away PostgreSQL 15 server on 127.0.0.1, for MLflow's backend store.

    with PostgresServer() as database:
        MlflowServer(folder, backend_uri=database.uri)   # needs psycopg2 in this env

PostgreSQL refuses to run as root, and tests and CI run as root here: the data
folder is given to the `postgres` user and the server tools run as that user
(`runuser`). The tools (initdb, pg_ctl, createdb) must be on PATH.
"""

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import List, Optional

TOOLS = ("initdb", "pg_ctl", "createdb")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def postgres_missing() -> Optional[str]:
    """Why a PostgresServer cannot start on this machine, or None when it can."""
    absent = [tool for tool in TOOLS if shutil.which(tool) is None]
    if absent:
        return (
            f"the PostgreSQL server tools {', '.join(absent)} are not on PATH. Install"
            " PostgreSQL 15 (Debian: apt-get install postgresql-15) and put its bin folder"
            " (/usr/lib/postgresql/15/bin) on PATH"
        )
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            return "running as root, PostgreSQL's tools need `runuser` (util-linux)"
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root, PostgreSQL's tools need a `postgres` user to run as"
    return None


def postgres_available() -> bool:
    """Whether the PostgreSQL server tools are installed on this machine."""
    return postgres_missing() is None


class PostgresServer:
    """initdb + pg_ctl in a temporary folder; `uri` is ready for `mlflow server`."""

    user = "mlflow"
    database = "mlflow"

    def __init__(self) -> None:
        self.port = _free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="km-postgres-"))
        self.data = self.folder / "data"
        self.log_path = self.folder / "server.log"
        self._as_postgres = os.geteuid() == 0
        self._started = False

    @property
    def uri(self) -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{self.database}"

    def _run(self, command: List[str]) -> None:
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            log = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
            raise RuntimeError(
                f"`{' '.join(command)}` failed with exit status {done.returncode}:\n"
                f"{done.stdout}{done.stderr}{log[-3000:]}"
            )

    def start(self) -> "PostgresServer":
        """initdb, start the server on 127.0.0.1:port, create the database; cleans up on failure."""
        try:
            if self._as_postgres:
                shutil.chown(self.folder, user="postgres", group="postgres")
            self._run(["initdb", "-D", str(self.data), "-A", "trust", "-U", self.user])
            options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
            self._started = True
            log = str(self.log_path)
            self._run(["pg_ctl", "-D", str(self.data), "-o", options, "-l", log, "-w", "start"])
            host = ["-h", "127.0.0.1", "-p", str(self.port), "-U", self.user]
            self._run(["createdb", *host, self.database])
        except BaseException:
            with contextlib.suppress(RuntimeError):  # the error that stopped the start counts
                self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the server (if it was started) and remove its folder."""
        try:
            if self._started:
                self._started = False
                self._run(["pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop"])
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> "PostgresServer":
        return self.start()

    def __exit__(self, *exc_info: Optional[object]) -> None:
        self.stop()
