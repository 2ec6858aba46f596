"""km-cli installs `kedro_mlflow.framework.cli` beside km-config's `framework.context`."""

import kedro_mlflow.framework.cli
import kedro_mlflow.framework.context


def test_cli_shares_the_framework_namespace_with_km_config():
    import kedro_mlflow.framework as framework

    assert getattr(framework, "__file__", None) is None
    assert kedro_mlflow.framework.cli.__file__
    assert callable(kedro_mlflow.framework.context.get_mlflow_config)
