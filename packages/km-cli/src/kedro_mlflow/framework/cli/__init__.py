"""`kedro mlflow ...`: the commands km-cli adds to kedro's CLI."""
