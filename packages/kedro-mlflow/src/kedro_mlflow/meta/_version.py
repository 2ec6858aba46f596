"""The meta-package's version: the one place it is written (hatch reads it for the metadata).

Above upstream kedro-mlflow's last release for kedro < 0.18 (0.8.1) and below its first
for kedro 0.18 (0.9.0), and never one of upstream's releases: RELEASING.md.
"""

__version__ = "0.8.2"
