"""Errors an OP raises to tell the runtime how it failed, and errors in OP signs."""

from __future__ import annotations

from ..errors import DflowError, InvalidWorkflowError

__all__ = ["TransientError", "FatalError", "SignError", "TypeCheckError"]


class TransientError(DflowError):
    """A failure worth retrying (the runtime exits with code 1, which retries may catch)."""


class FatalError(DflowError):
    """A failure retrying cannot fix (the runtime exits with code 2)."""


class SignError(InvalidWorkflowError):
    """An OP sign, or a template option referring to it, that is wrong; names the OP and key."""


class TypeCheckError(DflowError, TypeError):
    """A value that does not match its sign; names the OP, the key, expected and actual type."""
