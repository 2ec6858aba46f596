"""get_mlflow_config on real kedro projects, created by `kedro new` for the installed kedro.

Each scenario runs in its own Python process, as a user's script or `kedro run` would:
kedro keeps per-project global state that one process cannot unload.
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import List, Optional

import pytest
from km_testkit.projects import DEMO_PACKAGE as PACKAGE  # the `kedro_project` fixture's
from km_testkit.versions import is_kedro_016
from mlflow.tracking import MlflowClient

from .conftest import write

READ_CONFIG = """
import json, sys
from kedro_mlflow.compat.kedro_compat import load_project_context
from kedro_mlflow.framework.context import get_mlflow_config

context = load_project_context(sys.argv[1], env=sys.argv[2] or None)
config = get_mlflow_config(context)
print(json.dumps(config.to_dict()))
"""


def _run(code: str, args: List[str], cwd: Path, env: Optional[dict] = None):
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )


def read_config(project: Path, env: str = "", extra_env: Optional[dict] = None) -> dict:
    result = _run(READ_CONFIG, [str(project), env], cwd=project, env=extra_env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_new_project_without_mlflow_yml_runs_on_defaults(kedro_project: Path):
    config = read_config(kedro_project)
    assert config["experiment"]["name"] == PACKAGE
    assert config["mlflow_tracking_uri"] == (kedro_project / "mlruns").resolve().as_uri()


def test_the_environment_chooses_the_mlflow_yml(kedro_project: Path):
    write(kedro_project / "conf/local/mlflow.yml", "experiment:\n  name: from_local\n")
    write(kedro_project / "conf/staging/mlflow.yml", "experiment:\n  name: from_staging\n")
    assert read_config(kedro_project)["experiment"]["name"] == "from_local"
    assert read_config(kedro_project, "staging")["experiment"]["name"] == "from_staging"
    by_variable = read_config(kedro_project, extra_env={"KEDRO_ENV": "staging"})
    assert by_variable["experiment"]["name"] == "from_staging"


def test_base_and_env_files_merge(kedro_project: Path):
    write(kedro_project / "conf/base/mlflow.yml", "mlflow_tracking_uri: sqlite:///mlflow.db\n")
    write(kedro_project / "conf/local/mlflow.yml", "run:\n  name: nightly\n")
    config = read_config(kedro_project)
    assert config["mlflow_tracking_uri"] == f"sqlite:///{kedro_project.resolve()}/mlflow.db"
    assert config["run"]["name"] == "nightly"


def test_documented_script_sets_up_tracking(kedro_project: Path):
    """The migration guide's snippet (kedro 0.16), or its KedroSession form (0.17)."""
    write(kedro_project / "conf/local/mlflow.yml", "experiment:\n  name: scripted\n")
    if is_kedro_016():
        code = (
            "from kedro.framework.context import load_context\n"
            "from kedro_mlflow.framework.context import get_mlflow_config\n"
            "context=load_context('.')\n"
            "mlflow_config=get_mlflow_config(context)\n"
            "mlflow_config.setup()\n"
        )
    else:
        code = (
            "from pathlib import Path\n"
            "from kedro.framework.session import KedroSession\n"
            "from kedro_mlflow.compat.kedro_compat import load_project_context\n"
            "from kedro_mlflow.framework.context import get_mlflow_config\n"
            "load_project_context('.')  # puts src/ on the path as `kedro` does\n"
            f"with KedroSession.create('{PACKAGE}', Path('.').resolve()) as session:\n"
            "    get_mlflow_config(session.load_context()).setup()\n"
        )
    code += "import mlflow\nwith mlflow.start_run():\n    mlflow.log_param('from', 'script')\n"
    result = _run(code, [], cwd=kedro_project)
    assert result.returncode == 0, result.stderr
    client = MlflowClient((kedro_project / "mlruns").resolve().as_uri())
    experiment = client.get_experiment_by_name("scripted")
    assert experiment is not None
    (run,) = client.search_runs([experiment.experiment_id])
    assert run.data.params == {"from": "script"}


def test_without_argument_the_project_in_the_cwd_is_used(kedro_project: Path):
    write(kedro_project / "conf/local/mlflow.yml", "run:\n  name: from_cwd\n")
    code = (
        "from kedro_mlflow.framework.context import get_mlflow_config\n"
        "print(get_mlflow_config().run.name)\n"
    )
    result = _run(code, [], cwd=kedro_project)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "from_cwd"


def test_templated_config_loader_project(kedro_project: Path):
    """A project that switched to TemplatedConfigLoader, the way its kedro version does it."""
    source = kedro_project / "src" / PACKAGE
    hooks = source / "hooks.py"
    templated = 'TemplatedConfigLoader(conf_paths, globals_pattern="*globals.yml")'
    if hooks.exists() and "return ConfigLoader(conf_paths)" in hooks.read_text():
        text = hooks.read_text().replace("return ConfigLoader(conf_paths)", f"return {templated}")
        hooks.write_text("from kedro.config import TemplatedConfigLoader\n" + text)
    else:  # kedro 0.16.0-0.16.4: the ProjectContext builds the loader
        run = source / "run.py"
        text = run.read_text().replace(
            f'    package_name = "{PACKAGE}"\n',
            f'    package_name = "{PACKAGE}"\n\n'
            "    def _create_config_loader(self, conf_paths):\n"
            "        from kedro.config import TemplatedConfigLoader\n\n"
            f"        return {templated}\n",
        )
        assert "_create_config_loader" in text
        run.write_text(text)
    write(kedro_project / "conf/base/globals.yml", "store: sqlite:///templated.db\n")
    write(kedro_project / "conf/local/mlflow.yml", "mlflow_tracking_uri: ${store}\n")
    config = read_config(kedro_project)
    assert config["mlflow_tracking_uri"] == f"sqlite:///{kedro_project.resolve()}/templated.db"


def test_bad_mlflow_yml_in_a_project_names_file_and_key(kedro_project: Path):
    path = write(kedro_project / "conf/local/mlflow.yml", "hooks:\n  node:\n    sep: 3\n")
    result = _run(READ_CONFIG, [str(kedro_project), ""], cwd=kedro_project)
    assert result.returncode != 0
    assert "KedroMlflowConfigError" in result.stderr
    assert f"'{path.resolve()}' at key 'hooks.node.sep'" in result.stderr
    assert "expected a non-empty string, got 3 (int)" in result.stderr


@pytest.mark.skipif(is_kedro_016(), reason="kedro 0.16 has no KedroSession")
def test_a_session_or_the_active_session_can_stand_for_the_context(kedro_project: Path):
    write(kedro_project / "conf/local/mlflow.yml", "run:\n  name: from_session\n")
    code = (
        "from pathlib import Path\n"
        "from kedro.framework.session import KedroSession\n"
        "from kedro_mlflow.compat.kedro_compat import load_project_context\n"
        "from kedro_mlflow.framework.context import get_mlflow_config\n"
        f"project = Path({str(kedro_project)!r})\n"
        "load_project_context(project)\n"
        f"with KedroSession.create('{PACKAGE}', project, env='local') as session:\n"
        "    print(get_mlflow_config(session).run.name, get_mlflow_config().run.name)\n"
    )
    result = _run(code, [], cwd=kedro_project.parent)  # not the cwd: the session decides
    assert result.returncode == 0, result.stderr
    assert "from_session from_session" in result.stdout.splitlines()
