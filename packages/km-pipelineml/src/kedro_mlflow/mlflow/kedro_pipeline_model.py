"""KedroPipelineModel: an inference pipeline as an MLflow pyfunc ``PythonModel``."""

from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple, Union, overload

from kedro.extras.datasets.pickle import PickleDataSet
from kedro.io import DataCatalog, MemoryDataSet
from kedro.pipeline import Pipeline
from kedro.pipeline.node import Node

from kedro_mlflow.compat.kedro_compat import (
    node_function,
    node_outputs,
    node_parts,
    with_filepath,
)
from kedro_mlflow.pipeline.artifacts import (
    catalog_entry,
    check_persisted,
    local_paths,
    parameter_file_name,
    shipped_dataset,
)
from kedro_mlflow.pipeline.copy_modes import CopyMode, check_copy_mode, copied, mode_for
from kedro_mlflow.pipeline.errors import InputNameError, ModelOptionError, PipelineMLError, quoted
from kedro_mlflow.pipeline.pipeline_ml import PipelineML
from kedro_mlflow.pipeline.validation import inference_output
from mlflow.pyfunc import PythonModel

# Each release's parameters, in its positional order.
_FORM_07 = ("pipeline_ml", "catalog", "runner", "copy_mode")
_FORM_08 = ("pipeline", "catalog", "input_name", "runner", "copy_mode")
_FORMS = (
    "kedro-mlflow 0.7.x's form is KedroPipelineModel(pipeline_ml, catalog, runner=None, "
    "copy_mode=None) with a PipelineML; 0.8.x's is KedroPipelineModel(pipeline, catalog, "
    "input_name, runner=None, copy_mode=None) with any Pipeline"
)


def _form_arguments(args: Tuple[Any, ...], kwargs: Dict[str, Any]) -> Tuple[str, Dict[str, Any]]:
    """(``"0.7"`` or ``"0.8"``, ``{parameter: value}``) for KedroPipelineModel's arguments."""
    form = _form_of(args, kwargs)
    return form, _by_name(form, _FORM_08 if form == "0.8" else _FORM_07, args, kwargs)


def _form_of(args: Tuple[Any, ...], kwargs: Dict[str, Any]) -> str:
    """The release whose form the arguments follow.

    Decided by the arguments alone, never by guessing from an ambiguous value: a
    keyword only one form has, else the third positional argument (0.8.x's input_name
    is a string; 0.7.x's runner is a runner object or None).
    """
    unknown = set(kwargs) - set(_FORM_07) - set(_FORM_08)
    if unknown:
        raise TypeError(
            f"KedroPipelineModel() got unexpected keyword arguments {quoted(unknown)}; {_FORMS}."
        )
    keywords_08 = sorted(set(kwargs) & {"pipeline", "input_name"})
    if "pipeline_ml" in kwargs and keywords_08:
        raise ModelOptionError(
            f"KedroPipelineModel got pipeline_ml= (kedro-mlflow 0.7.x) together with "
            f"{', '.join(name + '=' for name in keywords_08)} (0.8.x): {_FORMS}. Use one form."
        )
    third_is_name = len(args) > 2 and isinstance(args[2], str)
    if keywords_08 and len(args) > 2 and not third_is_name:
        raise ModelOptionError(
            f"KedroPipelineModel got {', '.join(name + '=' for name in keywords_08)} "
            f"(kedro-mlflow 0.8.x) with a {type(args[2]).__name__} as third positional "
            f"argument, where 0.8.x takes input_name (0.7.x's runner): {_FORMS}. Use one form."
        )
    return "0.8" if keywords_08 or ("pipeline_ml" not in kwargs and third_is_name) else "0.7"


def _by_name(
    form: str, names: Tuple[str, ...], args: Tuple[Any, ...], kwargs: Dict[str, Any]
) -> Dict[str, Any]:
    """``{parameter: value}``: ``args`` named after ``form``'s positional order, then ``kwargs``."""
    if len(args) > len(names):
        raise TypeError(
            f"KedroPipelineModel() takes at most {len(names)} positional arguments in "
            f"kedro-mlflow {form}.x's form ({', '.join(names)}), got {len(args)}; {_FORMS}."
        )
    given = dict(zip(names, args))
    twice = set(given) & set(kwargs)
    if twice:
        raise TypeError(
            f"KedroPipelineModel() got multiple values for {quoted(twice)} (by position in "
            f"kedro-mlflow {form}.x's form and by keyword); {_FORMS}."
        )
    given.update(kwargs)
    missing = [name for name in names[:2] if name not in given]
    if missing:
        raise TypeError(
            f"KedroPipelineModel() missing required arguments {quoted(missing)}; {_FORMS}."
        )
    return given


