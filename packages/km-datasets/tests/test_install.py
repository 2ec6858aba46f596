"""km-datasets installs its three subpackages under the shared `kedro_mlflow.io` namespace."""

import importlib
import sys

if sys.version_info >= (3, 8):
    from importlib import metadata
else:  # Python 3.7: the backport, which mlflow already depends on
    import importlib_metadata as metadata


def test_io_subpackages_import_and_io_stays_a_namespace():
    for name in ("artifacts", "metrics", "models"):
        assert importlib.import_module(f"kedro_mlflow.io.{name}").__file__
    assert getattr(importlib.import_module("kedro_mlflow.io"), "__file__", None) is None
    from kedro_mlflow.io.common._version import __version__

    assert metadata.version("km-datasets") == __version__  # the one version, read by hatch
