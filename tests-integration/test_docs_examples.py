"""Every code block of the user guide (docs/) that a user is told to run or to copy.

A block is tested according to the marker line written just above it in the Markdown
source (a MyST comment, invisible in the built guide):

    % test: python               run it as a script, in a new folder with a file store
    % test: python project=iris  ... in a trained copy of the tutorial's iris project
    % test: stdout               this block is what the python block above prints
    % test: catalog              catalog.yml entries: DataCatalog.from_config builds them
    % test: mlflow.yml           KedroMlflowConfig.from_dict validates it
    % test: yaml                 it parses as YAML (e.g. a kedro config file)
    % test: skip <reason>        shown only; the reason is required

Any marker takes ``requires=kedro>=0.17.1`` (or ``mlflow<2.4``...), comma-separated for
several: the block is skipped on other versions. Every ``python`` and ``yaml`` block
must carry a marker, so that a new example cannot escape the tests; shell commands
and outputs need none. The tests run in every cell of the matrix.

The docstrings of the public datasets, hooks, ``pipeline_ml_factory`` and
``KedroPipelineModel`` (``DOCSTRING_TARGETS``) hold examples too, as reStructuredText
``.. code-block:: yaml`` / ``.. code-block:: python`` sections; they are collected and
run the same way. A ``yaml`` block there is a catalog entry and a ``python`` block a
script, unless an RST comment just above says otherwise with the same words
(``.. test: python project=iris requires=kedro>=0.17.1``, ``.. test: stdout`` above a
``text`` block). Each target must have a Python example, each dataset a catalog entry.

No published page may show a path of a developer's machine or a warning from a
developer's environment (``FORBIDDEN``).
"""

import importlib
import inspect
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Dict, Iterator, List, NamedTuple, Optional, Tuple

import pytest
import yaml
from km_testkit.executables import KEDRO

if sys.version_info >= (3, 8):
    from importlib import metadata
else:  # Python 3.7: the backport, which mlflow already depends on
    import importlib_metadata as metadata

DOCS = Path(__file__).resolve().parents[1] / "docs"

MARKER = re.compile(r"^\s*% test: (?P<kind>[\w.]+)(?P<rest>.*)$")
FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>```+|~~~+)(?P<info>[^`]*)$")
KINDS = {"python", "stdout", "catalog", "mlflow.yml", "yaml", "skip"}
# Languages whose blocks a user runs or copies: they must carry a marker.
MUST_BE_MARKED = {"python", "yaml", "yml"}
OPTIONS = {"project", "requires"}
PROJECTS = {"iris"}


class Block(NamedTuple):
    source: str  # docs-relative path
    line: int  # of the opening fence, 1-based
    language: str
    text: str
    kind: Optional[str]
    options: Dict[str, str]
    reason: str

    @property
    def name(self) -> str:
        return f"{self.source}:{self.line}"


def doc_sources() -> List[Path]:
    return sorted(
        path
        for path in DOCS.rglob("*.md")
        if "_build" not in path.relative_to(DOCS).parts and path.name != "README.md"
    )


def parse_blocks(path: Path) -> Iterator[Block]:
    """The fenced code blocks of a Markdown file, with the marker line above each."""
    lines = path.read_text(encoding="utf-8").splitlines()
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening or not opening.group("info").strip():
            index += 1
            continue
        language = opening.group("info").strip().split()[0]
        fence, indent = opening.group("fence"), opening.group("indent")
        end = index + 1
        while end < len(lines) and lines[end].strip() != fence:
            end += 1
        body = [
            line[len(indent) :] if line.startswith(indent) else line
            for line in lines[index + 1 : end]
        ]
        marker = _marker_above(lines, index)
        kind, options, reason = (None, {}, "") if marker is None else _parse_marker(marker)
        yield Block(
            str(path.relative_to(DOCS)),
            index + 1,
            language,
            textwrap.dedent("\n".join(body)) + "\n",
            kind,
            options,
            reason,
        )
        index = end + 1


