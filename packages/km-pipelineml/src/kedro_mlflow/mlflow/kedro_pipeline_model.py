"""KedroPipelineModel: an inference pipeline as an MLflow pyfunc ``PythonModel``."""

import copy
from pathlib import PurePosixPath
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

from kedro.extras.datasets.pickle import PickleDataSet
from kedro.io import DataCatalog, MemoryDataSet
from kedro.pipeline import Pipeline
from kedro.pipeline.node import Node

from kedro_mlflow.config.kedro_compat import node_function
from kedro_mlflow.pipeline.artifacts import (
    catalog_entry,
    check_persisted,
    parameter_file_name,
    shipped_dataset,
)
from kedro_mlflow.pipeline.copy_modes import CopyMode, check_copy_mode, copied, mode_for
from kedro_mlflow.pipeline.errors import InputNameError, PipelineMLError, quoted
from kedro_mlflow.pipeline.pipeline_ml import PipelineML
from kedro_mlflow.pipeline.validation import inference_output
from mlflow.pyfunc import PythonModel


class KedroPipelineModel(PythonModel):
    """Runs a PipelineML's inference pipeline on the DataFrame given to ``predict``.

    :meth:`from_pipeline` makes one of any pipeline with a single output.

    A model that kedro-mlflow 0.7.x logged (its pickled KedroPipelineModel) loads as
    one of these, in an environment with the same kedro.

    Args:
        pipeline_ml: The PipelineML whose inference pipeline becomes the model.
        catalog: The project's catalog: it says how to read each artifact back.
        runner: A kedro runner to run the pipeline with at each ``predict`` (hooks
            and all). None: the nodes' functions are called in order directly, with
            their arguments laid out once at load time; same results, far less
            overhead per request.
        copy_mode: How values pass between nodes: "assign", "copy" or "deepcopy",
            for all datasets or as a dict per dataset. None (the default):
            the artifacts are the model's state, read once by ``load_context`` and
            handed to the nodes as they are at every ``predict`` (like any MLflow
            model's fitted objects: a node must not modify them); every other value,
            the ``predict`` input included, is copied when a node receives it:
            ``.copy()`` for pandas/numpy objects, a deep copy for anything else
            (kedro's MemoryDataSet default). So the caller's input is never changed.
            A mode given explicitly (a string, or a dict entry naming the dataset)
            applies to artifacts too.
    """

    # kedro-mlflow 0.7.x's order: code that passes runner, copy_mode by position works.
    def __init__(
        self,
        pipeline_ml: PipelineML,
        catalog: DataCatalog,
        runner: Optional[Any] = None,
        copy_mode: CopyMode = None,
    ) -> None:
        if not isinstance(pipeline_ml, PipelineML):
            raise PipelineMLError(
                "KedroPipelineModel needs a PipelineML (from pipeline_ml_factory), "
                f"got {type(pipeline_ml).__name__}; for any other pipeline, use "
                "KedroPipelineModel.from_pipeline(pipeline, catalog, input_name)."
            )
        self._bind(
            pipeline_ml.inference,
            pipeline_ml.input_name,
            pipeline_ml.output_name,
            pipeline_ml.artifact_names,
            catalog,
            copy_mode,
            runner,
        )

    @classmethod
    def from_pipeline(
        cls,
        pipeline: Pipeline,
        catalog: DataCatalog,
        input_name: str,
        copy_mode: CopyMode = None,
        runner: Optional[Any] = None,
    ) -> "KedroPipelineModel":
        """A model of any pipeline with one output: what ``kedro mlflow modelify`` logs.

        Every free input of ``pipeline`` but ``input_name`` is an artifact: ``catalog``
        must save each to a local file. ``copy_mode`` and ``runner`` as in the class.

        Raises:
            InferenceOutputError, InputNameError, NonPersistedArtifactError,
            ModelOptionError: the pipeline, input or catalog cannot make a model.
        """
        output_name = inference_output(pipeline)
        if input_name not in pipeline.inputs():
            raise InputNameError(
                f"input_name {input_name!r} is not a free input of the pipeline; its free "
                f"inputs are {quoted(pipeline.inputs()) or 'none'}."
            )
        model = cls.__new__(cls)
        model._bind(
            pipeline,
            input_name,
            output_name,
            pipeline.inputs() - {input_name},
            catalog,
            copy_mode,
            runner,
        )
        return model

    def _bind(
        self,
        pipeline: Pipeline,
        input_name: str,
        output_name: str,
        artifact_names: Iterable[str],
        catalog: DataCatalog,
        copy_mode: CopyMode,
        runner: Optional[Any],
    ) -> None:
        check_copy_mode(copy_mode, pipeline.data_sets())
        self.pipeline = Pipeline(pipeline.nodes)
        self.input_name = input_name
        self.output_name = output_name
        self.copy_mode = copy_mode
        self.runner = runner
        # Only these entries travel with the model: they know the artifacts' formats.
        # The catalog's other entries may hold credentials and are left behind.
        check_persisted(catalog, artifact_names)
        self.artifact_datasets = {name: shipped_dataset(catalog, name) for name in artifact_names}
        self._loaded: Optional[Dict[str, Any]] = None

    def __getstate__(self) -> Dict[str, Any]:
        # Loaded artifacts and the call plan are rebuilt from the model's files by
        # load_context.
        state = self.__dict__.copy()
        state["_loaded"] = None
        state.pop("_steps", None)
        return state

    def __setstate__(self, state: Dict[str, Any]) -> None:
        if "initial_catalog" in state:  # pickled by kedro-mlflow 0.7.x
            state = _state_from_07(state)
        self.__dict__.update(state)
        self._loaded = None

    def load_context(self, context: Any) -> None:
        """Read every artifact once, and lay out each node's call: ``predict`` reuses both."""
        self._loaded = {
            name: _dataset_at(dataset, context.artifacts[name]).load()
            for name, dataset in self.artifact_datasets.items()
        }
        self._steps = [_Step(node, self._mode) for node in self.pipeline.nodes]

    def _mode(self, dataset: str) -> Optional[str]:
        """How ``dataset`` is handed to a node; None: from its type at each call."""
        mode = mode_for(self.copy_mode, dataset)
        if mode is None and dataset in self.artifact_datasets:
            return "assign"  # the model's state: shared, as for any MLflow model
        return mode

    # No annotations: mlflow 2.x reads predict's type hints at every call when it has any.
    def predict(self, context, model_input, params=None):
        """The inference pipeline's output for ``model_input`` (mlflow 2.x may pass params)."""
        if self._loaded is None:
            self.load_context(context)
        if self.runner is not None:
            return self._run_with_runner(model_input)
        values = dict(self._loaded)
        values[self.input_name] = model_input
        for step in self._steps:  # the pipeline's nodes are in topological order
            step.run(values)
        return values[self.output_name]

    def _run_with_runner(self, model_input: Any) -> Any:
        # The feeds are copied here, once, with the same rules as the direct path
        # (kedro's "copy" calls .copy(), which an estimator's boolean flag shadows).
        feeds = {**(self._loaded or {}), self.input_name: model_input}
        catalog = DataCatalog(
            {
                n: MemoryDataSet(copied(data, self._mode(n)), copy_mode="assign")
                for n, data in feeds.items()
            }
        )
        for name in self.pipeline.data_sets() - set(catalog.list()) - {self.output_name}:
            catalog.add(name, MemoryDataSet(copy_mode=mode_for(self.copy_mode, name)))
        # The output stays out of the catalog, so the runner returns it.
        return self.runner.run(self.pipeline, catalog)[self.output_name]

    @property
    def artifact_names(self) -> List[str]:
        """The inference inputs the model reads from its artifacts."""
        return sorted(self.artifact_datasets)


