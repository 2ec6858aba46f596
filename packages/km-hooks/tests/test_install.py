"""km-hooks installs `kedro_mlflow.framework.hooks` with the packages it declares."""

from importlib import metadata


def test_hooks_subpackage_and_its_declared_dependencies_are_installed():
    import kedro_mlflow.framework.hooks

    assert kedro_mlflow.framework.hooks.__file__
    requires = " ".join(metadata.requires("km-hooks") or [])
    for dependency in ("km-config", "km-datasets", "km-pipelineml"):
        assert dependency in requires
        assert metadata.version(dependency) == "0.8.0"
