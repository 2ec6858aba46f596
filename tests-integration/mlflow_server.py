"""A real `mlflow server` for tests and benchmarks, and a proxy that counts its requests.

    with MlflowServer(folder) as server, RequestCounter(server.url) as proxy:
        mlflow.set_tracking_uri(proxy.url)      # every client request goes through it
        ...
        proxy.count()                           # requests made so far

The server listens on 127.0.0.1 only, over a SQLite store (or the backend store URI
given, e.g. a PostgreSQL database) and an artifact folder in ``folder``. From mlflow
1.23 it also serves the artifacts, so clients send them over HTTP as they do to a
remote server; older versions write them to the folder directly
(`kedro_mlflow.compat.mlflow_compat.server_artifact_options`). Nothing here depends on
kedro-mlflow's datasets: the tests of every package may use it.
"""

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Dict, List, Optional, Tuple
from urllib.parse import urlsplit

from kedro_mlflow.compat.mlflow_compat import server_artifact_options

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """A TCP port of the loopback interface that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


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