def _marker_above(lines: List[str], index: int) -> Optional[str]:
    above = index - 1
    while above >= 0 and not lines[above].strip():
        above -= 1
    if above >= 0 and MARKER.match(lines[above]):
        return lines[above]
    return None


def _parse_marker(line: str) -> Tuple[str, Dict[str, str], str]:
    match = MARKER.match(line)
    assert match is not None
    kind, rest = match.group("kind"), match.group("rest").strip()
    if kind == "skip":
        return kind, {}, rest
    options = {}
    for word in rest.split():
        key, _, value = word.partition("=")
        options[key] = value
    return kind, options, ""


# -- examples in docstrings ---------------------------------------------------------

# "module:name" of each object whose docstring must show (and test) its use.
DATASET_TARGETS = [
    "kedro_mlflow.io.artifacts:MlflowArtifactDataSet",
    "kedro_mlflow.io.metrics:MlflowMetricsDataSet",
    "kedro_mlflow.io.metrics:MlflowMetricDataSet",
    "kedro_mlflow.io.metrics:MlflowMetricHistoryDataSet",
    "kedro_mlflow.io.models:MlflowModelLoggerDataSet",
    "kedro_mlflow.io.models:MlflowModelSaverDataSet",
    "kedro_mlflow.io.models:MlflowModelRegistryDataSet",
]
DOCSTRING_TARGETS = [
    *DATASET_TARGETS,
    "kedro_mlflow.framework.hooks:MlflowPipelineHook",
    "kedro_mlflow.framework.hooks:MlflowNodeHook",
    "kedro_mlflow.pipeline:pipeline_ml_factory",
    "kedro_mlflow.mlflow:KedroPipelineModel",
]
RST_BLOCK = re.compile(r"^(?P<indent>\s*)\.\. code-block:: (?P<language>[\w.]+)\s*$")
RST_MARKER = re.compile(r"^\s*\.\. test: (?P<marker>.*)$")
DEFAULT_KINDS = {"yaml": "catalog", "python": "python"}


def docstring(target: str) -> str:
    module, _, name = target.partition(":")
    return inspect.getdoc(getattr(importlib.import_module(module), name)) or ""


def parse_docstring_blocks(target: str) -> Iterator[Block]:
    """The ``.. code-block::`` sections of a docstring, with the RST marker above each."""
    lines = docstring(target).splitlines()
    for index, line in enumerate(lines):
        opening = RST_BLOCK.match(line)
        if not opening:
            continue
        indent = len(opening.group("indent"))
        end = index + 1
        while end < len(lines) and (
            not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) > indent
        ):
            end += 1
        language = opening.group("language")
        marker = _rst_marker_above(lines, index)
        if marker is None:
            kind, options, reason = DEFAULT_KINDS.get(language), {}, ""
        else:
            kind, options, reason = _parse_marker("% test: " + marker)
        yield Block(
            f"docstring of {target.replace(':', '.')}",
            index + 1,
            language,
            textwrap.dedent("\n".join(lines[index + 1 : end])).strip("\n") + "\n",
            kind,
            options,
            reason,
        )


def _rst_marker_above(lines: List[str], index: int) -> Optional[str]:
    above = index - 1
    while above >= 0 and not lines[above].strip():
        above -= 1
    match = RST_MARKER.match(lines[above]) if above >= 0 else None
    return match.group("marker") if match else None


DOCSTRING_BLOCKS = {target: list(parse_docstring_blocks(target)) for target in DOCSTRING_TARGETS}

ALL_BLOCKS = [block for path in doc_sources() for block in parse_blocks(path)] + [
    block for blocks in DOCSTRING_BLOCKS.values() for block in blocks
]
MARKED = [block for block in ALL_BLOCKS if block.kind is not None]


def _with_output(blocks: List[Block]) -> List[Tuple[Block, Optional[Block]]]:
    """Each python block, with the stdout block that follows it, if any."""
    pairs: List[Tuple[Block, Optional[Block]]] = []
    for index, block in enumerate(blocks):
        if block.kind != "python":
            continue
        following = blocks[index + 1] if index + 1 < len(blocks) else None
        expected = (
            following
            if following is not None
            and following.kind == "stdout"
            and following.source == block.source
            else None
        )
        pairs.append((block, expected))
    return pairs


