"""Artifact datasets: files written by any kedro dataset, logged to an MLflow run."""

from .artifact_dataset import MlflowArtifactDataSet

__all__ = ["MlflowArtifactDataSet"]
