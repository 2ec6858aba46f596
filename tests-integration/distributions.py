"""This repository's distributions, for the tests that build, install or inspect them."""

# The km-* packages, each released on its own (km-config first: the others need it).
PACKAGES = ["km-config", "km-datasets", "km-pipelineml", "km-hooks", "km-cli-entrypoint", "km-cli"]
META = "kedro-mlflow"  # pulls the packages together
ALL = [*PACKAGES, META]
