"""Errors of the template and expression evaluator, with the expression text and the position."""

from __future__ import annotations

from typing import Optional

from ...errors import DflowError

__all__ = ["ExpressionError", "UnresolvedReference", "ValueProblem"]


class ExpressionError(DflowError):
    """An expression, condition or template tag that cannot be parsed or evaluated."""

    def __init__(
        self, reason: str, expression: Optional[str] = None, position: Optional[int] = None
    ) -> None:
        self.reason = reason
        self.expression = expression
        self.position = position
        super().__init__(self._text())

    def _text(self) -> str:
        where = ""
        if self.expression is not None:
            where = f" in {self.expression!r}"
            if self.position is not None:
                where += f" at position {self.position}"
        return self.reason + where

    def located(self, expression: str, position: Optional[int] = None) -> ExpressionError:
        """Fill in the expression text (and position) when the raiser did not know them."""
        if self.expression is None:
            self.expression = expression
            if self.position is None:
                self.position = position
            self.args = (self._text(),)
        return self


class UnresolvedReference(ExpressionError):
    """A name that the scope does not hold (yet): Argo leaves such tags for later."""

    def __init__(
        self, name: str, expression: Optional[str] = None, position: Optional[int] = None
    ) -> None:
        self.name = name
        super().__init__(f"unresolved reference {name!r}", expression, position)


class ValueProblem(Exception):
    """Raised by value operations without a position; the evaluator turns it into an
    ``ExpressionError`` located at the operator or call at fault."""