def _checked_catalog(catalog: Any) -> DataCatalog:
    """The catalog argument, which must be a kedro DataCatalog."""
    if not isinstance(catalog, DataCatalog):
        raise PipelineMLError(
            f"KedroPipelineModel's catalog must be a kedro DataCatalog, got "
            f"{type(catalog).__name__}; {_FORMS}."
        )
    return catalog


def _checked_runner(runner: Any) -> Optional[Any]:
    """The runner argument: None, or anything with a ``run`` method (a kedro runner)."""
    if runner is not None and not callable(getattr(runner, "run", None)):
        raise ModelOptionError(
            f"KedroPipelineModel's runner must be a kedro runner (e.g. SequentialRunner()) "
            f"or None, got {type(runner).__name__} {runner!r}; {_FORMS}."
        )
    return runner


def _checked_pipeline_ml(pipeline_ml: Any) -> PipelineML:
    """0.7.x's first argument, which only a PipelineML can be."""
    if not isinstance(pipeline_ml, PipelineML):
        raise PipelineMLError(
            "KedroPipelineModel(pipeline_ml, catalog, ...) (kedro-mlflow 0.7.x's "
            "form) needs a PipelineML (from pipeline_ml_factory), got "
            f"{type(pipeline_ml).__name__}; for any other pipeline, name the input "
            "that receives the data: KedroPipelineModel(pipeline, catalog, "
            "input_name=...) (0.8.x's form) or "
            "KedroPipelineModel.from_pipeline(pipeline, catalog, input_name)."
        )
    return pipeline_ml


def _check_same_input(pipeline_ml: PipelineML, input_name: Optional[str]) -> None:
    """0.8.x's form with a PipelineML: an input_name, if given, must be the PipelineML's."""
    if input_name is not None and input_name != pipeline_ml.input_name:
        raise InputNameError(
            f"KedroPipelineModel got a PipelineML bound to input_name "
            f"{pipeline_ml.input_name!r} with input_name={input_name!r}: the model is "
            "its inference pipeline, fed through the PipelineML's input_name. Leave "
            "input_name out, or pass the inference pipeline (pipeline.inference) "
            "to model it with another input."
        )


def _check_plain_pipeline(pipeline: Any, input_name: Optional[str]) -> str:
    """0.8.x's form with any other pipeline: a kedro Pipeline, and its input_name."""
    if not isinstance(pipeline, Pipeline):
        raise PipelineMLError(
            f"KedroPipelineModel's pipeline must be a kedro Pipeline, got "
            f"{type(pipeline).__name__}; {_FORMS}."
        )
    if input_name is None:
        raise InputNameError(
            "KedroPipelineModel(pipeline, catalog, input_name) needs input_name for a "
            "pipeline that is not a PipelineML: the free input that receives the data "
            f"to predict on; this pipeline's free inputs are "
            f"{quoted(pipeline.inputs()) or 'none'}."
        )
    return input_name


