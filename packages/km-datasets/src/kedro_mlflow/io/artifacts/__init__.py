"""Artifact datasets: files written by any kedro dataset, logged to an MLflow run."""

from .mlflow_artifact_dataset import MlflowArtifactDataSet

__all__ = ["MlflowArtifactDataSet"]
