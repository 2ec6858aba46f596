"""Sphinx configuration of the kedro-mlflow user guide (built by `nox -s docs`).

Four pieces of the guide are generated at build time from the installed packages, so
that they cannot drift from the code:

- ``{mlflow-yml-keys}``: the table of every mlflow.yml key, its default and its help,
  from ``kedro_mlflow.config.iter_keys()``;
- ``{mlflow-yml-layouts}``: each key's path in the flat (0.7) and the server/tracking
  (0.8) layouts, side by side;
- ``{mlflow-yml-template}``: the file ``kedro mlflow init`` writes, from
  ``kedro_mlflow.config.render_mlflow_yml()``;
- ``{package-readme}`` / ``{package-changelog}``: a package's README or CHANGELOG from
  ``packages/<name>/``, its links between packages pointed at the guide's pages.

The API reference comes from the docstrings (autodoc), the CLI reference from the
click commands (sphinx-click).
"""

import re
from pathlib import Path
from typing import Any, Dict, List

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
PACKAGES = ROOT / "packages"

project = "kedro-mlflow"
author = "the kedro-mlflow contributors"
copyright = "the kedro-mlflow contributors"
# The meta-package's version, from the one file that holds it (RELEASING.md).
release = re.search(
    r'^__version__ = "([^"]+)"$',
    (PACKAGES / "kedro-mlflow/src/kedro_mlflow/meta/_version.py").read_text(encoding="utf-8"),
    re.MULTILINE,
).group(1)
version = ".".join(release.split(".")[:2])

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.extlinks",
    "sphinx.ext.napoleon",
    "sphinx_click",
]

# Links to kedro's and mlflow's documentation, for the releases the guide is written
# against: {kedro}`text <page.html>` and {mlflow}`text <python_api/page.html#anchor>`.
# Not intersphinx: it needs each project's objects.inv, fetched over the network at
# build time (or shipped here, and neither project's site is reachable from where the
# guide is built), and `nox -s docs` must build offline with -W. extlinks only writes
# URLs; its "hardcoded link" check stays off, so plain URLs remain allowed.
KEDRO_DOCS = "https://kedro.readthedocs.io/en/0.17.7/"
MLFLOW_DOCS = "https://mlflow.org/docs/2.12.2/"
extlinks = {
    "kedro": (KEDRO_DOCS + "%s", "%s"),
    "mlflow": (MLFLOW_DOCS + "%s", "%s"),
}

source_suffix = {".md": "markdown"}
exclude_patterns = ["_build", "README.md"]
myst_enable_extensions = ["colon_fence"]
myst_heading_anchors = 3

# Options such as `--input-name` stay as typed (no en dash).
smartquotes = False

html_theme = "furo"
html_title = f"kedro-mlflow {release}"
html_static_path = ["_static"]

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True}

# Nitpicky mode checks every cross-reference; these targets belong to other projects,
# whose inventories the build does not download (it must work offline).
nitpicky = True
nitpick_ignore_regex = [
    ("py:.*", r"(kedro|mlflow|attrs|pandas|numpy|click|pluggy|typing|pathlib)\..*"),
    ("py:.*", r"(KedroContext|KedroSession|DataCatalog|Pipeline|Node|AbstractRunner)"),
    ("py:.*", r"(AbstractDataSet|AbstractVersionedDataSet|ModelSignature|PythonModel)"),
    ("py:.*", r"(Attribute|Path|T|Any|Mapping|Callable|Iterator|Iterable)"),
    ("py:.*", r"(SchemaKey|PythonModelContext|ActiveRun|Run|MlflowClient)"),
    ("py:class", r"(optional|callable|default.*|a.*|the .*)"),
    # Sections of mlflow.yml that the package does not export: the key table documents them.
    ("py:class", r"kedro_mlflow\.config\.schema\.PipelineHookOptions"),
]


# -- generated content -------------------------------------------------------------


def _format_default(value: Any) -> str:
    if value is None:
        return "`null`"
    if isinstance(value, bool):
        return "`true`" if value else "`false`"
    if value == []:
        return "`[]`"
    return f"`{value}`"


def _markdown_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


class _MarkdownDirective(SphinxDirective):
    """A directive whose content is Markdown produced at build time."""

    def markdown(self) -> List[str]:
        raise NotImplementedError

    def run(self) -> List[nodes.Node]:
        container = nodes.section() if self.has_headings else nodes.container()
        lines = self.markdown()
        self.state.nested_parse(
            StringList(lines, source=self.get_source_info()[0]),
            self.content_offset,
            container,
            match_titles=self.has_headings,
        )
        return container.children

    has_headings = False


