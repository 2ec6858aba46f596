"""km-hooks installs `kedro_mlflow.framework.hooks` with the packages it declares."""

import sys

if sys.version_info >= (3, 8):
    from importlib import metadata
else:  # Python 3.7: the backport, which mlflow already depends on
    import importlib_metadata as metadata


def test_hooks_subpackage_and_its_declared_dependencies_are_installed():
    from packaging.requirements import Requirement  # pytest depends on it

    import kedro_mlflow.framework.hooks
    from kedro_mlflow.framework.hooks._version import __version__

    assert kedro_mlflow.framework.hooks.__file__
    assert metadata.version("km-hooks") == __version__
    requires = {r.name: r for r in map(Requirement, metadata.requires("km-hooks") or [])}
    for dependency in ("km-compat", "km-config", "km-datasets", "km-pipelineml"):
        assert dependency in requires
        # installed at a version in the declared range
        assert requires[dependency].specifier.contains(metadata.version(dependency))
