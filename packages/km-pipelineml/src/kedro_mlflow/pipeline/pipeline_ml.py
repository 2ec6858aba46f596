"""PipelineML: a training pipeline that knows the inference pipeline it trains for."""

import functools
import inspect
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Optional, Set, Union

from kedro.io import DataCatalog
from kedro.pipeline import Pipeline
from kedro.pipeline.node import Node

from . import artifacts
from .copy_modes import check_copy_mode
from .errors import (  # the 0.7.x names are importable from here, as they were
    KedroMlflowPipelineMLDatasetsError,
    KedroMlflowPipelineMLInputsError,
    KedroMlflowPipelineMLOutputsError,
    ModelOptionError,
    PipelineMLError,
    PipelineMLOperationError,
)
from .validation import artifact_names, check_binding, inference_output

__all__ = [
    "KedroMlflowPipelineMLDatasetsError",
    "KedroMlflowPipelineMLInputsError",
    "KedroMlflowPipelineMLOutputsError",
    "PipelineML",
]

# Arguments of KedroPipelineModel that pipeline_ml_factory's **kwargs may carry.
MODEL_OPTIONS = ("copy_mode", "runner")
# log_model arguments PipelineML fills itself: they cannot come through **kwargs.
_FILLED_LOG_MODEL_ARGS = ("artifact_path", "python_model", "artifacts", "conda_env", "signature")


