"""This repository's distributions, for the tests that build, install or inspect them."""

from kedro_mlflow.config.installation import DISTRIBUTIONS, META

# The km-* packages, each released on its own, in the order they build on each other.
PACKAGES = list(DISTRIBUTIONS)
ALL = [*PACKAGES, META]
