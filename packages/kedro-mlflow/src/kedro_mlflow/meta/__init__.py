"""The meta-package's one module: what makes `kedro info` list ``kedro_mlflow``.

`kedro info` (kedro 0.16 and 0.17) names each plugin after the first component of its
entry points' module and prints the version of the distribution of that name. The
``kedro.line_magic`` entry point of the kedro-mlflow distribution points here, so
`kedro info` shows ``kedro_mlflow: <version>`` when the meta-package is installed, and
nothing that could fail when only some km-* packages are.

That group is the one `kedro info` reads that kedro does not load on every call (it
loads it only in `kedro ipython` / `kedro jupyter` sessions, to register line magics):
`kedro --help` never pays for resolving the meta-package's requirements. In those
sessions it adds ``%kedro_mlflow_info``, which prints the installed packages of the
plugin, and ``%reload_kedro_mlflow`` (kedro-mlflow 0.8's), which sets MLflow up from
the project's mlflow.yml. Keep this module light: of the plugin it imports only
kedro_mlflow.config.installation, which does not import mlflow.
"""

import sys
from typing import Any, Dict, Optional

from kedro_mlflow.config.installation import DISTRIBUTIONS as PACKAGES

if sys.version_info >= (3, 8):
    from importlib import metadata
else:  # Python 3.7: the backport, which mlflow already depends on
    import importlib_metadata as metadata

DISTRIBUTIONS = ("kedro-mlflow", *PACKAGES)


def installed_versions() -> Dict[str, Optional[str]]:
    """``{distribution: version}`` of the plugin's packages; None for a missing one."""
    versions: Dict[str, Optional[str]] = {}
    for name in DISTRIBUTIONS:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def kedro_mlflow_info(line: str = "", local_ns: object = None) -> None:
    """IPython line magic: print the version of each package of kedro-mlflow."""
    for name, version in installed_versions().items():
        print(f"{name}: {version or 'not installed'}")


def reload_kedro_mlflow(line: str = "", local_ns: Optional[Dict[str, Any]] = None) -> None:
    """IPython line magic: point MLflow at the project's mlflow.yml, in a notebook.

    In a `kedro ipython` / `kedro jupyter` session (whose ``session`` or ``context`` it
    reads), it exports the credentials, sets the tracking URI and the experiment, and
    makes ``mlflow`` and ``mlflow_client`` (an ``MlflowClient`` on that URI) names of the
    notebook. Run it again after editing mlflow.yml.
    """
    import mlflow
    from mlflow.tracking import MlflowClient

    from kedro_mlflow.compat.redaction import redact_uri
    from kedro_mlflow.config import get_mlflow_config

    namespace = local_ns if local_ns is not None else {}
    source = namespace.get("session") or namespace.get("context")
    config = get_mlflow_config(source)  # None: the active session, else the working dir
    config.setup()
    names = {"mlflow": mlflow, "mlflow_client": MlflowClient(config.mlflow_tracking_uri)}
    shell = _ipython_shell()
    if shell is not None:
        shell.push(names)
    namespace.update(names)
    shown = redact_uri(config.mlflow_tracking_uri)
    print(f"MLflow tracks to {shown}, experiment {config.experiment.name!r}")


def _ipython_shell() -> Any:
    try:
        from IPython import get_ipython
    except ImportError:  # called as a plain function, outside IPython
        return None
    return get_ipython()
