"""Part of km-pipelineml: KedroPipelineModel (not released yet)."""
