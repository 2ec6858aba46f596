"""The one exception a user sees when mlflow.yml (or what it points to) is wrong."""

from pathlib import Path
from typing import Optional, Sequence, Union


class KedroMlflowConfigError(ValueError):
    """mlflow.yml, or the credentials it names, cannot be used as written.

    The message names the file, the key path (``hooks.node.sep``) and what was
    expected; the same facts are kept as attributes for tools and tests.
    """

    def __init__(
        self,
        problem: str,
        *,
        key: Optional[str] = None,
        files: Union[None, Path, Sequence[Path]] = None,
    ) -> None:
        if isinstance(files, (str, Path)):
            files = [Path(files)]
        self.problem = problem
        self.key = key
        self.files = [Path(f) for f in files] if files else []
        super().__init__(self._render())

    def _render(self) -> str:
        if not self.files:  # built from a dict, not read from a file
            where = ""
        elif len(self.files) == 1:
            where = f" in '{self.files[0]}'"
        else:
            where = " in " + ", ".join(f"'{f}'" for f in self.files)
        key = f" at key '{self.key}'" if self.key else ""
        return f"Invalid kedro-mlflow configuration{where}{key}: {self.problem}"

    def located(
        self, files: Union[Path, Sequence[Path]], key_prefix: Optional[str] = None
    ) -> "KedroMlflowConfigError":
        """A copy of this error that also names where it comes from."""
        key = self.key
        if key_prefix:
            key = f"{key_prefix}.{key}" if key else key_prefix
        return KedroMlflowConfigError(self.problem, key=key, files=files)
