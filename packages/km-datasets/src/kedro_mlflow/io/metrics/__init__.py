"""Part of km-datasets: artifact, metric and model datasets (not released yet)."""