class PipelineML(Pipeline):
    """A kedro ``Pipeline`` (the training) bound to the inference pipeline it trains for.

    It runs, filters and combines like any ``Pipeline``; the binding survives every
    operation whose result still makes or reads all the inference pipeline needs. When
    it does not, the node selections (``only_nodes``, ``only_nodes_with_inputs``,
    ``only_nodes_with_outputs``) return a plain ``Pipeline`` (kedro's runner calls them
    to print its resume hint after a node fails), and every other filter and operator
    raises :class:`PipelineMLOperationError`. Build it with
    :func:`~kedro_mlflow.pipeline.pipeline_ml_factory`.
    """

    def __init__(
        self,
        nodes: Iterable[Union[Node, Pipeline]],
        *,
        inference: Pipeline,
        input_name: Optional[str] = None,
        conda_env: Optional[Union[str, Dict[str, Any]]] = None,
        model_name: str = "model",
        model_signature: Any = "auto",
        tags: Optional[Union[str, Iterable[str]]] = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(nodes, tags=tags)  # type: ignore[arg-type]  # kedro: `tags: ... = None`
        if not isinstance(inference, Pipeline):
            raise PipelineMLError(
                f"inference must be a kedro Pipeline, got {type(inference).__name__}."
            )
        self._training = Pipeline(self.nodes)
        self._inference = inference
        self._input_name = check_binding(self._training, inference, input_name)
        self._output_name = inference_output(inference)
        self._artifact_names = artifact_names(self._training, inference, self._input_name)
        self._model_name = _check_model_name(model_name)
        self._conda_env = conda_env
        self._model_signature = _check_signature(model_signature)
        self._model_options = {k: kwargs.pop(k) for k in MODEL_OPTIONS if k in kwargs}
        check_copy_mode(self._model_options.get("copy_mode"), inference.data_sets())
        self._log_model_kwargs = _check_log_model_kwargs(kwargs)

    # -- the binding -------------------------------------------------------------

    @property
    def training(self) -> Pipeline:
        """The training nodes as a plain ``Pipeline`` (filter it freely: no binding)."""
        return self._training

    @property
    def inference(self) -> Pipeline:
        """The pipeline logged as the model: ``input_name`` in, one prediction out."""
        return self._inference

    @property
    def input_name(self) -> str:
        """The inference input that receives the data to predict on."""
        return self._input_name

    @property
    def output_name(self) -> str:
        """The inference pipeline's only output: what the model's ``predict`` returns."""
        return self._output_name

    @property
    def artifact_names(self) -> Set[str]:
        """Inference inputs but ``input_name``: shipped with the model as training leaves them."""
        return set(self._artifact_names)

    @property
    def model_name(self) -> str:
        """The artifact path of the model in its MLflow run."""
        return self._model_name

    @property
    def conda_env(self) -> Optional[Union[str, Dict[str, Any]]]:
        """The conda environment given to the factory (None: a default is computed at logging)."""
        return self._conda_env

    @property
    def model_signature(self) -> Any:
        """``"auto"`` (inferred from ``input_name``'s data), a ``ModelSignature``, or None."""
        return self._model_signature

    @property
    def model_options(self) -> Dict[str, Any]:
        """Keyword arguments for :class:`~kedro_mlflow.mlflow.KedroPipelineModel`."""
        return dict(self._model_options)

    @property
    def log_model_kwargs(self) -> Dict[str, Any]:
        """Extra keyword arguments for ``mlflow.pyfunc.log_model`` (e.g. registered_model_name)."""
        return dict(self._log_model_kwargs)

    def check_artifacts_persisted(self, catalog: DataCatalog) -> None:
        """Before training: raise if an artifact would only live in memory or off this disk."""
        artifacts.check_persisted(catalog, self._artifact_names)

    def extract_pipeline_artifacts(
        self, catalog: DataCatalog, temp_folder: Union[None, str, Path] = None
    ) -> Dict[str, str]:
        """``{dataset: local file}`` for the artifacts: the ``artifacts`` of ``log_model``.

        Parameters are pickled into ``temp_folder`` (None: a new temporary folder, which
        the caller removes once the model is logged).
        """
        return artifacts.local_paths(catalog, self._artifact_names, temp_folder)

    def __setstate__(self, state: Dict[str, Any]) -> None:
        # A PipelineML pickled by kedro-mlflow 0.7.x (inside the KedroPipelineModel of a
        # model it logged) has its own attribute names: translate them.
        if "_training" not in state and "_inference" in state:
            state = _state_from_07(state)
        self.__dict__.update(state)

    # -- behaving as a Pipeline ---------------------------------------------------

    def _rebind(self, result: Pipeline, operation: str, strict: bool = True) -> Pipeline:
        """``result`` bound to the same inference pipeline; when it cannot be, ``result``
        as it is (``strict=False``) or a clear error."""
        if not result.nodes:
            # Nothing to run or log: let kedro raise its own "no nodes" error.
            return result
        try:
            artifact_names(result, self._inference, self._input_name)
        except PipelineMLError as error:
            if not strict:
                return result
            raise PipelineMLOperationError(
                f"{operation} on the training pipeline of model {self._model_name!r} "
                f"leaves a pipeline that cannot train it: {error} Run or combine "
                "`<pipeline>.training` (a plain Pipeline) for partial runs instead."
            ) from error
        return PipelineML(
            result.nodes,
            inference=self._inference,
            input_name=self._input_name,
            conda_env=self._conda_env,
            model_name=self._model_name,
            model_signature=self._model_signature,
            **self._model_options,
            **self._log_model_kwargs,
        )

    def _same_binding(self, other: Pipeline, operator: str) -> None:
        if isinstance(other, PipelineML) and (
            set(other.inference.nodes) != set(self._inference.nodes)
            or other.input_name != self._input_name
            or other.model_name != self._model_name
        ):
            raise PipelineMLOperationError(
                f"Cannot combine with {operator!r} two PipelineML bound to different models "
                f"({self._model_name!r} on {self._input_name!r}, {other.model_name!r} on "
                f"{other.input_name!r}): the result could log only one of them."
            )

    def _combined(self, other: Any, operator: str, combine: Callable) -> Pipeline:
        if not isinstance(other, Pipeline):
            return NotImplemented
        self._same_binding(other, operator)
        result = combine(set(self.nodes), set(other.nodes))
        return self._rebind(Pipeline(result), f"'{operator}' with another pipeline")

    def __add__(self, other: Any) -> Pipeline:
        return self._combined(other, "+", set.union)

    def __radd__(self, other: Any) -> Pipeline:
        if isinstance(other, int) and other == 0:  # sum([...]) starts from 0
            return self
        return self._combined(other, "+", set.union)

    def __or__(self, other: Any) -> Pipeline:
        return self._combined(other, "|", set.union)

    __ror__ = __or__

    def __and__(self, other: Any) -> Pipeline:
        return self._combined(other, "&", set.intersection)

    __rand__ = __and__

    def __sub__(self, other: Any) -> Pipeline:
        return self._combined(other, "-", set.difference)


def _filter(name: str) -> Callable:
    """A PipelineML version of ``Pipeline.<name>``: kedro's logic, then the binding."""
    original = getattr(Pipeline, name)
    strict = name not in _SELECTIONS

    @functools.wraps(original)
    def method(self: PipelineML, *args: Any, **kwargs: Any) -> Pipeline:
        # Run kedro's logic on the plain training pipeline: its helpers call each
        # other (from_nodes calls only_nodes), and only the end result must be bound.
        result = getattr(self._training, name)(*args, **kwargs)
        shown = ", ".join([repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()])
        return self._rebind(result, f"{name}({shown})", strict)

    return method


# Pick nodes without following the data: kedro's runners call the first two on the
# pipeline they run, after a node failed, to suggest how to resume. An error there
# would hide the node's own; 0.7.x's only_nodes returned a plain Pipeline too.
_SELECTIONS = ("only_nodes", "only_nodes_with_inputs", "only_nodes_with_outputs")


# Every Pipeline method that returns a new Pipeline; some exist only in later kedro.
_FILTERS = (
    "only_nodes",
    "only_nodes_with_namespace",
    "only_nodes_with_inputs",
    "only_nodes_with_outputs",
    "only_nodes_with_tags",
    "from_inputs",
    "to_outputs",
    "from_nodes",
    "to_nodes",
    "decorate",
    "tag",
    "filter",
)
for _name in _FILTERS:
    if hasattr(Pipeline, _name):
        setattr(PipelineML, _name, _filter(_name))


# What kedro-mlflow 0.7.x's PipelineML adds to a Pipeline's own attributes.
_STATE_07 = ("_inference", "conda_env", "model_name", "_input_name", "_model_signature", "kwargs")


def _state_from_07(state: Dict[str, Any]) -> Dict[str, Any]:
    """Our attributes for the state of a PipelineML that kedro-mlflow 0.7.x pickled.

    Not checked again: the pair made a model when it was logged, and loading it must
    not fail on a rule of ours.
    """
    ours = {key: value for key, value in state.items() if key not in _STATE_07}
    probe = Pipeline([])
    probe.__dict__.update(ours)  # kedro's own attributes: a Pipeline again
    inference = state["_inference"]
    input_name = state["_input_name"]
    kwargs = dict(state.get("kwargs") or {})
    ours.update(
        _training=Pipeline(probe.nodes),
        _inference=inference,
        _input_name=input_name,
        _output_name=inference_output(inference),
        _artifact_names=inference.inputs() - {input_name},
        _model_name=state.get("model_name") or "model",
        _conda_env=state.get("conda_env"),
        _model_signature=state.get("_model_signature", "auto"),
        _model_options={k: kwargs.pop(k) for k in MODEL_OPTIONS if k in kwargs},
        _log_model_kwargs=kwargs,
    )
    return ours


def _check_model_name(model_name: Any) -> str:
    if not isinstance(model_name, str) or not model_name.strip("/"):
        raise ModelOptionError(
            f"model_name must be a non-empty string (the model's folder in its run), "
            f"got {model_name!r}."
        )
    return model_name


def _check_signature(signature: Any) -> Any:
    if signature is None or signature == "auto":
        return signature
    from mlflow.models.signature import ModelSignature

    if not isinstance(signature, ModelSignature):
        raise ModelOptionError(
            "model_signature must be 'auto', None or an mlflow.models.ModelSignature, "
            f"got {type(signature).__name__} {signature!r}."
        )
    return signature


def _check_log_model_kwargs(kwargs: Dict[str, Any]) -> Dict[str, Any]:
    if not kwargs:
        return {}
    import mlflow.pyfunc

    accepted = set(inspect.signature(mlflow.pyfunc.log_model).parameters)
    accepted -= set(_FILLED_LOG_MODEL_ARGS)
    unknown = set(kwargs) - accepted
    if unknown:
        raise ModelOptionError(
            f"Unknown keyword arguments {sorted(unknown)}: pipeline_ml_factory accepts "
            f"{', '.join(MODEL_OPTIONS)} (for KedroPipelineModel) and these arguments of "
            f"this mlflow's pyfunc.log_model: {', '.join(sorted(accepted))}."
        )
    return dict(kwargs)
