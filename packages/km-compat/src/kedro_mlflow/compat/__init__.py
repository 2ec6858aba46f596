"""kedro-mlflow's one boundary to kedro's and mlflow's internals and version differences.

Every difference between kedro 0.16 and 0.17, or between mlflow 1.x and 2.x, and every
use of a private attribute of a kedro or mlflow object, is answered here, by functions
named for what they give; the other packages call them (``nox -s lint`` checks it).

- :mod:`kedro_mlflow.compat.kedro_compat`: kedro;
- :mod:`kedro_mlflow.compat.mlflow_compat`: mlflow (imports mlflow: keep it out of
  modules that kedro imports at start-up);
- :mod:`kedro_mlflow.compat.redaction`: tracking URIs shown without their password.
"""
