"""What the hooks know of the kedro run in progress (one at a time per process)."""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Dict, Optional, Set

if TYPE_CHECKING:  # the light node hook reads the state: the types are for the checker
    from kedro_mlflow.config import KedroMlflowConfig

    from .params_sender import ParamsSender
    from .server_watch import ServerWatch


_NOTHING = object()  # no model input was kept


@dataclass
class TrackedRun:
    """The MLflow run a kedro run logs to, and what was logged to it already."""

    config: "KedroMlflowConfig"
    run_id: str
    owned: bool  # started by the hooks, so ended by them
    # where the node hook queues parameters: the one background sender of the run, which
    # also sends the metric datasets' batches and is flushed once, at the end
    sender: "ParamsSender"
    watch: "ServerWatch"
    experiment_id: Optional[str] = None  # the run's, for its address in the MLflow UI
    logged_params: Dict[str, str] = field(default_factory=dict)
    # the pipeline's free inputs to record as dataset inputs: name -> file (or None)
    input_sources: Dict[str, Optional[str]] = field(default_factory=dict)
    input_context: str = "__default__"
    logged_inputs: Set[str] = field(default_factory=set)
    # a training PipelineML whose training makes the model's input (`split -> features`):
    # its data, kept as the node returns it (the runner releases it before the end)
    model_input_name: Optional[str] = None
    model_input: Any = _NOTHING

    def kept_model_input(self) -> Dict[str, Any]:
        """``{"input_data": ...}`` for log_pipeline_ml when a node returned the model's
        input during the run, else ``{}`` (it is then loaded from the catalog)."""
        return {} if self.model_input is _NOTHING else {"input_data": self.model_input}


@dataclass
class RunState:
    """None between runs; `disabled` for pipelines listed in disable_tracking."""

    current: Optional[TrackedRun] = None
    disabled: bool = False

    def clear(self) -> None:
        self.current = None
        self.disabled = False


STATE = RunState()
