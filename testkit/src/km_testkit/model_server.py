"""`mlflow models serve` on 127.0.0.1, started and stopped around a block (tests, demo)."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Dict, List, Optional

from km_testkit import versions
from km_testkit.executables import MLFLOW
from km_testkit.ports import free_port
from km_testkit.scoring import scoring_predictions, scoring_request


def models_env_options() -> List[str]:
    """Options of ``mlflow models serve|predict`` that use the current environment as is.

    ``--env-manager local`` exists from 1.25; before, ``--no-conda`` did the same. Either
    way nothing is downloaded or built, so a model serves offline.
    """
    if versions.MLFLOW_VERSION >= (1, 25, 0):
        return ["--env-manager", "local"]
    return ["--no-conda"]


def serving_env(tracking_uri: str, python_path: Optional[Path] = None) -> Dict[str, str]:
    """The environment a model server needs: this venv first, the store, the project."""
    env = dict(os.environ)
    # mlflow starts gunicorn/uvicorn through PATH: use this environment's.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["MLFLOW_TRACKING_URI"] = tracking_uri
    if python_path is not None:  # the project's package, as if it were installed
        env["PYTHONPATH"] = str(python_path)
    return env


class ModelServer:
    """A model served by `mlflow models serve` in its own process group.

    ``with ModelServer(uri, env, log_path) as server: server.predict(frame)``; the
    server (gunicorn and its workers) is stopped when the block ends.
    """

    def __init__(self, model_uri: str, env: Dict[str, str], log_path: Path) -> None:
        self.model_uri = model_uri
        self.env = env
        self.log_path = Path(log_path)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._process: Optional[subprocess.Popen] = None
        self._log: Any = None

    def __enter__(self) -> "ModelServer":
        self._log = self.log_path.open("w")
        self._process = subprocess.Popen(
            [
                MLFLOW,
                *("models", "serve", "-m", self.model_uri),
                *("-h", "127.0.0.1", "-p", str(self.port)),
                *models_env_options(),
            ],
            env=self.env,
            cwd=str(self.log_path.parent),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            self._wait_until_up(timeout=180)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _wait_until_up(self, timeout: float) -> None:
        deadline = time.time() + timeout
        while True:
            if self._process.poll() is not None:
                raise RuntimeError(f"mlflow models serve exited:\n{self.log()}")
            try:
                with urllib.request.urlopen(f"{self.url}/ping", timeout=5) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            if time.time() > deadline:
                raise RuntimeError(
                    f"mlflow models serve did not answer in {timeout} s:\n{self.log()}"
                )
            time.sleep(0.5)

    def predict(self, frame: Any) -> List[Dict[str, Any]]:
        """POST ``frame`` to /invocations; the predictions as records. Raises HTTPError."""
        content_type, body = scoring_request(frame)
        request = urllib.request.Request(
            f"{self.url}/invocations", data=body.encode(), headers={"Content-Type": content_type}
        )
        with urllib.request.urlopen(request, timeout=60) as answer:
            return scoring_predictions(json.loads(answer.read().decode()))

    def log(self) -> str:
        """What the server printed so far."""
        return self.log_path.read_text() if self.log_path.exists() else ""

    def __exit__(self, *exc_info: Any) -> None:
        if self._process is not None:
            try:
                os.killpg(self._process.pid, signal.SIGTERM)
                self._process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self._process.pid, signal.SIGKILL)
                self._process.wait()
            except ProcessLookupError:
                pass
            self._process = None
        if self._log is not None:
            self._log.close()
            self._log = None
