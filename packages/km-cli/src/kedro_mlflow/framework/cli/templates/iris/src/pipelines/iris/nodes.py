"""The example's nodes: a standardised softmax regression written with numpy and pandas.

The model is a plain dict of arrays and the scaler a DataFrame, so the logged model
needs nothing beyond what kedro and mlflow already install.
"""

from typing import Any, Dict, List, Tuple

import numpy as np
import pandas as pd

Model = Dict[str, Any]


def split_data(
    instances: pd.DataFrame, labels: pd.DataFrame, test_fraction: float, seed: int
) -> Tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Shuffle the rows once and keep ``test_fraction`` of them for evaluation."""
    order = np.random.RandomState(seed).permutation(len(instances))
    n_test = int(round(len(instances) * test_fraction))
    test, train = order[:n_test], order[n_test:]
    return (
        instances.iloc[train],
        labels.iloc[train],
        instances.iloc[test],
        labels.iloc[test],
    )


def fit_scaler(instances: pd.DataFrame) -> pd.DataFrame:
    """Each feature's mean and standard deviation, learnt on the training rows."""
    return pd.DataFrame({"mean": instances.mean(), "std": instances.std(ddof=0)}).T


def scale(instances: pd.DataFrame, scaler: pd.DataFrame) -> pd.DataFrame:
    """Standardise the features the scaler knows, in its column order."""
    columns = list(scaler.columns)
    return (instances[columns] - scaler.loc["mean"]) / scaler.loc["std"]


def train_model(
    scaled: pd.DataFrame, labels: pd.DataFrame, learning_rate: float, epochs: int
) -> Tuple[Model, Dict[str, List[Dict[str, float]]]]:
    """Fit the softmax regression by gradient descent; return it and its loss history."""
    classes = sorted(labels["species"].unique())
    targets = (labels["species"].to_numpy()[:, None] == np.array(classes)).astype(float)
    features = scaled.to_numpy()
    weights = np.zeros((features.shape[1], len(classes)))
    bias = np.zeros(len(classes))
    history = []
    for epoch in range(epochs):
        probabilities = _softmax(features @ weights + bias)
        gradient = (probabilities - targets) / len(features)
        weights -= learning_rate * features.T @ gradient
        bias -= learning_rate * gradient.sum(axis=0)
        if epoch % 10 == 0 or epoch == epochs - 1:
            loss = -np.mean(np.sum(targets * np.log(probabilities + 1e-12), axis=1))
            history.append({"value": float(loss), "step": epoch})
    model = {"weights": weights, "bias": bias, "classes": classes}
    return model, {"loss": history}


def predict(scaled: pd.DataFrame, model: Model) -> pd.DataFrame:
    """The most probable species of each row."""
    scores = scaled.to_numpy() @ model["weights"] + model["bias"]
    species = np.array(model["classes"])[scores.argmax(axis=1)]
    return pd.DataFrame({"species": species}, index=scaled.index)


def evaluate(
    predictions: pd.DataFrame, labels: pd.DataFrame
) -> Tuple[Dict[str, Dict[str, float]], pd.DataFrame]:
    """Accuracy on the held-out rows, and the confusion matrix (true species by row)."""
    truth = labels["species"].to_numpy()
    guessed = predictions["species"].to_numpy()
    accuracy = float(np.mean(truth == guessed))
    confusion = pd.crosstab(
        pd.Series(truth, name="true"), pd.Series(guessed, name="predicted")
    ).reset_index()
    return {"accuracy": {"value": accuracy, "step": 0}}, confusion


def _softmax(scores: np.ndarray) -> np.ndarray:
    # shifted by the row maximum: exp() of large scores would overflow
    exps = np.exp(scores - scores.max(axis=1, keepdims=True))
    return exps / exps.sum(axis=1, keepdims=True)