class KedroPipelineModel(PythonModel):
    """Runs an inference pipeline on the DataFrame given to ``predict``.

    Built in either of kedro-mlflow's two forms, told apart by the arguments themselves:

    - 0.7.x: ``KedroPipelineModel(pipeline_ml, catalog, runner=None, copy_mode=None)``,
      ``pipeline_ml`` a PipelineML whose inference pipeline becomes the model;
    - 0.8.x: ``KedroPipelineModel(pipeline, catalog, input_name, runner=None,
      copy_mode=None)``, ``pipeline`` any kedro Pipeline with one output, every free
      input but ``input_name`` an artifact. A PipelineML stands for its inference
      pipeline and its own ``input_name`` (which may then be left out).

    ``pipeline=`` or ``input_name=``, or a string third positional argument, mean the
    0.8.x form; ``pipeline_ml=`` means 0.7.x's. Mixing them raises
    :class:`~kedro_mlflow.pipeline.ModelOptionError`. :meth:`from_pipeline` is the 0.8.x
    form under a name of its own.

    A model that kedro-mlflow 0.7.x or 0.8.x logged (its pickled KedroPipelineModel)
    loads as one of these, in an environment with the same kedro.

    Args:
        pipeline_ml: (0.7.x) The PipelineML whose inference pipeline becomes the model.
        pipeline: (0.8.x) The pipeline that becomes the model, or a PipelineML.
        catalog: The project's catalog: it says how to read each artifact back.
        input_name: (0.8.x) The free input of ``pipeline`` that receives the data to
            predict on.
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


    Example:
        Logged and served by MLflow like any pyfunc model:

        .. code-block:: python

            import mlflow
            import mlflow.pyfunc
            import pandas as pd
            from kedro.extras.datasets.pickle import PickleDataSet
            from kedro.io import DataCatalog
            from kedro.pipeline import Pipeline, node

            from kedro_mlflow.mlflow import KedroPipelineModel


            def classify(instances, threshold):
                return (instances["x"] > threshold).astype(int).to_frame("label")


            catalog = DataCatalog({"threshold": PickleDataSet(filepath="threshold.pkl")})
            catalog.save("threshold", 0.5)  # what a training run leaves
            inference = Pipeline([node(classify, ["instances", "threshold"], "labels")])
            model = KedroPipelineModel(inference, catalog, input_name="instances")
            with mlflow.start_run() as run:
                mlflow.pyfunc.log_model(
                    "model", python_model=model, artifacts=model.extract_pipeline_artifacts()
                )
            loaded = mlflow.pyfunc.load_model(f"runs:/{run.info.run_id}/model")
            print(loaded.predict(pd.DataFrame({"x": [0.2, 0.8]})))

        .. test: stdout

        .. code-block:: text

               label
            0      0
            1      1
    """

    @overload
    def __init__(
        self,
        pipeline_ml: PipelineML,
        catalog: DataCatalog,
        runner: Optional[Any] = None,
        copy_mode: CopyMode = None,
    ) -> None: ...  # kedro-mlflow 0.7.x

    @overload
    def __init__(
        self,
        pipeline: Pipeline,
        catalog: DataCatalog,
        input_name: Optional[str] = None,
        runner: Optional[Any] = None,
        copy_mode: CopyMode = None,
    ) -> None: ...  # kedro-mlflow 0.8.x

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Both releases' positional orders must work, and they differ from the third
        # argument on: the arguments are sorted into one form before anything else.
        form, given = _form_arguments(args, kwargs)
        catalog = _checked_catalog(given["catalog"])
        runner = _checked_runner(given.get("runner"))
        copy_mode = given.get("copy_mode")
        if form == "0.7":
            pipeline_ml = _checked_pipeline_ml(given["pipeline_ml"])
            self._bind_pipeline_ml(pipeline_ml, catalog, copy_mode, runner)
            return
        pipeline, input_name = given["pipeline"], given.get("input_name")
        if isinstance(pipeline, PipelineML):
            _check_same_input(pipeline, input_name)
            self._bind_pipeline_ml(pipeline, catalog, copy_mode, runner)
            return
        input_name = _check_plain_pipeline(pipeline, input_name)
        self._bind_pipeline(pipeline, catalog, input_name, copy_mode, runner)

    def _bind_pipeline_ml(
        self,
        pipeline_ml: PipelineML,
        catalog: DataCatalog,
        copy_mode: CopyMode,
        runner: Optional[Any],
    ) -> None:
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
        model = cls.__new__(cls)
        model._bind_pipeline(pipeline, catalog, input_name, copy_mode, runner)
        return model

    def _bind_pipeline(
        self,
        pipeline: Pipeline,
        catalog: DataCatalog,
        input_name: str,
        copy_mode: CopyMode,
        runner: Optional[Any],
    ) -> None:
        output_name = inference_output(pipeline)
        if input_name not in pipeline.inputs():
            raise InputNameError(
                f"input_name {input_name!r} is not a free input of the pipeline; its free "
                f"inputs are {quoted(pipeline.inputs()) or 'none'}."
            )
        self._bind(
            pipeline,
            input_name,
            output_name,
            pipeline.inputs() - {input_name},
            catalog,
            copy_mode,
            runner,
        )

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
        # For extract_pipeline_artifacts only; never pickled (see __getstate__).
        self._catalog: Optional[DataCatalog] = catalog

    def extract_pipeline_artifacts(
        self,
        temp_folder: Union[None, str, Path] = None,
        *,
        parameters_saving_folder: Union[None, str, Path] = None,
    ) -> Dict[str, str]:
        """``{artifact: local file}``: the ``artifacts`` to log this model with.

        The files are looked up in the catalog the model was built with, at this call
        (a versioned dataset: its latest version). Parameters are pickled into
        ``temp_folder`` (kedro-mlflow 0.8.x's keyword: ``parameters_saving_folder``);
        None: a new temporary folder, which the caller removes once the model is logged.

        Raises:
            NonPersistedArtifactError: an artifact has no local file (yet).
            PipelineMLError: the model was unpickled, so it has no catalog to read.
        """
        if parameters_saving_folder is not None:
            if temp_folder is not None:
                raise ModelOptionError(
                    "extract_pipeline_artifacts got both temp_folder and "
                    "parameters_saving_folder (kedro-mlflow 0.8.x's name for it): pass one."
                )
            temp_folder = parameters_saving_folder
        if isinstance(temp_folder, DataCatalog):
            raise ModelOptionError(
                "KedroPipelineModel.extract_pipeline_artifacts(temp_folder=None) reads the "
                "catalog the model was built with: pass no catalog (it is "
                "PipelineML.extract_pipeline_artifacts that takes one)."
            )
        catalog = getattr(self, "_catalog", None)
        if catalog is None:
            raise PipelineMLError(
                "This KedroPipelineModel was unpickled (a logged model): it does not keep "
                "the catalog, so it cannot extract the artifacts. Its files are the model's "
                "`artifacts` folder; or build the model again from the project's catalog."
            )
        return local_paths(catalog, self.artifact_datasets, temp_folder)

    def __getstate__(self) -> Dict[str, Any]:
        # Loaded artifacts and the call plan are rebuilt from the model's files by
        # load_context. The catalog stays behind: it may hold credentials, and a logged
        # model carries its own copies of the artifacts (so the layout is as before).
        state = self.__dict__.copy()
        state["_loaded"] = None
        state.pop("_steps", None)
        state.pop("_catalog", None)
        return state

    def __setstate__(self, state: Dict[str, Any]) -> None:
        if "initial_catalog" in state:  # pickled by kedro-mlflow 0.7.x or 0.8.x
            state = _state_from_07(state)
        self.__dict__.update(state)
        self._loaded = None
        self._catalog = None

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
            return self._run_with_runner(self.runner, model_input)
        values = dict(self._loaded or {})  # load_context has set it
        values[self.input_name] = model_input
        for step in self._steps:  # the pipeline's nodes are in topological order
            step.run(values)
        return values[self.output_name]

    def _run_with_runner(self, runner: Any, model_input: Any) -> Any:
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
            mode = mode_for(self.copy_mode, name)
            # kedro annotates `copy_mode: str = None`: None is its default, by the data's type
            catalog.add(name, MemoryDataSet(copy_mode=mode))  # type: ignore[arg-type]
        # The output stays out of the catalog, so the runner returns it.
        return runner.run(self.pipeline, catalog)[self.output_name]

    @property
    def artifact_names(self) -> List[str]:
        """The inference inputs the model reads from its artifacts."""
        return sorted(self.artifact_datasets)


