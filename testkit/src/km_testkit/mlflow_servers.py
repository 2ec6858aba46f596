"""Real servers for tests and benchmarks: `mlflow server`, a proxy that counts its requests,
and a throw-away PostgreSQL for mlflow's backend store.

    with MlflowServer(folder) as server, RequestCounter(server.url) as proxy:
        mlflow.set_tracking_uri(proxy.url)      # every client request goes through it
        ...
        proxy.count()                           # requests made so far

    with PostgresServer() as database:
        MlflowServer(folder, backend_uri=database.uri)   # needs psycopg2 in this env

The mlflow server listens on 127.0.0.1 only, over a SQLite store (or the backend store
URI given) and an artifact folder in ``folder``. From mlflow 1.23 it also serves the
artifacts, so clients send them over HTTP as they do to a remote server; older versions
write them to the folder directly (``server_artifact_options``). Nothing here depends on
kedro-mlflow's packages: the tests of every package may use it.

PostgreSQL's tools come from ``km_testkit.postgres_tools``: ``KM_TEST_POSTGRES_BIN``,
else the machine's PostgreSQL, else the binaries nox provisioned. PostgreSQL refuses to
run as root, and tests and CI run as root here: then the data folder is given to an
unprivileged user (``postgres``, else ``nobody``) and the tools run as that user
(``runuser``).
"""

import contextlib
import http.client
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Dict, List, Optional, Tuple
from urllib.parse import urlsplit

from km_testkit import versions
from km_testkit.ports import LOOPBACK, free_port
from km_testkit.postgres_tools import (
    PostgresTools,
    PostgresToolsMissing,
    as_user,
    find_postgres_tools,
    unprivileged_user,
)


def supports_serve_artifacts() -> bool:
    """True when ``mlflow server`` can proxy artifacts itself (``--serve-artifacts``, 1.23+)."""
    return versions.MLFLOW_VERSION >= (1, 23, 0)


def server_artifact_options(artifacts_dir: Path) -> List[str]:
    """The ``mlflow server`` options that keep a test server's artifacts in ``artifacts_dir``.

    From 1.23 the server stores and serves artifacts itself, so clients send them over
    HTTP like a remote deployment does; before, clients write to the folder directly.
    """
    location = Path(artifacts_dir).resolve()
    if supports_serve_artifacts():
        return ["--serve-artifacts", "--artifacts-destination", location.as_uri()]
    return ["--default-artifact-root", location.as_uri()]


class MlflowServer:
    """`mlflow server` in a subprocess, started and stopped by the test that needs it.

    Args:
        folder: where the SQLite store (``mlflow.db``), the artifacts and the server's
            log (``server.log``) go; created if needed.
        workers: gunicorn workers (2 lets a parallel run's requests overlap).
        backend_uri: the backend store instead of ``folder``'s SQLite file, e.g.
            ``postgresql://user@127.0.0.1:PORT/db`` (needs psycopg2).
    """

    def __init__(self, folder: Path, workers: int = 2, backend_uri: Optional[str] = None) -> None:
        self.folder = Path(folder)
        self.workers = workers
        self.port = free_port()
        self.url = f"http://{LOOPBACK}:{self.port}"
        self.backend_uri = backend_uri or f"sqlite:///{self.folder / 'mlflow.db'}"
        self.log_path = self.folder / "server.log"
        self._process: Optional[subprocess.Popen] = None

    def command(self) -> List[str]:
        """The command line that starts the server, with this interpreter's mlflow."""
        return [
            sys.executable,
            "-c",
            "import sys; from mlflow.cli import cli; sys.exit(cli())",
            "server",
            "--backend-store-uri",
            self.backend_uri,
            *server_artifact_options(self.folder / "artifacts"),
            "--host",
            LOOPBACK,
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
        ]

    def start(self, timeout: float = 180.0) -> "MlflowServer":
        """Start the server and wait until it answers its health check."""
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "artifacts").mkdir(exist_ok=True)
        env = dict(os.environ)
        # mlflow runs gunicorn by name: this interpreter's scripts must come first.
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
        env.pop("MLFLOW_TRACKING_URI", None)
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed by the child's exit
        self._process = subprocess.Popen(
            self.command(),
            cwd=str(self.folder),
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: gunicorn's workers stop with it
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"mlflow server exited early:\n{self.log_tail()}")
            if self._healthy():
                return self
            time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"mlflow server did not answer within {timeout}s:\n{self.log_tail()}")

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/health", timeout=2) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def stop(self) -> None:
        """Stop the server and its workers (the process group it was started in)."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def log_tail(self, lines: int = 40) -> str:
        """The end of the server's log, for error messages."""
        if not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def __enter__(self) -> "MlflowServer":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


# Hop-by-hop headers are about one connection; the proxy does not pass them on.
_HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "content-length", "upgrade"}


