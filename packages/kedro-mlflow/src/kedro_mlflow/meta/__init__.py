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
plugin. Keep this module light: of the plugin it imports only kedro_mlflow.config,
which does not import mlflow.
"""

from kedro_mlflow.config.installation import DISTRIBUTIONS as PACKAGES
from kedro_mlflow.config.installation import metadata

DISTRIBUTIONS = ("kedro-mlflow", *PACKAGES)


def installed_versions() -> dict:
    """``{distribution: version}`` of the plugin's packages; None for a missing one."""
    versions = {}
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
