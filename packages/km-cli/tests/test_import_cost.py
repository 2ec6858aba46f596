"""kedro imports km-cli's entry point on every call: the command group is a lazy
boundary, so `kedro --help` pays for no mlflow, pandas or command module."""

import subprocess
import sys

HEAVY = ("mlflow", "pandas", "sklearn")
COMMAND_MODULES = ("init_command", "modelify_command", "new_command", "ui_command")


def _loaded_after(code: str) -> str:
    probe = (
        "import sys, kedro.framework.cli.cli;"
        "before = set(sys.modules);"
        f"{code};"
        "print(sorted(m for m in set(sys.modules) - before"
        f" if m.split('.')[0] in {HEAVY!r}"
        f" or m.rsplit('.', 1)[-1] in {COMMAND_MODULES!r}))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_the_entry_point_and_the_group_import_no_command_and_no_mlflow():
    code = (
        "import km_cli, click;"
        "group = km_cli.commands.get_command(None, 'mlflow');"
        "ctx = click.Context(group);"
        "names = group.list_commands(ctx)"
    )
    assert _loaded_after(code) == "[]"


def test_a_command_is_imported_when_it_is_asked_for():
    code = (
        "import km_cli, click;"
        "group = km_cli.commands.get_command(None, 'mlflow');"
        "group.get_command(click.Context(group), 'init')"
    )
    loaded = _loaded_after(code)
    assert "kedro_mlflow.framework.cli.init_command" in loaded
    assert "kedro_mlflow.framework.cli.modelify_command" not in loaded
