"""`kedro mlflow ui`: the MLflow UI on the project's tracking store."""

import contextlib
import errno
import http.client
import ipaddress
import os
import signal
import socket
import subprocess
import sys
import threading
import webbrowser
from pathlib import Path
from typing import IO, Any, Dict, Iterator, List, Optional, cast
from urllib.parse import unquote, urlparse, urlunparse

import click

from kedro_mlflow.compat.kedro_compat import load_project_context
from kedro_mlflow.compat.redaction import redact_uri
from kedro_mlflow.config import KedroMlflowConfig, KedroMlflowConfigError
from kedro_mlflow.framework.context import get_mlflow_config

from .project import current_project

# mlflow 1.x has no `python -m mlflow`; its click group works on every version.
_MLFLOW_CLI = "import sys; from mlflow.cli import cli; sys.exit(cli())"

# Ctrl-C, a process manager's stop, a closed terminal: each stops the UI.
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@click.command(name="ui")
@click.option("--env", "-e", default=None, help="Kedro environment whose mlflow.yml to read.")
@click.option("--port", "-p", type=int, default=None, help="Port (default: mlflow.yml, else free).")
@click.option("--host", default=None, help="Host (default: mlflow.yml, else 127.0.0.1).")
@click.option(
    "--browser/--no-browser",
    default=True,
    show_default=True,
    help="Open the UI in a web browser once it answers ($BROWSER, else the system's).",
)
def ui(env: Optional[str], port: Optional[int], host: Optional[str], browser: bool) -> None:
    """Serve the MLflow UI on the project's tracking store; Ctrl-C stops it.

    Works from the project's root or any folder inside it. The command ends with the
    server's exit status (0 when Ctrl-C stopped it).
    """

    project = current_project("ui", upwards=True)
    config = _project_config(project.project_path, env)
    uri = cast(str, config.mlflow_tracking_uri)  # get_mlflow_config resolved a null one
    # Everything we print names the URI without its password; only mlflow gets it whole.
    shown = redact_uri(uri)
    if urlparse(uri).scheme in ("http", "https"):
        click.echo(f"This project tracks to the server {shown}: open it in a browser.")
        if browser:
            _open_browser(_without_user_info(uri))
        return
    host_origin = "--host" if host else "mlflow.yml's ui.host"
    host = host or config.ui.host or "127.0.0.1"
    port = _port(host, port, config.ui.port)
    if not _is_loopback(host):
        _warn_exposed(host, port, host_origin)
    click.echo(f"MLflow UI on {_http_url(host, port)} for {shown} (Ctrl-C to stop)")
    code = _serve(uri, host, port, project.project_path, browser)
    if code != 0:
        click.echo(f"Error: the MLflow UI exited with status {code}", err=True)
        # as a shell reports a child killed by a signal: 128 + the signal's number
        sys.exit(code if code > 0 else 128 - code)


def _project_config(project_path: Path, env: Optional[str]) -> KedroMlflowConfig:
    """The project's mlflow.yml, read as `kedro run` reads it; a mistake in it is the
    command's error (its message names the file and the key)."""
    context = load_project_context(project_path, env=env)
    try:
        return get_mlflow_config(context)
    except KedroMlflowConfigError as error:
        raise click.ClickException(str(error)) from None


def _http_url(host: str, port: int) -> str:
    """``http://host:port``, an IPv6 address in brackets."""
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _without_user_info(uri: str) -> str:
    """``uri`` without ``user:password@``: a browser asks for them itself."""
    parts = urlparse(uri)
    netloc = parts.netloc.rpartition("@")[2]
    return urlunparse((parts.scheme, netloc, parts.path, parts.params, parts.query, ""))


def _browsable_host(host: str) -> str:
    """The address a browser on this machine reaches ``host`` at (loopback for a server
    listening on every interface)."""
    with contextlib.suppress(ValueError):
        address = ipaddress.ip_address(host)
        if address.is_unspecified:
            return "::1" if address.version == 6 else "127.0.0.1"
    return host


def _open_browser(url: str) -> None:
    """Open ``url`` in the user's browser; say so when none can be started."""
    try:
        opened = webbrowser.open(url)
    except webbrowser.Error:
        opened = False
    if not opened:
        click.echo(f"No web browser could be started: open {url} yourself.")


