"""The layering rules of the repository, checked on the packages' sources (nox -s lint).

1. A private attribute of a kedro or mlflow object (``catalog._data_sets``,
   ``mlflow.tracking.fluent._active_run_stack``), a private name imported from them, or a
   test of the kedro or mlflow version, appears only in km-compat
   (``kedro_mlflow/compat/``). ``x._name`` on anything but ``self`` / ``cls`` is a breach
   unless our own sources define ``_name`` (a ``def _x``, a ``self._x = ...``) and it is
   not one of the names kedro and mlflow use too (``KNOWN_FOREIGN``).
2. A module of one distribution imports from another distribution only names that the
   imported module lists in its ``__all__`` (or its submodules): the public surface.
3. Every public name of km-compat (a module's ``__all__``, else its top-level functions,
   classes and assignments without a leading ``_``) is used by some other module of the
   packages' sources: imported from its module, or read as an attribute of it. A name that
   only tests, benchmarks or the demo use is test-only code in a wheel; it belongs in the
   test kit (``testkit/``, never published).

Prints one line per breach (``path:line: message``) and exits 1 when there is any.
"""

import ast
import sys
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Set, Tuple

ROOT = Path(__file__).resolve().parents[1]
COMPAT = Path("kedro_mlflow") / "compat"
FOREIGN = ("kedro", "mlflow")
VERSION_NAMES = {"KEDRO_VERSION", "MLFLOW_VERSION", "KEDRO_VERSION_STRING"}
# Private attributes of kedro and mlflow objects that our own classes also define (so
# the rule below cannot tell them apart by name): outside km-compat they are breaches
# even on an object of ours; give such an object a public name for it instead.
KNOWN_FOREIGN = {
    "_data_sets",
    "_filepath",
    "_protocol",
    "_version",
    "_describe",
    "_load",
    "_save",
    "_exists",
    "_get_load_path",
    "_get_save_path",
    "_get_versioned_path",
    "_inputs",
    "_outputs",
    "_decorators",
    "_func",
    "_nodes",
    "_nodes_by_name",
    "_active_run_stack",
}


def sources(packages: Path) -> Iterator[Tuple[str, Path, Path]]:
    """(distribution, path, path relative to its src/) of every source file."""
    for src in sorted(packages.glob("*/src")):
        for path in sorted(src.rglob("*.py")):
            yield src.parent.name, path, path.relative_to(src)


def module_name(relative: Path) -> str:
    parts = list(relative.with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def our_private_names(trees: Dict[Path, ast.AST]) -> Set[str]:
    names: Set[str] = set()
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.arg):
                names.add(node.arg)
    return {name for name in names if name.startswith("_")}


# Public API of every namedtuple (urllib's ParseResult, our NamedTuples), despite the "_".
NAMEDTUPLE_API = {"_replace", "_asdict", "_fields", "_make", "_field_defaults"}


def _private(name: str) -> bool:
    if name in NAMEDTUPLE_API:
        return False
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _string(node: ast.AST) -> str:
    """The value of a string literal ("" for anything else); Python 3.7 parses ast.Str."""
    value = getattr(node, "value", getattr(node, "s", None))
    return value if isinstance(value, str) else ""


def _mentions_version(node: ast.AST) -> bool:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Attribute) and sub.attr == "__version__":
            return True
        if isinstance(sub, ast.Name) and sub.id in VERSION_NAMES:
            return True
    return False


def private_use_problems(tree: ast.AST, ours: Set[str]) -> Iterator[Tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            owner = node.value
            if isinstance(owner, ast.Name) and owner.id in ("self", "cls"):
                continue
            if node.attr not in ours or node.attr in KNOWN_FOREIGN:
                yield node.lineno, f"private attribute .{node.attr} (go through km-compat)"
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "hasattr", "setattr")
            and len(node.args) >= 2
            and _private(_string(node.args[1]))
        ):
            owner = node.args[0]
            name = _string(node.args[1])
            if isinstance(owner, ast.Name) and owner.id in ("self", "cls"):
                continue
            if name not in ours or name in KNOWN_FOREIGN:
                yield node.lineno, f"private attribute {name!r} by name (go through km-compat)"
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            top = node.module.split(".")[0]
            if top not in FOREIGN:
                continue
            if any(_private(part) for part in node.module.split(".")):
                yield node.lineno, f"private module {node.module} (go through km-compat)"
            for alias in node.names:
                if _private(alias.name):
                    yield node.lineno, f"private name {alias.name} of {node.module}"
        elif isinstance(node, ast.Compare) and _mentions_version(node):
            yield node.lineno, "kedro/mlflow version test (belongs in km-compat)"


class Surface:
    """The modules of every distribution, with their ``__all__``."""

    def __init__(self, trees: Dict[Path, ast.AST], owners: Dict[Path, str]) -> None:
        self.modules: Dict[str, Tuple[str, Optional[Set[str]]]] = {}
        for path, tree in trees.items():
            name, dist = owners[path]
            self.modules[name] = (dist, _dunder_all(tree))

    def problem(self, importer: str, module: str, name: str) -> Optional[str]:
        found = self.modules.get(module)
        if found is None:
            return None  # not one of ours (or a namespace level)
        dist, exported = found
        if dist == importer or f"{module}.{name}" in self.modules:
            return None
        if exported is None:
            return f"{module} ({dist}) has no __all__: {name} is not public"
        if name not in exported:
            return f"{name} is not in the __all__ of {module} ({dist})"
        return None


def _dunder_all(tree: ast.AST) -> Optional[Set[str]]:
    for node in getattr(tree, "body", []):
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            try:
                return set(ast.literal_eval(node.value))
            except ValueError:
                return None
    return None