class MlflowYmlKeys(_MarkdownDirective):
    """Every key of mlflow.yml, as a table: path, default, effect."""

    def markdown(self) -> List[str]:
        from kedro_mlflow.config import iter_keys

        lines = ["| key | default | effect |", "| --- | --- | --- |"]
        for key in iter_keys():
            if key.is_section:
                lines.append(f"| **`{key.path}`** | (section) | {_markdown_cell(key.help)} |")
            else:
                default = _format_default(key.default)
                lines.append(f"| `{key.path}` | {default} | {_markdown_cell(key.help)} |")
        return lines


class MlflowYmlLayouts(_MarkdownDirective):
    """Each key in both layouts side by side: 0.7's flat path, 0.8's path, default."""

    def markdown(self) -> List[str]:
        from kedro_mlflow.config import KedroMlflowConfig, ServerTrackingLayout, iter_keys
        from kedro_mlflow.config.layouts import flat_key_of

        lines = ["| 0.7 layout (flat) | 0.8 layout | default |", "| --- | --- | --- |"]
        nested = {
            flat_key_of(key.path): key.path
            for key in iter_keys(ServerTrackingLayout)
            if not key.is_section
        }
        for key in iter_keys(KedroMlflowConfig):
            if key.is_section:
                continue
            other = f"`{nested[key.path]}`" if key.path in nested else "(not in this layout)"
            lines.append(f"| `{key.path}` | {other} | {_format_default(key.default)} |")
        return lines


class MlflowYmlTemplate(SphinxDirective):
    """The mlflow.yml that `kedro mlflow init` writes, for a package name (and a layout)."""

    required_arguments = 1
    optional_arguments = 1

    def run(self) -> List[nodes.Node]:
        from kedro_mlflow.config import render_mlflow_yml

        layout = self.arguments[1] if len(self.arguments) > 1 else "0.7"
        text = render_mlflow_yml(self.arguments[0], layout=layout)
        block = nodes.literal_block(text, text, language="yaml")
        return [block]


# Links between the packages' files, as the READMEs write them, and where they go in
# the guide (the packages' pages live in docs/packages/).
_README_LINK = re.compile(r"\]\((\.\./)+(?:([\w-]+)/)?(README|CHANGELOG)\.md\)")


def _rewrite_links(text: str) -> str:
    def target(match: "re.Match[str]") -> str:
        package, kind = match.group(2), match.group(3)
        if package is None:  # ../../README.md: the repository's README, i.e. the guide
            return "](../index.md)"
        suffix = "" if kind == "README" else "#changelog"
        return f"]({package}.md{suffix})"

    return _README_LINK.sub(target, text)


class PackageFile(_MarkdownDirective):
    """A package's README (its title dropped: the page has its own) or CHANGELOG."""

    required_arguments = 1
    option_spec = {"changelog": directives.flag}
    has_headings = True

    def markdown(self) -> List[str]:
        name = "CHANGELOG.md" if "changelog" in self.options else "README.md"
        path = PACKAGES / self.arguments[0] / name
        self.env.note_dependency(str(path))
        lines = _rewrite_links(path.read_text(encoding="utf-8")).splitlines()
        if lines and lines[0].startswith("# "):
            lines = lines[1:]
        if "changelog" in self.options:  # below the page's own "Changelog" heading
            lines = [("#" + line) if re.match(r"###? ", line) else line for line in lines]
        return lines


_PROPERTY_DOCSTRINGS: Dict[str, List[str]] = {}


def _remember_property(
    app: Any, what: str, name: str, obj: Any, options: Any, lines: List[str]
) -> None:
    if what == "property":
        _PROPERTY_DOCSTRINGS[name] = list(lines)


def _restore_property(
    app: Any, what: str, name: str, obj: Any, options: Any, lines: List[str]
) -> None:
    """Napoleon reads a property docstring's first line "A: B" as "type: text".

    Our properties start with a sentence that may hold a colon ("The pipeline logged as
    the model: ..."), and their type comes from the annotation: keep the text as written.
    """
    original = _PROPERTY_DOCSTRINGS.pop(name, None)
    if what == "property" and original is not None and original and ":" in original[0]:
        lines[:] = original


def setup(app: Any) -> dict:
    # Around napoleon (priority 500), which turns the docstrings into reStructuredText.
    app.connect("autodoc-process-docstring", _remember_property, priority=400)
    app.connect("autodoc-process-docstring", _restore_property, priority=600)
    app.add_directive("mlflow-yml-keys", MlflowYmlKeys)
    app.add_directive("mlflow-yml-layouts", MlflowYmlLayouts)
    app.add_directive("mlflow-yml-template", MlflowYmlTemplate)
    app.add_directive("package-file", PackageFile)
    return {"parallel_read_safe": True}
