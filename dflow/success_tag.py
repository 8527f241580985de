"""The success tag: an output parameter a step sets to "1" once its work succeeded, so that a
fan-out can count its successful items (``continue_on_num_success`` / ``_ratio``)."""

from __future__ import annotations

__all__ = ["SUCCESS_TAG", "SUCCESS_TAG_PATH"]

SUCCESS_TAG = "dflow_success_tag"
SUCCESS_TAG_PATH = "/tmp/outputs/success_tag"
