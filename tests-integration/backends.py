"""The tracking stores every scenario suite runs against, and the session fixture
(tests-integration/conftest.py) that gives each server."""

BACKENDS = ["file-store", "sqlite-server", "postgresql-server"]
SERVER_FIXTURES = {"sqlite-server": "mlflow_server", "postgresql-server": "postgres_mlflow_server"}
