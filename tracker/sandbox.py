"""The one expression language: Jinja expressions in a sandbox, for `--where` filters
and computed fields. The only module that imports Jinja; reports build their
environment through `environment()`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Callable

from jinja2 import StrictUndefined, TemplateSyntaxError, meta
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from .errors import UsageError

_ENV: ImmutableSandboxedEnvironment | None = None
_EVAL_ERRORS = (ArithmeticError, TypeError, ValueError, KeyError, IndexError, AttributeError,
                UndefinedError, SecurityError, OverflowError, RecursionError)


def environment() -> ImmutableSandboxedEnvironment:
    """The shared sandboxed environment for expressions (strict undefined names)."""
    global _ENV
    if _ENV is None:
        _ENV = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
        _ENV.globals.update(helpers())
    return _ENV


def helpers() -> dict[str, Any]:
    """Names every expression can use besides the item's fields."""
    return {"today": date.today(), "now": datetime.now().astimezone(),
            "date": _to_date, "min": min, "max": max, "abs": abs, "round": round}


def _to_date(text: str) -> date:
    return date.fromisoformat(str(text))


class Expression:
    """A compiled expression; `evaluate` returns its value or `default` on any error."""

    def __init__(self, source: str, what: str) -> None:
        env = environment()
        self.source = source
        try:
            ast = env.parse("{{ " + source + " }}")
            self._names = meta.find_undeclared_variables(ast) - set(env.globals)
            self._call = env.compile_expression(source, undefined_to_none=False)
        except TemplateSyntaxError as e:
            raise UsageError(f"{what}: invalid expression '{source}': {e.message}") from None

    @property
    def names(self) -> set[str]:
        """The field names the expression reads."""
        return set(self._names)

    def evaluate(self, context: dict[str, Any], default: Any = None) -> Any:
        try:
            return self._call(context)
        except _EVAL_ERRORS:
            return default


def compile_all(expressions: dict[str, str], what: str) -> dict[str, Expression]:
    return {name: Expression(src, f"{what} '{name}'") for name, src in expressions.items()}


def evaluator(source: str, what: str) -> Callable[[dict[str, Any]], bool]:
    """A predicate over an item's context; an error on one item means 'no match'."""
    expression = Expression(source, what)
    return lambda context: bool(expression.evaluate(context, default=False))
