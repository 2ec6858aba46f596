"""km-pipelineml installs `kedro_mlflow.pipeline` and `kedro_mlflow.mlflow`."""

from importlib import metadata


def test_subpackages_import_from_the_distribution():
    import kedro_mlflow.mlflow
    import kedro_mlflow.pipeline

    shipped = {str(f) for f in metadata.files("km-pipelineml")}
    assert "kedro_mlflow/pipeline/__init__.py" in shipped
    assert kedro_mlflow.pipeline.__file__.endswith("kedro_mlflow/pipeline/__init__.py")
    assert kedro_mlflow.mlflow.__file__.endswith("kedro_mlflow/mlflow/__init__.py")