def _state_from_07(state: Dict[str, Any]) -> Dict[str, Any]:
    """Our attributes for a KedroPipelineModel that kedro-mlflow 0.7.x or 0.8.x pickled.

    0.7.x keeps the PipelineML (unpickled as ours already), 0.8.x the inference
    pipeline and its input_name; both keep a catalog of every dataset of the inference
    pipeline, the runner (a SequentialRunner when none was given) and a copy mode per
    dataset (None: kedro's default for the data's type).
    """
    if "pipeline_ml" in state:
        inference = state["pipeline_ml"].inference
        input_name = state["pipeline_ml"].input_name
    else:
        inference, input_name = state["pipeline"], state["input_name"]
    catalog = state["initial_catalog"]
    artifact_datasets = {}
    for name in inference.inputs() - {input_name}:
        # 0.7.x/0.8.x keep a parameter's value in memory and ship it pickled: read the file.
        if isinstance(catalog_entry(catalog, name), MemoryDataSet):
            artifact_datasets[name] = PickleDataSet(filepath=parameter_file_name(name))
        else:
            artifact_datasets[name] = shipped_dataset(catalog, name)
    runner = state.get("runner")
    if type(runner).__name__ == "SequentialRunner" and type(runner).__module__.startswith("kedro."):
        runner = None  # their default: the direct path gives the same results, faster
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
    return with_filepath(dataset, path)


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
        inputs, outputs, decorated = node_parts(node)
        self.output = outputs if isinstance(outputs, str) else None
        self.by_kedro = self.func is None or decorated is None or decorated
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
            values.update(node_outputs(self.node, result))


def _hand(data: Any, mode: Optional[str]) -> Any:
    return data if mode == "assign" else copied(data, mode)