def _open_browser_when_answering(ended: threading.Event, host: str, port: int) -> threading.Thread:
    """A thread that opens the UI in a browser once it answers HTTP on ``host:port``;
    it gives up once ``ended`` is set (the server ended or was stopped)."""

    def wait_then_open() -> None:
        browsed = _browsable_host(host)
        while not ended.is_set():
            if _answers(browsed, port):
                _open_browser(f"{_http_url(browsed, port)}/")
                return
            ended.wait(0.5)

    opener = threading.Thread(target=wait_then_open, daemon=True)
    opener.start()
    return opener


def _answers(host: str, port: int) -> bool:
    """Whether an HTTP server answers ``GET /`` at ``host:port`` (no proxy consulted)."""
    connection = http.client.HTTPConnection(host, port, timeout=2)
    try:
        connection.request("GET", "/")
        connection.getresponse().read()
        return True
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()


def _port(host: str, option: Optional[int], configured: Optional[int]) -> int:
    """--port, else mlflow.yml's ui.port (either checked free), else a free port."""
    port = option or configured
    if port:
        _check_port_free(host, port, "--port" if option else "mlflow.yml's ui.port")
        return port
    return _free_port(host)


def _warn_exposed(host: str, port: int, origin: str) -> None:
    """Warn that a UI listening beyond this machine lets anyone change the project's runs."""
    where = host
    with contextlib.suppress(ValueError):
        if ipaddress.ip_address(host).is_unspecified:
            where = f"{host}, every network interface of this machine,"
    click.secho(
        f"Warning: the MLflow UI listens on {where} ({origin}): anyone who can reach"
        f" this machine on port {port} can read and change this project's runs, models"
        " and artifacts, without authentication. Use --host 127.0.0.1 to keep it to this"
        " machine.",
        fg="yellow",
        err=True,
    )


def _serve(uri: str, host: str, port: int, project_path: Path, browser: bool) -> int:
    """Run ``mlflow ui`` until it exits or we are stopped (Ctrl-C, SIGTERM, SIGHUP): its
    exit status, 0 when we stopped it; with ``browser``, open it once it answers."""
    command = [sys.executable, "-c", _MLFLOW_CLI, "ui", "--backend-store-uri", uri]
    command += ["--host", host, "--port", str(port)]
    secrets = _secrets_of(uri)
    ended = threading.Event()
    # Caught before the server starts, so that no stop signal finds it running without
    # us to stop it: it is in a session of its own and would outlive us otherwise.
    with _stop_signals_interrupt():
        # Its own process group: on Ctrl-C the whole server (gunicorn and its workers) is
        # stopped by us, and nothing is left holding the port.
        process = subprocess.Popen(
            command,
            env=_server_environment(masked=bool(secrets)),
            cwd=str(project_path),
            start_new_session=True,
            stdout=subprocess.PIPE if secrets else None,
            stderr=subprocess.PIPE if secrets else None,
        )
        copiers: List[threading.Thread] = []
        try:
            if secrets:
                copiers = _copy_outputs_masked(process, secrets)
            if browser:
                _open_browser_when_answering(ended, host, port)
            return _wait(process)
        except KeyboardInterrupt:
            _stop(process)
            click.echo("MLflow UI stopped.")
            return 0
        except BaseException:
            _stop(process)  # whatever went wrong here, no server is left behind
            raise
        finally:
            ended.set()
            for copier in copiers:
                copier.join(timeout=5)


def _wait(process: "subprocess.Popen[bytes]") -> int:
    """The server's exit status, waited for in short steps: a stop signal is acted on
    within a step even when the kernel hands it to another of our threads."""
    while True:
        with contextlib.suppress(subprocess.TimeoutExpired):
            return process.wait(timeout=0.5)


@contextlib.contextmanager
def _stop_signals_interrupt() -> Iterator[None]:
    """Within: Ctrl-C, a process manager's SIGTERM and a closed terminal's SIGHUP all
    raise KeyboardInterrupt in the main thread; the previous handlers come back after."""
    previous = {stop: signal.getsignal(stop) for stop in _STOP_SIGNALS}
    for stop in _STOP_SIGNALS:
        signal.signal(stop, _interrupt)
    try:
        yield
    finally:
        for stop, handler in previous.items():
            signal.signal(stop, handler)