def _package_of(module: str, is_package: bool) -> str:
    """The package a relative import in ``module`` starts from."""
    return module if is_package else module.rpartition(".")[0]


def _resolve(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The absolute name of the module ``node`` imports from."""
    if node.level == 0:
        return node.module or ""
    base = _package_of(module, is_package).split(".")
    if node.level > 1:
        base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _dotted(node: ast.AST) -> Optional[str]:
    """``a.b.c`` of an attribute chain on a plain name, else None."""
    parts: List[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def uses_of(tree: ast.AST, module: str, is_package: bool, targets: Set[str]) -> Set[str]:
    """``module.name`` of every name of a ``targets`` module that ``tree`` imports or reads.

    Counts ``from target import name``, and ``alias.name`` where ``alias`` is bound to a
    target by ``import target as alias`` or ``from package import target``, and the full
    ``target.name`` chain after a plain ``import target``.
    """
    used: Set[str] = set()
    bound: Dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            source = _resolve(node, module, is_package)
            for alias in node.names:
                if source in targets:
                    used.add(f"{source}.{alias.name}")
                if f"{source}.{alias.name}" in targets:
                    bound[alias.asname or alias.name] = f"{source}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname and alias.name in targets:
                    bound[alias.asname] = alias.name
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            dotted = _dotted(node)
            if dotted is None:
                continue
            head, _, rest = dotted.partition(".")
            if head in bound and rest:
                used.add(f"{bound[head]}.{rest.split('.')[0]}")
            owner = dotted.rpartition(".")[0]
            if owner in targets:
                used.add(dotted)
    return used


def public_names(tree: ast.AST) -> Dict[str, int]:
    """``{name: line}`` of a module's public surface: its ``__all__``, else its top-level
    functions, classes and assignments whose names do not start with ``_``."""
    defined: Dict[str, int] = {}
    for node in getattr(tree, "body", []):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defined[node.name] = node.lineno
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    defined[target.id] = node.lineno
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                defined[(alias.asname or alias.name).split(".")[0]] = node.lineno
    exported = _dunder_all(tree)
    if exported is None:
        imported = {
            alias.asname or alias.name
            for node in getattr(tree, "body", [])
            if isinstance(node, (ast.Import, ast.ImportFrom))
            for alias in node.names
        }
        exported = {name for name in defined if not name.startswith("_")} - imported
    exported.discard("__all__")
    return {name: defined.get(name, 1) for name in exported}


def unused_compat_problems(
    trees: Dict[Path, ast.AST], owners: Dict[Path, Tuple[str, str]], compat: Set[Path]
) -> Iterator[Tuple[Path, int, str]]:
    """(path, line, message) of each public name of km-compat no other module uses."""
    targets = {owners[path][0] for path in compat}
    used: Dict[Path, Set[str]] = {}
    for path, tree in trees.items():
        used[path] = uses_of(tree, owners[path][0], path.name == "__init__.py", targets)
    for path in sorted(compat):
        module = owners[path][0]
        public = public_names(trees[path])
        elsewhere = {
            name
            for name in public
            if any(f"{module}.{name}" in names for other, names in used.items() if other != path)
        }
        # A type in the signature of a name used elsewhere (``node_parts`` returns a
        # ``NodeParts``) serves the packages through it.
        elsewhere |= _signature_names(trees[path], elsewhere) & set(public)
        for name, line in sorted(public.items(), key=lambda item: item[1]):
            if name not in elsewhere:
                yield (
                    path,
                    line,
                    (
                        f"{module}.{name} is used by no other module of the packages: test-only"
                        " code belongs in the test kit (testkit/), not in a wheel"
                    ),
                )


def _signature_names(tree: ast.AST, functions: Set[str]) -> Set[str]:
    """The names in the annotations of the top-level ``functions`` of ``tree``."""
    names: Set[str] = set()
    for node in getattr(tree, "body", []):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in functions:
            arguments = node.args
            annotations = [node.returns] + [
                argument.annotation
                for argument in (
                    *getattr(arguments, "posonlyargs", []),
                    *arguments.args,
                    *arguments.kwonlyargs,
                )
            ]
            for annotation in annotations:
                for sub in ast.walk(annotation) if annotation is not None else ():
                    if isinstance(sub, ast.Name):
                        names.add(sub.id)
                    elif _string(sub):  # a forward reference: "NodeParts"
                        names.add(_string(sub).strip())
    return names


def main(root: Path = ROOT) -> int:
    """Check the packages under ``root``/packages; print each breach; 1 if any."""
    packages = root / "packages"
    trees: Dict[Path, ast.AST] = {}
    owners: Dict[Path, Tuple[str, str]] = {}
    for dist, path, relative in sources(packages):
        trees[path] = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        owners[path] = (module_name(relative), dist)
    ours = our_private_names(trees)
    surface = Surface(trees, owners)
    problems: List[str] = []
    compat: Set[Path] = set()
    for path, tree in trees.items():
        _, dist = owners[path]
        shown = path.relative_to(root)
        in_compat = COMPAT in path.relative_to(packages / dist / "src").parents
        if in_compat:
            compat.add(path)
        if not in_compat:
            for line, message in private_use_problems(tree, ours):
                problems.append(f"{shown}:{line}: {message}")
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    problem = surface.problem(dist, node.module, alias.name)
                    if problem:
                        problems.append(f"{shown}:{node.lineno}: {problem}")
    for path, line, message in unused_compat_problems(trees, owners, compat):
        problems.append(f"{path.relative_to(root)}:{line}: {message}")
    for line in problems:
        print(line)
    if problems:
        print(f"{len(problems)} breaches of the layering rules (tools/check_boundaries.py)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT))
