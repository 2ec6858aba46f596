"""Every automated check of the kedro-mlflow monorepo.

    nox -s lint build docs unit tests   # what CI runs (README.md, .ci/run)
    nox -s demo                         # the end-to-end demo
    nox -s bench [-- --quick]           # every benchmark, one summary table (not in CI)
    nox -l                              # every session and matrix cell

The matrix cells below are the only place that names kedro/mlflow versions for
testing; each package's pyproject declares exactly the ranges they span.
"""

import json
import os
import sys
import zipfile
from pathlib import Path
from typing import Dict, Iterable, List, Tuple

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
    """sdist and wheel for every package; twine check; no two wheels share a file."""
    session.install("build", "twine")
    if DIST_DIR.exists():
        for old in DIST_DIR.iterdir():
            old.unlink()
    for name in PACKAGES:
        session.run(
            "python",
            "-m",
            "build",
            "--installer",
            "uv",
            "--outdir",
            str(DIST_DIR),
            str(PACKAGES_DIR / name),
            silent=True,
        )
    session.run("twine", "check", "--strict", *sorted(str(p) for p in DIST_DIR.iterdir()))
    problems = check_wheels(sorted(DIST_DIR.glob("*.whl"))) + check_dependency_ranges()
    if problems:
        session.error("packaging problems:\n  " + "\n  ".join(problems))
    session.log(
        f"{len(PACKAGES)} wheels, no overlap, each holds only its own subpackages, each"
        " package with its py.typed; dependency ranges match the matrix"
    )


# A namespace level must never be shipped as a regular package.
NAMESPACE_LEVELS = ("kedro_mlflow/", "kedro_mlflow/framework/", "kedro_mlflow/io/")


def check_wheels(wheels: List[Path]) -> List[str]:
    """Problems with the wheels' contents: overlaps, stray or missing files (py.typed too)."""
    problems: List[str] = []
    owners: Dict[str, str] = {}
    by_dist = {_wheel_dist(w): w for w in wheels}
    for name in PACKAGES:
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
    """Each package declares exactly the kedro/mlflow/Python span the matrix tests."""
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
                ours = _pyproject(dependency)["project"]["version"].split(".")
                pin = f"{dependency}>={ours[0]}.{ours[1]},<{ours[0]}.{int(ours[1]) + 1}"
                if requirement != pin:
                    problems.append(f"{name}: {requirement!r} should be {pin!r}")
    return problems


def _wheel_dist(wheel: Path) -> str:
    return wheel.name.split("-")[0].lower()


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
