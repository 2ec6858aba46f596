"""Part of km-hooks: the pipeline and node hooks (not released yet)."""
