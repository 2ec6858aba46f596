"""The example's pipelines: ``training`` logs ``inference`` as an MLflow model."""

from typing import Dict

from kedro.pipeline import Pipeline, node

from kedro_mlflow.pipeline import pipeline_ml_factory

from .nodes import evaluate, fit_scaler, predict, scale, split_data, train_model


def create_inference_pipeline() -> Pipeline:
    """From raw measurements (``instances``) to ``predictions``."""
    return Pipeline(
        [
            node(scale, ["instances", "scaler"], "scaled_instances", name="scale_instances"),
            node(predict, ["scaled_instances", "model"], "predictions", name="predict"),
        ]
    )


def create_training_pipeline() -> Pipeline:
    """Split, fit the scaler and the model, evaluate on the held-out rows."""
    return Pipeline(
        [
            node(
                split_data,
                ["instances", "labels", "params:test_fraction", "params:seed"],
                ["train_instances", "train_labels", "test_instances", "test_labels"],
                name="split_data",
            ),
            node(fit_scaler, "train_instances", "scaler", name="fit_scaler"),
            node(scale, ["train_instances", "scaler"], "scaled_train", name="scale_train"),
            node(
                train_model,
                ["scaled_train", "train_labels", "params:learning_rate", "params:epochs"],
                ["model", "training_metrics"],
                name="train_model",
            ),
            node(scale, ["test_instances", "scaler"], "scaled_test", name="scale_test"),
            node(predict, ["scaled_test", "model"], "test_predictions", name="predict_test"),
            node(
                evaluate,
                ["test_predictions", "test_labels"],
                ["evaluation_metrics", "confusion_matrix"],
                name="evaluate",
            ),
        ]
    )


def create_pipelines() -> Dict[str, Pipeline]:
    """``training`` (also the default) and ``inference``, bound by pipeline_ml_factory."""
    inference = create_inference_pipeline()
    training = pipeline_ml_factory(
        training=create_training_pipeline(), inference=inference, input_name="instances"
    )
    return {"__default__": training, "training": training, "inference": inference}
