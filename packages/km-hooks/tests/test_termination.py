"""SIGTERM while a run is tracked: SystemExit(143) in the main thread, then the default."""

import signal
import subprocess
import sys
import textwrap
import threading

from kedro_mlflow.framework.hooks.termination import exit_on_sigterm, restore_sigterm


def _in_child(code: str) -> "subprocess.CompletedProcess[str]":
    """``code`` in a fresh interpreter: a signal sent there cannot reach pytest."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_sigterm_unwinds_with_exit_code_143_and_exit_handlers_run():
    done = _in_child(
        """
        import atexit, os, signal
        from kedro_mlflow.framework.hooks.termination import exit_on_sigterm
        atexit.register(lambda: print("exit handler ran"))
        exit_on_sigterm()
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            signal.pause()  # the handler raises before this returns
        finally:
            print("unwound; default again:", signal.getsignal(signal.SIGTERM) is signal.SIG_DFL)
        """
    )
    assert done.returncode == 143, done.stderr
    assert "unwound; default again: True" in done.stdout
    assert done.stdout.rstrip().endswith("exit handler ran")


def test_a_process_forked_during_the_run_dies_at_once_as_by_default():
    done = _in_child(
        """
        import atexit, os, signal, time
        from kedro_mlflow.framework.hooks.termination import exit_on_sigterm
        exit_on_sigterm()
        ready_read, ready_write = os.pipe()
        pid = os.fork()
        if pid == 0:  # a worker (ParallelRunner's): nothing of ours may run at its end
            atexit.register(lambda: print("worker exit handler ran", flush=True))
            try:
                os.write(ready_write, b"1")
                time.sleep(30)
            finally:
                print("worker unwound", flush=True)
            os._exit(0)
        os.read(ready_read, 1)
        os.kill(pid, signal.SIGTERM)
        _, status = os.waitpid(pid, 0)
        print("worker killed by", os.WIFSIGNALED(status) and os.WTERMSIG(status))
        """
    )
    assert done.returncode == 0, done.stderr
    assert "worker killed by 15" in done.stdout
    assert "worker unwound" not in done.stdout
    assert "worker exit handler ran" not in done.stdout


def test_after_restore_sigterm_ends_the_process_at_once_again():
    done = _in_child(
        """
        import atexit, os, signal
        from kedro_mlflow.framework.hooks.termination import exit_on_sigterm, restore_sigterm
        atexit.register(lambda: print("exit handler ran"))
        exit_on_sigterm()
        restore_sigterm()
        os.kill(os.getpid(), signal.SIGTERM)
        signal.pause()
        """
    )
    assert done.returncode == -signal.SIGTERM
    assert "exit handler ran" not in done.stdout


def test_a_handler_someone_else_set_is_left_alone():
    def theirs(signum, frame):
        pass

    previous = signal.signal(signal.SIGTERM, theirs)
    try:
        exit_on_sigterm()
        assert signal.getsignal(signal.SIGTERM) is theirs
        restore_sigterm()
        assert signal.getsignal(signal.SIGTERM) is theirs
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_from_another_thread_nothing_changes():
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    errors = []

    def track():
        try:
            exit_on_sigterm()
        except Exception as error:  # signal.signal raises ValueError off the main thread
            errors.append(error)

    thread = threading.Thread(target=track)
    thread.start()
    thread.join()
    assert errors == []
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    restore_sigterm()