PYTHON = _with_output(MARKED)


def _by_kind(kind: str) -> List[Block]:
    return [block for block in MARKED if block.kind == kind]


# -- versions ------------------------------------------------------------------------

_REQUIREMENT = re.compile(r"^(?P<name>[\w.-]+)(?P<op>>=|<=|==|!=|<|>)(?P<version>[\d.]+)$")


def _version(text: str) -> Tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


def unmet_requirements(block: Block) -> List[str]:
    unmet = []
    for requirement in filter(None, block.options.get("requires", "").split(",")):
        match = _REQUIREMENT.match(requirement)
        assert match, f"{block.name}: cannot read requires={requirement!r}"
        installed = _version(metadata.version(match.group("name")))
        wanted = _version(match.group("version"))
        holds = {
            ">=": installed >= wanted,
            "<=": installed <= wanted,
            "==": installed == wanted,
            "!=": installed != wanted,
            "<": installed < wanted,
            ">": installed > wanted,
        }[match.group("op")]
        if not holds:
            unmet.append(requirement)
    return unmet


def skip_unless_applicable(block: Block) -> None:
    unmet = unmet_requirements(block)
    if unmet:
        pytest.skip(f"{block.name} applies to {', '.join(unmet)} only")


# -- the guide's own rules -----------------------------------------------------------


def test_the_guide_has_examples():
    assert len(doc_sources()) >= 10
    assert len(PYTHON) >= 10 and len(_by_kind("catalog")) >= 10


def test_every_block_to_run_or_copy_is_marked():
    unmarked = [
        block.name
        for block in ALL_BLOCKS
        if block.language in MUST_BE_MARKED and block.kind is None
    ]
    assert not unmarked, f"python/yaml blocks without a '% test:' line above: {unmarked}"


@pytest.mark.parametrize("target", DOCSTRING_TARGETS)
def test_the_docstring_shows_an_example(target: str):
    kinds = [block.kind for block in DOCSTRING_BLOCKS[target]]
    assert "python" in kinds, f"{target}: no '.. code-block:: python' example"
    if target in DATASET_TARGETS:
        assert "catalog" in kinds, f"{target}: no '.. code-block:: yaml' catalog entry"


# What a page must not show: where the guide's author ran its commands, warnings of
# their environment. Examples use a user's folder (/home/alice/...).
FORBIDDEN = re.compile(r"/work/|/root/|/tmp/|venvs|DeprecationWarning|Warning:")


def published_texts() -> Iterator[Tuple[str, str]]:
    """Each page, each package README/CHANGELOG a page includes, each tested docstring."""
    for path in doc_sources():
        yield str(path.relative_to(DOCS)), path.read_text(encoding="utf-8")
    for path in sorted((DOCS.parent / "packages").glob("*/*.md")):
        yield str(path.relative_to(DOCS.parent)), path.read_text(encoding="utf-8")
    for target in DOCSTRING_TARGETS:
        yield f"docstring of {target}", docstring(target)


def test_no_page_shows_a_developer_s_paths_or_warnings():
    found = [
        f"{source}:{number}: {line.strip()[:120]}"
        for source, text in published_texts()
        for number, line in enumerate(text.splitlines(), start=1)
        if FORBIDDEN.search(line)
    ]
    assert not found, "a developer's path or warning in a published page:\n" + "\n".join(found)


@pytest.mark.parametrize("block", MARKED, ids=lambda block: block.name)
def test_markers_are_well_formed(block: Block):
    assert block.kind in KINDS, f"{block.name}: unknown kind {block.kind!r}"
    assert set(block.options) <= OPTIONS, f"{block.name}: unknown options {block.options}"
    assert block.options.get("project", "iris") in PROJECTS
    if block.kind == "skip":
        assert block.reason, f"{block.name}: say why the block is not tested"
    if block.kind == "stdout":
        assert any(
            expected is not None and expected.line == block.line for _, expected in PYTHON
        ), f"{block.name}: a stdout block must follow a python block"
    unmet_requirements(block)  # readable


