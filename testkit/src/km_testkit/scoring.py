"""Asking a model served by `mlflow models serve` (or `predict`) for predictions.

The payload changed with mlflow 2.0; only tests and the demo talk to a model server,
so the difference lives here, not in km-compat.
"""

import json
from typing import Any, Tuple

from km_testkit import versions


def scoring_request(frame: Any) -> Tuple[str, str]:
    """``(content type, body)`` asking a served model to predict on a pandas DataFrame.

    mlflow 2.x wants ``{"dataframe_split": ...}`` as plain JSON; 1.x wants the split
    orient itself, announced by the content type. Also the input file format of
    ``mlflow models predict --content-type json``.
    """
    if versions.MLFLOW_VERSION >= (2, 0, 0):
        body = json.dumps({"dataframe_split": json.loads(frame.to_json(orient="split"))})
        return "application/json", body
    return "application/json; format=pandas-split", frame.to_json(orient="split")


def scoring_predictions(payload: Any) -> Any:
    """The predictions in a decoded scoring answer (2.x wraps them in ``{"predictions": ...}``)."""
    if isinstance(payload, dict) and "predictions" in payload:
        return payload["predictions"]
    return payload
