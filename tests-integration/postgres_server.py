"""A throw-away PostgreSQL 15 server on 127.0.0.1, for MLflow's backend store.

PostgreSQL refuses to run as root, and tests and CI run as root here: the data
folder is given to the `postgres` user and the server tools run as that user.
"""

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import List, Optional


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def postgres_available() -> bool:
    """Whether the PostgreSQL server tools are installed on this machine."""
    return shutil.which("initdb") is not None and shutil.which("pg_ctl") is not None


class PostgresServer:
    """initdb + pg_ctl in a temporary folder; `uri` is ready for `mlflow server`."""

    user = "mlflow"
    database = "mlflow"

    def __init__(self) -> None:
        self.port = _free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="km-postgres-"))
        self.data = self.folder / "data"
        self._as_postgres = os.geteuid() == 0

    @property
    def uri(self) -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{self.database}"

    def _run(self, command: List[str]) -> None:
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, text=True)

    def start(self) -> "PostgresServer":
        if self._as_postgres:
            shutil.chown(self.folder, user="postgres", group="postgres")
        self._run(["initdb", "-D", str(self.data), "-A", "trust", "-U", self.user])
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        log = str(self.folder / "server.log")
        self._run(["pg_ctl", "-D", str(self.data), "-o", options, "-l", log, "-w", "start"])
        self._run(
            ["createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user, self.database]
        )
        return self

    def stop(self) -> None:
        try:
            self._run(["pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop"])
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> "PostgresServer":
        return self.start()

    def __exit__(self, *exc_info: Optional[object]) -> None:
        self.stop()
