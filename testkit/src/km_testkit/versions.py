"""The installed kedro and mlflow releases, for tests that expect each one's behaviour.

Product code never tests a version outside km-compat; tests and the kit's own helpers
read these instead (km-compat keeps its version constants to itself).
"""

from typing import Tuple

import kedro
import mlflow

from kedro_mlflow.compat.versions import release_tuple

KEDRO_VERSION: Tuple[int, int, int] = release_tuple(kedro.__version__)
MLFLOW_VERSION: Tuple[int, int, int] = release_tuple(mlflow.__version__)


def is_kedro_016() -> bool:
    """True on kedro 0.16.x (`.kedro.yml` projects, `load_context`, no sessions)."""
    return KEDRO_VERSION < (0, 17, 0)
