"""pipeline_ml_factory: the documented way to build a PipelineML.

It takes both releases' forms. kedro-mlflow 0.7.x's: ``conda_env``, ``model_name``,
``model_signature``, and in ``**kwargs`` KedroPipelineModel's ``copy_mode`` and
``runner`` beside any other argument of ``mlflow.pyfunc.log_model`` (e.g.
``registered_model_name``). 0.8.x's: ``kpm_kwargs`` (``copy_mode``, ``runner``) and
``log_model_kwargs`` (``log_model``'s arguments under mlflow's names: ``artifact_path``,
``signature``, ``conda_env``, ...). With the 0.8.x arguments, none of the 0.7.x ones
may be given.

Its errors derive from kedro-mlflow 0.7.x's ``KedroMlflowPipelineMLOutputsError`` and
``KedroMlflowPipelineMLInputsError``, so code catching those still catches them.
"""

from typing import Any, Dict, Mapping, Optional, Union

from kedro.pipeline import Pipeline

from .factory_forms import pipeline_ml_options
from .pipeline_ml import PipelineML


def pipeline_ml_factory(
    training: Pipeline,
    inference: Pipeline,
    input_name: Optional[str] = None,
    conda_env: Optional[Union[str, Dict[str, Any]]] = None,
    model_name: str = "model",
    model_signature: Any = "auto",
    kpm_kwargs: Optional[Mapping[str, Any]] = None,
    log_model_kwargs: Optional[Mapping[str, Any]] = None,
    **kwargs: Any,
) -> PipelineML:
    """Bind ``training`` to ``inference``; each training run can then log ``inference`` as a model.

    Args:
        training: The pipeline that fits what inference needs (the one you run).
        inference: Turns ``input_name`` into a prediction; exactly one output.
        input_name: The inference input that receives the data to predict on. When
            omitted, the only inference input neither made by training nor a parameter.
        conda_env: The model's conda environment (dict, or path to a YAML file). None:
            this Python, mlflow, kedro, km-pipelineml and the project's package.
        model_name: The model's artifact path in its MLflow run.
        model_signature: ``"auto"`` infers it from ``input_name``'s data, a
            ``ModelSignature`` is used as is, None logs none.
        kpm_kwargs, log_model_kwargs, \\*\\*kwargs: KedroPipelineModel's and
            ``mlflow.pyfunc.log_model``'s options, in either release's form (see the
            module's documentation).

    Raises:
        InferenceOutputError, InputNameError, UnproducedInferenceInputError,
        ModelOptionError: the pair, or an option, cannot make a model.

    Example:
        In the project's pipeline registry, the training pipeline registered in its place:

        .. code-block:: python

            from kedro.pipeline import Pipeline, node

            from kedro_mlflow.pipeline import pipeline_ml_factory


            def fit_mean(data):
                return data.mean()


            def center(data, mean):
                return data - mean


            training = pipeline_ml_factory(
                training=Pipeline([node(fit_mean, "data", "mean")]),
                inference=Pipeline([node(center, ["data", "mean"], "centered")]),
                input_name="data",
            )
            pipelines = {"training": training, "__default__": training}
            assert training.input_name == "data"
            assert training.inference.outputs() == {"centered"}

        ``kedro run --pipeline=training`` then logs the inference pipeline as the run's
        ``model``, with ``mean`` as its artifact.
    """
    options_07 = dict(conda_env=conda_env, model_name=model_name, model_signature=model_signature)
    return PipelineML(
        nodes=training.nodes,
        inference=inference,
        input_name=input_name,
        **pipeline_ml_options(options_07, kwargs, kpm_kwargs, log_model_kwargs),
    )
