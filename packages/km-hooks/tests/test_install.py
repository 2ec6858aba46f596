"""km-hooks installs `kedro_mlflow.framework.hooks` with the packages it declares."""

import sys

if sys.version_info >= (3, 8):
    from importlib import metadata
else:  # Python 3.7: the backport, which mlflow already depends on
    import importlib_metadata as metadata


def test_hooks_subpackage_and_its_declared_dependencies_are_installed():
    import kedro_mlflow.framework.hooks

    assert kedro_mlflow.framework.hooks.__file__
    requires = " ".join(metadata.requires("km-hooks") or [])
    for dependency in ("km-compat", "km-config", "km-datasets", "km-pipelineml"):
        assert dependency in requires
        assert metadata.version(dependency) == "0.8.0"
