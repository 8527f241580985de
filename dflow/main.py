"""dflow 1.x's ``dflow.main``: the ``dflow`` command line, which lives in ``dflow.cli``."""

from __future__ import annotations

from .cli import build_parser as main_parser
from .cli import main, parse_args
from .cli.table import format_print_table, format_time_delta

__all__ = ["main", "main_parser", "parse_args", "format_print_table", "format_time_delta"]