class _Forward(BaseHTTPRequestHandler):
    """Forward one request to the target, record it, relay the answer."""

    protocol_version = "HTTP/1.1"  # keep-alive, as the real server offers
    counter: "RequestCounter"

    def _body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _forward(self) -> None:
        body = self._body()
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_HEADERS}
        headers["Content-Length"] = str(len(body))
        upstream = http.client.HTTPConnection(LOOPBACK, self.counter.target_port, timeout=120)
        try:
            upstream.request(self.command, self.path, body=body, headers=headers)
            response = upstream.getresponse()
            payload = response.read()
            # What the client asked for, once: a server error (SQLite busy on a loaded
            # machine) makes MLflow's client send the same request again.
            if response.status < 500:
                self.counter.record(self.command, self.path)
            self.send_response(response.status, response.reason)
            for key, value in response.getheaders():
                if key.lower() not in _HOP_HEADERS:
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)
        finally:
            upstream.close()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _forward

    def log_message(self, format: str, *args) -> None:  # quiet: the counter keeps the record
        pass


class RequestCounter:
    """A tiny HTTP proxy on 127.0.0.1 that counts every request on its way to ``target``.

    Point MLflow at ``url`` instead of the server's: ``requests`` lists (method, path)
    of each request the server answered since the last ``reset()``; those it failed
    with a 5xx (which MLflow's client retries) are not counted.
    """

    def __init__(self, target: str) -> None:
        parts = urlsplit(target)
        self.target_port = int(parts.port or 80)
        self.requests: List[Tuple[str, str]] = []
        self._lock = threading.Lock()
        handler = type("Forward", (_Forward,), {"counter": self})
        self._server = ThreadingHTTPServer((LOOPBACK, 0), handler)
        self._server.daemon_threads = True
        self.url = f"http://{LOOPBACK}:{self._server.server_address[1]}"
        self._thread: Optional[threading.Thread] = None

    def record(self, method: str, path: str) -> None:
        with self._lock:
            self.requests.append((method, path.split("?")[0]))

    def count(self) -> int:
        """Requests received since the last reset."""
        with self._lock:
            return len(self.requests)

    def by_endpoint(self) -> Dict[str, int]:
        """Requests since the last reset, per 'METHOD /path'."""
        with self._lock:
            return dict(Counter(f"{method} {path}" for method, path in self.requests))

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()

    def start(self) -> "RequestCounter":
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "RequestCounter":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


# --- PostgreSQL, for a backend store like a team's


def postgres_missing() -> Optional[str]:
    """Why a PostgresServer cannot start on this machine, or None when it can.

    The tools must be found (``postgres_tools``'s order), and run: as the unprivileged
    user when this process is root, with every shared library they need.
    """
    try:
        tools = find_postgres_tools()
        user = unprivileged_user()
    except PostgresToolsMissing as error:
        return str(error)
    if user is not None and shutil.which("runuser") is None:
        return (
            "running as root, PostgreSQL's tools need `runuser` (util-linux) to run as another user"
        )
    for tool in ("initdb", "postgres"):
        command = as_user([tools.path(tool), "--version"], user)
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired) as error:
            return f"`{' '.join(command)}` cannot run: {error}"
        if done.returncode != 0:
            return (
                f"`{' '.join(command)}` failed ({tools.source}: {tools.bin}; the user"
                f" {user or 'running the tests'} must reach the folder and its libraries):"
                f"\n{done.stdout}{done.stderr}"
            )
    return None


def postgres_available() -> bool:
    """Whether a PostgresServer can start on this machine."""
    return postgres_missing() is None


class PostgresServer:
    """initdb + pg_ctl in a temporary folder; `uri` is ready for `mlflow server`.

    Args:
        tools: the PostgreSQL bin folder to use (default: ``find_postgres_tools()``).
    """

    user = "mlflow"
    database = "mlflow"

    def __init__(self, tools: Optional[PostgresTools] = None) -> None:
        self.tools = tools or find_postgres_tools()
        self.run_as = unprivileged_user()
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="km-postgres-"))
        self.data = self.folder / "data"
        self.log_path = self.folder / "server.log"
        self._started = False

    @property
    def uri(self) -> str:
        return self.database_uri(self.database)

    def database_uri(self, name: str) -> str:
        """The URI of the database ``name`` on this server."""
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{name}"

    def create_database(self, name: str) -> str:
        """Create an empty database ``name`` with this server's createdb; its URI."""
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user, name)
        return self.database_uri(name)

    def _run(self, tool: str, *arguments: str) -> None:
        command = as_user([self.tools.path(tool), *arguments], self.run_as)
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
            if self.run_as is not None:
                account = pwd.getpwnam(self.run_as)
                os.chown(self.folder, account.pw_uid, account.pw_gid)
            data = str(self.data)
            self._run(
                "initdb", "-D", data, "-A", "trust", "-U", self.user, "-E", "UTF8", "--no-locale"
            )
            options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
            self._started = True
            self._run("pg_ctl", "-D", data, "-o", options, "-l", str(self.log_path), "-w", "start")
            self.create_database(self.database)
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
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> "PostgresServer":
        return self.start()

    def __exit__(self, *exc_info: Optional[object]) -> None:
        self.stop()