def _server_environment(masked: bool) -> Dict[str, str]:
    """Our environment, with this interpreter's scripts first on PATH."""
    environment = dict(os.environ)
    # mlflow starts gunicorn by name: this interpreter's scripts must come first.
    environment["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), environment["PATH"]])
    if masked:
        # mlflow's and gunicorn's messages pass through us, the password masked.
        environment["PYTHONUNBUFFERED"] = "1"
    return environment


def _copy_outputs_masked(
    process: "subprocess.Popen[bytes]", secrets: List[str]
) -> List[threading.Thread]:
    """Threads copying the server's output and errors to ours, ``secrets`` masked."""
    copiers = []
    for source, target in ((process.stdout, sys.stdout), (process.stderr, sys.stderr)):
        copier = threading.Thread(
            target=copy_masked, args=(source, _binary(target), secrets), daemon=True
        )
        copier.start()
        copiers.append(copier)
    return copiers


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _ignore_stop_signals() -> None:
    """While the server is being stopped, a second Ctrl-C must not cut that short."""
    for stop in _STOP_SIGNALS:
        signal.signal(stop, signal.SIG_IGN)


def _free_port(host: str) -> int:
    try:
        with socket.socket() as probe:
            probe.bind((host, 0))
            return probe.getsockname()[1]
    except (OSError, UnicodeError) as error:
        raise click.ClickException(
            f"the MLflow UI cannot start: no port can be listened on at {host}"
            f" ({getattr(error, 'strerror', None) or error}): check the host (--host or"
            " mlflow.yml's ui.host)."
        ) from None


def _check_port_free(host: str, port: int, origin: str) -> None:
    """Bind ``host:port`` as gunicorn will, or fail with a message saying what to do.

    gunicorn sets SO_REUSEADDR, and so does this probe: on Linux it binds a port whose
    last connections are in TIME_WAIT (a UI just stopped) but not one a socket listens on.
    """
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except (OSError, UnicodeError) as error:
        how = (
            "choose another with --port PORT or mlflow.yml's ui.port (leave ui.port null"
            " and omit --port for a free one)"
        )
        if getattr(error, "errno", None) == errno.EADDRINUSE:
            problem = "is already in use"
        else:
            problem = f"cannot be listened on ({getattr(error, 'strerror', None) or error})"
            how = f"check the host (--host or mlflow.yml's ui.host), or {how}"
        raise click.ClickException(
            f"the MLflow UI cannot start: {host}:{port} (port from {origin}) {problem}: {how}."
        ) from None


def _is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine's loopback only (127.0.0.0/8, ::1, localhost)."""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except (OSError, UnicodeError):
        return False
    try:
        return bool(addresses) and all(
            ipaddress.ip_address(address.split("%")[0]).is_loopback for address in addresses
        )
    except ValueError:
        return False


def _secrets_of(uri: str) -> List[str]:
    """The password of ``uri`` as written and percent-decoded; [] when it has none."""
    try:
        password = urlparse(uri).password
    except ValueError:
        return []
    if not password:
        return []
    return sorted({password, unquote(password)}, key=len, reverse=True)


def copy_masked(source: IO[bytes], target: IO[bytes], secrets: List[str]) -> None:
    """Copy ``source`` to ``target`` line by line, each of ``secrets`` replaced by ***."""
    needles = [secret.encode() for secret in secrets]
    with contextlib.suppress(OSError, ValueError):
        for line in iter(source.readline, b""):
            for needle in needles:
                line = line.replace(needle, b"***")
            target.write(line)
            target.flush()


def _binary(stream: IO[str]) -> IO[Any]:
    """The stream's bytes buffer; the stream itself when it has none."""
    stream.flush()
    return getattr(stream, "buffer", stream)


def _stop(process: "subprocess.Popen[bytes]") -> None:
    """Stop the server's whole process group: SIGTERM, then SIGKILL after 15 s."""
    _ignore_stop_signals()
    group = process.pid  # started as the leader of its own session and group
    with contextlib.suppress(ProcessLookupError):  # the whole group has ended already
        os.killpg(group, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=15)
    # gunicorn's workers may outlive the mlflow process by a moment
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signal.SIGKILL)
    process.wait()