def _state_from_07(state: Dict[str, Any]) -> Dict[str, Any]:
    """Our attributes for a KedroPipelineModel that kedro-mlflow 0.7.x pickled.

    0.7.x keeps the PipelineML (unpickled as ours already), a catalog of every dataset
    of the inference pipeline, the runner (a SequentialRunner when none was given) and
    a copy mode per dataset (None: kedro's default for the data's type).
    """
    pipeline_ml = state["pipeline_ml"]
    inference = pipeline_ml.inference
    input_name = pipeline_ml.input_name
    catalog = state["initial_catalog"]
    artifact_datasets = {}
    for name in inference.inputs() - {input_name}:
        # 0.7.x keeps a parameter's value in memory and ships it pickled: read the file.
        if isinstance(catalog_entry(catalog, name), MemoryDataSet):
            artifact_datasets[name] = PickleDataSet(filepath=parameter_file_name(name))
        else:
            artifact_datasets[name] = shipped_dataset(catalog, name)
    runner = state.get("runner")
    if type(runner).__name__ == "SequentialRunner" and type(runner).__module__.startswith("kedro."):
        runner = None  # 0.7.x's default: the direct path gives the same results, faster
    return {
        "pipeline": Pipeline(inference.nodes),
        "input_name": input_name,
        "output_name": state.get("output_name") or inference_output(inference),
        "copy_mode": _copy_mode_from_07(state.get("_copy_mode")),
        "runner": runner,
        "artifact_datasets": artifact_datasets,
    }


