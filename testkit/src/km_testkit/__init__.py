"""kedro-mlflow's test kit: what the tests, benchmarks and demo share (never published).

Import the module you need (``from km_testkit.ports import free_port``): this package
imports nothing itself, so that a test environment without km-compat (km-cli-entrypoint's
unit session) can still use the modules that do not need it (ports, executables).
"""