# -- YAML ----------------------------------------------------------------------------


@pytest.mark.parametrize("block", _by_kind("catalog"), ids=lambda block: block.name)
def test_catalog_entries_load(block: Block, tmp_path: Path, monkeypatch):
    from kedro.io import DataCatalog

    skip_unless_applicable(block)
    monkeypatch.chdir(tmp_path)
    entries = yaml.safe_load(block.text)
    assert isinstance(entries, dict) and entries, f"{block.name}: no catalog entries"
    catalog = DataCatalog.from_config(entries)
    assert set(entries) <= set(catalog.list())
    for name in entries:
        assert "kedro_mlflow" in str(entries[name]), f"{block.name}: {name} is not ours"


@pytest.mark.parametrize("block", _by_kind("mlflow.yml"), ids=lambda block: block.name)
def test_mlflow_yml_is_valid(block: Block, tmp_path: Path):
    from kedro_mlflow.config import KedroMlflowConfig

    skip_unless_applicable(block)
    data = yaml.safe_load(block.text)
    config = KedroMlflowConfig.from_dict(data, project_path=tmp_path, package_name="my_package")
    for key, value in (data or {}).items():
        if not isinstance(value, dict) and key != "mlflow_tracking_uri":
            assert config.to_dict()[key] == value


@pytest.mark.parametrize("block", _by_kind("yaml"), ids=lambda block: block.name)
def test_yaml_parses(block: Block):
    skip_unless_applicable(block)
    assert yaml.safe_load(block.text) is not None


# -- Python --------------------------------------------------------------------------


def _clean_environment() -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}
    env["JUPYTER_PLATFORM_DIRS"] = "1"  # jupyter_core's deprecation warning on every kedro call
    return env


@pytest.fixture(scope="module")
def iris_project(tmp_path_factory) -> Path:
    """The tutorial's project: `kedro mlflow new`, then `kedro run --pipeline=training`."""
    workdir = tmp_path_factory.mktemp("docs-iris")
    config = workdir / "new.yml"
    config.write_text(
        yaml.safe_dump(
            {
                "output_dir": str(workdir),
                "project_name": "Iris Demo",
                "repo_name": "iris-demo",
                "python_package": "iris_demo",
                "include_example": False,
            }
        )
    )
    env = dict(_clean_environment(), HOME=str(workdir))  # cookiecutter's replay files
    for command, cwd in (
        ([KEDRO, "mlflow", "new", "--config", str(config)], workdir),
        ([KEDRO, "run", "--pipeline=training"], workdir / "iris-demo"),
    ):
        done = subprocess.run(
            command,
            cwd=str(cwd),
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stdout
    return workdir / "iris-demo"


def _copy_project(project: Path, destination: Path) -> Path:
    """A copy per block, so that no example sees what another one did."""
    target = destination / project.name
    shutil.copytree(str(project), str(target))
    return target


@pytest.mark.parametrize("block,expected", PYTHON, ids=[block.name for block, _ in PYTHON])
def test_python_example_runs(block: Block, expected: Optional[Block], tmp_path: Path, request):
    skip_unless_applicable(block)
    env = _clean_environment()
    if block.options.get("project") == "iris":
        cwd = _copy_project(request.getfixturevalue("iris_project"), tmp_path)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(cwd / "src"), env.get("PYTHONPATH")]))
        env["HOME"] = str(tmp_path)
    else:
        cwd = tmp_path / "work"
        cwd.mkdir()
        # a file store of its own: what a user gets by default, in a folder of the test
        env["MLFLOW_TRACKING_URI"] = (tmp_path / "mlruns").as_uri()
    script = cwd / "docs_example.py"
    script.write_text(block.text)
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=str(cwd),
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, f"{block.name} failed:\n{done.stdout}\n{done.stderr}"
    if expected is not None:
        assert _normalise(done.stdout) == _normalise(expected.text), (
            f"{block.name} printed something else than {expected.name} shows:\n{done.stdout}"
        )


def _normalise(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip().splitlines())