def _copy_mode_from_07(modes: Any) -> CopyMode:
    """0.7.x's ``{dataset: mode or None}`` as our copy_mode (None entries: our default)."""
    if not isinstance(modes, dict):
        return modes
    given = {name: mode for name, mode in modes.items() if mode is not None}
    if given and len(given) == len(modes) and len(set(given.values())) == 1:
        return next(iter(given.values()))  # one mode for every dataset: a string was given
    return given or None


def _dataset_at(dataset: Any, path: str) -> Any:
    """A copy of a file dataset that reads ``path`` (the model's copy of the file).

    kedro datasets keep their location in ``_filepath`` and an optional ``_version``;
    the model's file is one fixed version, so versioning is switched off.
    """
    clone = copy.deepcopy(dataset)
    clone._filepath = PurePosixPath(path)
    if hasattr(clone, "_version"):
        clone._version = None
    return clone


class _Step:
    """One node ready to call: its function, and where and how each argument comes from.

    Built once by ``load_context``; :meth:`run` does what ``Node.run`` does (same
    argument order, same outputs) without its per-call logging and checks, which
    dominate a small model's latency. Nodes kedro would decorate, or in a form this
    does not know, are run by ``Node.run`` itself.
    """

    __slots__ = ("args", "by_kedro", "func", "kwargs", "node", "output")

    def __init__(self, node: Node, mode: Callable[[str], Optional[str]]) -> None:
        self.node = node
        self.func = node_function(node)
        self.args: List[Tuple[str, Optional[str]]] = []
        self.kwargs: List[Tuple[str, str, Optional[str]]] = []
        inputs = getattr(node, "_inputs", None)
        outputs = getattr(node, "_outputs", None)
        self.output = outputs if isinstance(outputs, str) else None
        self.by_kedro = (
            self.func is None
            or bool(getattr(node, "_decorators", None))
            or not all(hasattr(node, name) for name in ("_outputs", "_outputs_to_dictionary"))
        )
        if isinstance(inputs, str):
            self.args = [(inputs, mode(inputs))]
        elif isinstance(inputs, (list, tuple)):
            self.args = [(name, mode(name)) for name in inputs]
        elif isinstance(inputs, dict):
            self.kwargs = [(arg, name, mode(name)) for arg, name in inputs.items()]
        elif inputs is not None or node.inputs:
            self.by_kedro = True
        if self.by_kedro:  # Node.run takes the inputs by name: one mode per dataset
            self.args = [(name, mode(name)) for name in node.inputs]

    def run(self, values: Dict[str, Any]) -> None:
        """Call the node on ``values`` and add its outputs to them."""
        if self.by_kedro:
            values.update(self.node.run({name: _hand(values[name], m) for name, m in self.args}))
            return
        result = self.func(
            *[_hand(values[name], m) for name, m in self.args],
            **{arg: _hand(values[name], m) for arg, name, m in self.kwargs},
        )
        if self.output is not None:
            values[self.output] = result
        else:  # None, a list or a dict of outputs: kedro's own mapping and checks
            values.update(self.node._outputs_to_dictionary(result))


def _hand(data: Any, mode: Optional[str]) -> Any:
    return data if mode == "assign" else copied(data, mode)
