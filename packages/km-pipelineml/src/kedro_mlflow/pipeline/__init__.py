"""Part of km-pipelineml: PipelineML and pipeline_ml_factory (not released yet)."""
