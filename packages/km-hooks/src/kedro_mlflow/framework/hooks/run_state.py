"""What the hooks know of the kedro run in progress (one at a time per process)."""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Dict, Optional, Set

if TYPE_CHECKING:
    from kedro_mlflow.config import KedroMlflowConfig

    from .params_sender import ParamsSender


@dataclass
class TrackedRun:
    """The MLflow run a kedro run logs to, and what was logged to it already."""

    config: "KedroMlflowConfig"
    run_id: str
    owned: bool  # started by the hooks, so ended by them
    sender: "ParamsSender"
    logged_params: Dict[str, str] = field(default_factory=dict)
    # the pipeline's free inputs to record as dataset inputs: name -> file (or None)
    input_sources: Dict[str, Optional[str]] = field(default_factory=dict)
    input_context: str = "__default__"
    logged_inputs: Set[str] = field(default_factory=set)


@dataclass
class RunState:
    """None between runs; `disabled` for pipelines listed in disable_tracking."""

    current: Optional[TrackedRun] = None
    disabled: bool = False

    def clear(self) -> None:
        self.current = None
        self.disabled = False


STATE = RunState()
