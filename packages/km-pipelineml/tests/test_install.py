"""km-pipelineml installs `kedro_mlflow.pipeline` and `kedro_mlflow.mlflow`."""

import sys

if sys.version_info >= (3, 8):
    from importlib import metadata
else:  # Python 3.7: the backport, which mlflow already depends on
    import importlib_metadata as metadata


def test_subpackages_import_from_the_distribution():
    import kedro_mlflow.mlflow
    import kedro_mlflow.pipeline

    shipped = {str(f) for f in metadata.files("km-pipelineml")}
    assert "kedro_mlflow/pipeline/__init__.py" in shipped
    assert kedro_mlflow.pipeline.__file__.endswith("kedro_mlflow/pipeline/__init__.py")
    assert kedro_mlflow.mlflow.__file__.endswith("kedro_mlflow/mlflow/__init__.py")
