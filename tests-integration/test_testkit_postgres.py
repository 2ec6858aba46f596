"""Where the test kit takes PostgreSQL's tools from (km_testkit.postgres_tools): an
explicit folder, else the machine's, else the binaries nox provisioned."""

import os
from pathlib import Path
from typing import Dict

import pytest
from km_testkit import postgres_tools
from km_testkit.postgres_tools import (
    BIN_VARIABLE,
    PROVISIONED_VARIABLE,
    TOOLS,
    PostgresToolsMissing,
    as_user,
    find_postgres_tools,
)


def fake_bin(folder: Path, tools=TOOLS) -> Path:
    """A folder of executable stand-ins for PostgreSQL's tools."""
    folder.mkdir(parents=True)
    for tool in tools:
        script = folder / tool
        script.write_text("#!/bin/sh\n")
        script.chmod(0o755)
    return folder


@pytest.fixture
def folders(tmp_path: Path) -> Dict[str, Path]:
    return {
        "explicit": fake_bin(tmp_path / "explicit"),
        "path": fake_bin(tmp_path / "opt" / "pg" / "bin"),
        "debian": tmp_path / "usr-lib-postgresql",
        "provisioned": fake_bin(tmp_path / "provisioned"),
        "empty": tmp_path / "empty",
    }


def find(folders: Dict[str, Path], **environ: str) -> postgres_tools.PostgresTools:
    return find_postgres_tools(environ, debian_root=folders["debian"])


def test_the_lookup_order(folders):
    fake_bin(folders["debian"] / "13" / "bin")
    fake_bin(folders["debian"] / "9.6" / "bin")
    every = {
        BIN_VARIABLE: str(folders["explicit"]),
        "PATH": str(folders["path"]),
        PROVISIONED_VARIABLE: str(folders["provisioned"]),
    }
    assert find(folders, **every) == (folders["explicit"], BIN_VARIABLE)
    del every[BIN_VARIABLE]
    assert find(folders, **every) == (folders["path"], "machine")
    every["PATH"] = str(folders["empty"])
    # Debian's versioned folders, the newest first (13 > 9.6, not as strings)
    assert find(folders, **every) == (folders["debian"] / "13" / "bin", "machine")
    folders["debian"] = folders["empty"]
    assert find(folders, **every) == (folders["provisioned"], PROVISIONED_VARIABLE)


def test_the_initdb_on_path_leads_to_its_real_folder(folders, tmp_path):
    # Debian-like: only initdb is linked into a PATH folder, the rest stay beside it.
    links = tmp_path / "links"
    links.mkdir()
    (links / "initdb").symlink_to(folders["path"] / "initdb")
    tools = find(folders, PATH=str(links), **{PROVISIONED_VARIABLE: str(folders["provisioned"])})
    assert tools == (folders["path"], "machine")
    assert tools.path("createdb") == str(folders["path"] / "createdb")


def test_a_machine_folder_missing_a_tool_is_passed_over(folders, tmp_path):
    partial = fake_bin(tmp_path / "partial", tools=("initdb", "pg_ctl"))
    tools = find(folders, PATH=str(partial), **{PROVISIONED_VARIABLE: str(folders["provisioned"])})
    assert tools == (folders["provisioned"], PROVISIONED_VARIABLE)


def test_an_explicit_folder_without_the_tools_is_an_error_not_a_fallback(folders):
    with pytest.raises(PostgresToolsMissing, match=BIN_VARIABLE) as error:
        find(folders, PATH=str(folders["path"]), **{BIN_VARIABLE: str(folders["empty"])})
    assert "initdb" in str(error.value)


def test_no_tools_anywhere_says_how_to_get_them(folders):
    with pytest.raises(PostgresToolsMissing) as error:
        find(folders, PATH=str(folders["empty"]))
    assert BIN_VARIABLE in str(error.value) and "nox" in str(error.value)


def test_a_non_executable_file_is_not_a_tool(folders):
    (folders["path"] / "postgres").chmod(0o644)
    assert postgres_tools.missing_tools(folders["path"]) == ["postgres"]


def test_root_runs_the_tools_as_an_unprivileged_user():
    user = postgres_tools.unprivileged_user()
    if os.geteuid() == 0:
        assert user in postgres_tools.UNPRIVILEGED_USERS
        assert as_user(["initdb"], user) == ["runuser", "-u", user, "--", "initdb"]
    else:
        assert user is None
        assert as_user(["initdb"], user) == ["initdb"]
