"""`kedro mlflow ui` started as a user does, answering on its port, stopped by Ctrl-C; a busy
port refused before anything starts, a UI open to the network warned about, a password
in the tracking URI printed nowhere; the browser opened once the UI answers (a $BROWSER
script records what it is given), the server's exit status passed on, mlflow.yml's
mistakes reported as `kedro run` reports them, and any folder of the project a place to
start it from."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest
from km_testkit.executables import KEDRO
from km_testkit.ports import free_port
from km_testkit.projects import DEMO_PACKAGE as PACKAGE  # the `kedro_project` fixture's
from mlflow.tracking import MlflowClient


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=5) as response:
        assert response.status == 200
        return response.read()


def _start_ui(
    project: Path, args: List[str], cwd: Optional[Path] = None, env: Optional[Dict[str, str]] = None
) -> "subprocess.Popen[str]":
    """`kedro mlflow ui` started as a user types it (in ``cwd``, the project's root by
    default), its output and errors read together."""
    return subprocess.Popen(
        [KEDRO, "mlflow", "ui", *args],
        cwd=cwd or project,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **(env or {})},
    )


def _serve_and_stop(
    project: Path,
    args: List[str],
    port: int,
    stop: int = signal.SIGINT,
    cwd: Optional[Path] = None,
    env: Optional[Dict[str, str]] = None,
) -> str:
    """Start the UI (in ``cwd``, the project's root by default), check it serves the
    project's store, stop it (Ctrl-C by default); return its output."""
    experiment = MlflowClient((project / "mlruns").resolve().as_uri()).create_experiment("seen")
    process = _start_ui(project, args, cwd, env)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                assert b"<html" in _get(f"http://127.0.0.1:{port}/").lower()
                assert process.poll() is None, "the server answers, kedro mlflow ui has ended"
                break
            except OSError:
                assert process.poll() is None, process.stdout.read()
                assert time.monotonic() < deadline, "the UI did not answer"
                time.sleep(0.5)
        api = f"http://127.0.0.1:{port}/api/2.0/mlflow/experiments/get?experiment_id={experiment}"
        assert json.loads(_get(api))["experiment"]["name"] == "seen"
    finally:
        process.send_signal(stop)  # SIGINT: what Ctrl-C sends
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    with pytest.raises(OSError):
        _get(f"http://127.0.0.1:{port}/")
    return output


@pytest.mark.timeout(180)
def test_ui_takes_host_and_port_from_the_environment_mlflow_yml(kedro_project: Path):
    port = free_port()
    staging = kedro_project / "conf" / "staging"
    staging.mkdir()
    (staging / "mlflow.yml").write_text(f"ui:\n  port: {port}\n  host: 127.0.0.1\n")
    output = _serve_and_stop(kedro_project, ["--env", "staging"], port)
    assert f"MLflow UI on http://127.0.0.1:{port}" in output
    assert "MLflow UI stopped." in output
    assert "without authentication" not in output


@pytest.mark.timeout(180)
def test_command_line_port_wins_over_mlflow_yml(kedro_project: Path):
    (kedro_project / "conf/local/mlflow.yml").write_text(f"ui:\n  port: {free_port()}\n")
    port = free_port()
    output = _serve_and_stop(kedro_project, ["--port", str(port)], port)
    assert f"MLflow UI on http://127.0.0.1:{port}" in output


@pytest.mark.timeout(180)
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_process_manager_or_a_closed_terminal_stops_the_server_too(
    kedro_project: Path, stop: int
):
    port = free_port()
    output = _serve_and_stop(kedro_project, ["--port", str(port)], port, stop=stop)
    assert "MLflow UI stopped." in output


def _ui_output(
    project: Path, args: List[str], timeout: int = 120
) -> "subprocess.CompletedProcess[str]":
    """`kedro mlflow ui` run to its end (for the cases where it must not serve)."""
    return subprocess.run(
        [KEDRO, "mlflow", "ui", *args],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
        env={k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"},
    )


def _listening(port: int, reuse_address: bool) -> socket.socket:
    listener = socket.socket()
    if reuse_address:  # as gunicorn's own listening socket does
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen()
    return listener


NO_AUTH_WARNING = "without authentication"


@pytest.mark.timeout(180)
@pytest.mark.parametrize(
    "where, host, reuse_address",
    [
        ("--port", None, False),
        ("mlflow.yml", None, True),
        ("--port", "0.0.0.0", True),
    ],
    ids=["command-line", "mlflow.yml-gunicorn-like-listener", "all-interfaces"],
)
def test_a_port_in_use_is_a_clear_error_before_anything_starts(
    kedro_project: Path, where: str, host: str, reuse_address: bool
):
    port = free_port()
    args = ["--host", host] if host else []
    if where == "--port":
        args += ["--port", str(port)]
    else:
        (kedro_project / "conf/local/mlflow.yml").write_text(f"ui:\n  port: {port}\n")
    with _listening(port, reuse_address) as listener:
        done = _ui_output(kedro_project, args)
        # the other program keeps its port
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            listener.accept()[0].close()
    assert done.returncode != 0, done.stdout
    assert f"{host or '127.0.0.1'}:{port}" in done.stdout
    assert "already in use" in done.stdout
    assert f"from {'--port' if where == '--port' else 'mlflow.yml'}" in done.stdout
    assert "--port" in done.stdout and "ui.port" in done.stdout
    # nothing was started: no promise of a UI, no server's errors
    assert "MLflow UI on" not in done.stdout
    assert "gunicorn" not in done.stdout.lower() and "Traceback" not in done.stdout
    assert NO_AUTH_WARNING not in done.stdout


def _server_processes(port: int) -> List[str]:
    """The command lines of the processes serving a UI on ``port`` (mlflow's and
    gunicorn's), read from /proc."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().decode(errors="replace").split("\0")
        except OSError:  # ended while we looked
            continue
        if f"127.0.0.1:{port}" in args or any(
            a == "--port" and b == str(port) for a, b in zip(args, args[1:])
        ):
            found.append(" ".join(args))
    return found


@pytest.mark.timeout(180)
@pytest.mark.parametrize("delay", [0.2, 2.5], ids=["server-just-started", "server-importing"])
def test_a_ctrl_c_while_the_server_starts_leaves_nothing_behind(kedro_project: Path, delay):
    port = free_port()
    process = _start_ui(kedro_project, ["--no-browser", "--port", str(port)])
    seen = []
    for line in process.stdout:  # the server starts right after this line
        seen.append(line)
        if "MLflow UI on" in line:
            break
    assert process.poll() is None, "".join(seen)
    time.sleep(delay)
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, "".join(seen) + output
    assert "MLflow UI stopped." in output
    assert _server_processes(port) == []
    with _listening(port, reuse_address=True):  # nobody listens there any more
        pass


@pytest.mark.timeout(180)
def test_a_port_left_in_time_wait_by_a_stopped_server_is_not_taken_for_busy(
    kedro_project: Path,
):
    port = free_port()
    # A connection closed first on the server's side leaves 127.0.0.1:port in TIME_WAIT,
    # as a UI just stopped does. Its listener had SO_REUSEADDR (gunicorn's has), so Linux
    # lets another SO_REUSEADDR socket (gunicorn's next one) listen there at once.
    with _listening(port, reuse_address=True) as listener:
        client = socket.create_connection(("127.0.0.1", port), timeout=5)
        served, _ = listener.accept()
        served.close()
        client.recv(1)  # the server's FIN
        client.close()
    time.sleep(0.2)
    with socket.socket() as plain, pytest.raises(OSError):  # held in TIME_WAIT, for a probe
        plain.bind(("127.0.0.1", port))  # without SO_REUSEADDR
    output = _serve_and_stop(kedro_project, ["--port", str(port)], port)
    assert f"MLflow UI on http://127.0.0.1:{port}" in output


@pytest.mark.timeout(180)
@pytest.mark.parametrize("where", ["--host", "mlflow.yml"])
def test_a_ui_open_to_the_network_is_warned_about(kedro_project: Path, where: str):
    port = free_port()
    if where == "--host":
        args = ["--host", "0.0.0.0", "--port", str(port)]
    else:
        (kedro_project / "conf/local/mlflow.yml").write_text(
            f"ui:\n  host: 0.0.0.0\n  port: {port}\n"
        )
        args = []
    # bound to every interface, reached through loopback only
    output = _serve_and_stop(kedro_project, args, port)
    (warning,) = [line for line in output.splitlines() if NO_AUTH_WARNING in line]
    assert "0.0.0.0" in warning and f"port {port}" in warning
    assert ("--host" if where == "--host" else "mlflow.yml's ui.host") in warning
    assert "--host 127.0.0.1" in warning
    assert f"MLflow UI on http://0.0.0.0:{port}" in output


@pytest.mark.timeout(180)
@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_a_ui_on_loopback_gets_no_network_warning(kedro_project: Path, host: str):
    port = free_port()
    output = _serve_and_stop(kedro_project, ["--host", host, "--port", str(port)], port)
    assert NO_AUTH_WARNING not in output
    assert f"MLflow UI on http://{host}:{port}" in output


SECRET = "S3CRET-pw-4-km"


def _secret_in_logs(project: Path) -> List[str]:
    return [
        str(path)
        for path in (project / "logs").rglob("*")
        if path.is_file() and SECRET.encode() in path.read_bytes()
    ]


def test_the_password_of_a_tracking_server_uri_is_never_printed(kedro_project: Path):
    dead = free_port()
    (kedro_project / "conf/local/mlflow.yml").write_text(
        f"mlflow_tracking_uri: http://km-user:{SECRET}@127.0.0.1:{dead}\n"
    )
    done = _ui_output(kedro_project, [])
    assert SECRET not in done.stdout
    assert f"http://km-user:***@127.0.0.1:{dead}" in done.stdout
    assert done.returncode == 0, done.stdout
    assert _secret_in_logs(kedro_project) == []


@pytest.mark.timeout(180)
def test_the_password_of_a_dead_database_uri_is_never_printed(kedro_project: Path):
    dead = free_port()
    uri = f"postgresql://km-user:{SECRET}@127.0.0.1:{dead}/mlflow"
    (kedro_project / "conf/local/mlflow.yml").write_text(f"mlflow_tracking_uri: {uri}\n")
    process = _start_ui(kedro_project, [])
    lines = []
    # mlflow >= 1.2x retries the database for minutes (its first complaint is enough);
    # older mlflow gives up at once ("Error initializing backend store") and exits
    complaints = ("could not be created", "Error initializing backend store")
    try:
        while not any(c in line for line in lines for c in complaints):
            line = process.stdout.readline()
            assert line, "".join(lines)
            lines.append(line)
    finally:
        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=30)
    output = "".join(lines) + rest
    assert SECRET not in output
    assert f"for postgresql://km-user:***@127.0.0.1:{dead}/mlflow" in output
    assert f"port {dead} failed" in output  # mlflow's own message came through
    assert _secret_in_logs(kedro_project) == []


def test_the_password_is_masked_in_mlflow_s_own_messages_too(kedro_project: Path):
    # mlflow refuses this store with an error quoting the whole URI, password included
    uri = f"ftp://km-user:{SECRET}@127.0.0.1:{free_port()}/store"
    (kedro_project / "conf/local/mlflow.yml").write_text(f"mlflow_tracking_uri: {uri}\n")
    done = _ui_output(kedro_project, [])
    assert "unsupported URI 'ftp://km-user:***@127.0.0.1:" in done.stdout
    assert SECRET not in done.stdout
    assert done.returncode != 0, done.stdout
    assert "exited with status 1" in done.stdout
    assert _secret_in_logs(kedro_project) == []


BROWSER_SCRIPT = """#!{python}
# a stand-in browser: fetches the URL it is given, records it and the answer's status
import sys, urllib.request
opener = urllib.request.build_opener(urllib.request.ProxyHandler({{}}))
try:
    with opener.open(sys.argv[1], timeout=10) as answer:
        status = answer.status
except OSError:
    status = "no-answer"
with open({record!r}, "a") as record:
    record.write(f"{{sys.argv[1]}} {{status}}\\n")
"""


def _recording_browser(folder: Path) -> Tuple[Dict[str, str], Path]:
    """A $BROWSER that records each URL it is asked to open; (environment, record file)."""
    record = folder / "opened.txt"
    script = folder / "browser.py"
    script.write_text(BROWSER_SCRIPT.format(python=sys.executable, record=str(record)))
    script.chmod(0o755)
    return {"BROWSER": str(script)}, record


@pytest.mark.timeout(180)
def test_the_browser_opens_the_ui_once_it_answers(kedro_project: Path, tmp_path: Path):
    port = free_port()
    env, record = _recording_browser(tmp_path)
    process = _start_ui(kedro_project, ["--port", str(port)], env=env)
    try:
        deadline = time.monotonic() + 90
        while not record.exists():
            assert process.poll() is None, process.stdout.read()
            assert time.monotonic() < deadline, "no browser was opened"
            time.sleep(0.5)
        time.sleep(1)  # a second browser would have been opened by now
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    # opened once, on the address printed, and the UI answered the browser
    assert record.read_text() == f"http://127.0.0.1:{port}/ 200\n"
    assert f"MLflow UI on http://127.0.0.1:{port} " in output


@pytest.mark.timeout(180)
def test_no_browser_serves_and_prints_the_url_without_opening_a_browser(
    kedro_project: Path, tmp_path: Path
):
    port = free_port()
    env, record = _recording_browser(tmp_path)
    output = _serve_and_stop(kedro_project, ["--no-browser", "--port", str(port)], port, env=env)
    assert f"MLflow UI on http://127.0.0.1:{port} " in output
    assert not record.exists()


def _children(pid: int) -> List[int]:
    """The processes whose parent is ``pid`` (Linux: read from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


@pytest.mark.timeout(180)
def test_the_command_ends_with_the_server_s_exit_status(kedro_project: Path):
    port = free_port()
    process = _start_ui(kedro_project, ["--no-browser", "--port", str(port)])
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                _get(f"http://127.0.0.1:{port}/")
                break
            except OSError:
                assert process.poll() is None, process.stdout.read()
                assert time.monotonic() < deadline, "the UI did not answer"
                time.sleep(0.5)
        (server,) = _children(process.pid)  # `mlflow ui`, leader of its process group
        os.killpg(server, signal.SIGTERM)  # the server is stopped, not the command
        output, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            process.communicate(timeout=30)
    # killed by SIGTERM, the server's status is -15: the command exits 128 + 15, as a shell
    assert process.returncode == 128 + signal.SIGTERM, output
    assert f"the MLflow UI exited with status {-signal.SIGTERM}" in output
    assert "MLflow UI stopped." not in output  # nobody pressed Ctrl-C
    assert "Traceback" not in output


def test_a_mistake_in_mlflow_yml_is_reported_naming_the_file_and_the_key(kedro_project: Path):
    mlflow_yml = kedro_project / "conf/local/mlflow.yml"
    mlflow_yml.write_text("ui:\n  port: http\n")
    done = _ui_output(kedro_project, ["--no-browser"])
    assert done.returncode == 1, done.stdout
    (line,) = [line for line in done.stdout.splitlines() if "Invalid kedro-mlflow" in line]
    # KedroMlflowConfigError's message, as a failed `kedro run` ends with it
    assert "mlflow.yml" in line and "at key 'ui.port'" in line, line
    assert "a port number from 1 to 65535" in line, line
    assert "Traceback" not in done.stdout
    assert "MLflow UI on" not in done.stdout


@pytest.mark.timeout(180)
def test_the_ui_starts_from_any_folder_of_the_project(kedro_project: Path):
    listed = subprocess.run(
        [KEDRO, "mlflow", "-h"], cwd=kedro_project / "src", capture_output=True, text=True
    )
    assert listed.returncode == 0, listed.stderr
    assert "ui" in [line.split()[0] for line in listed.stdout.splitlines() if line.startswith("  ")]
    port = free_port()
    inside = kedro_project / "src" / PACKAGE  # two levels below the root
    # the project's own store is served (the helper checks it holds a new experiment)
    output = _serve_and_stop(kedro_project, ["--no-browser", "--port", str(port)], port, cwd=inside)
    assert f"MLflow UI on http://127.0.0.1:{port} " in output


def test_a_project_on_a_tracking_server_opens_its_ui_without_the_password(
    kedro_project: Path, tmp_path: Path
):
    dead = free_port()
    (kedro_project / "conf/local/mlflow.yml").write_text(
        f"mlflow_tracking_uri: http://km-user:{SECRET}@127.0.0.1:{dead}\n"
    )
    env, record = _recording_browser(tmp_path)
    done = subprocess.run(
        [KEDRO, "mlflow", "ui"],
        cwd=kedro_project,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=120,
        env={**os.environ, **env},
    )
    assert done.returncode == 0, done.stdout
    assert f"tracks to the server http://km-user:***@127.0.0.1:{dead}" in done.stdout
    # the browser asks for the credentials itself: they are not on its command line
    assert record.read_text() == f"http://127.0.0.1:{dead} no-answer\n"
    assert SECRET not in done.stdout
