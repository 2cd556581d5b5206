"""The one expression language: Jinja in a sandbox, for `--where` filters, computed
fields and report templates; the reference for codegen.py, and the fallback for what
it does not compile. The only module that imports Jinja.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from jinja2 import (
    ChoiceLoader,
    FileSystemLoader,
    PrefixLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
    Undefined,
    meta,
)
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedEnvironment
from markupsafe import Markup

from tracker.expr import codegen
from tracker.expr.functions import ERRORS, helpers
from tracker.model.errors import TrackerError, UsageError

_ENV: ImmutableSandboxedEnvironment | None = None
_EVAL_ERRORS = (*ERRORS, UndefinedError, SecurityError)


def environment() -> ImmutableSandboxedEnvironment:
    """The shared sandboxed environment for expressions (strict undefined names)."""
    global _ENV
    if _ENV is None:
        _ENV = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
    _ENV.globals.update(helpers())  # refreshed: `today` must follow the clock
    return _ENV


class Expression:
    """A compiled expression; `evaluate` returns its value or `default` on any error.

    It runs as generated Python (codegen.py) when in that subset, else in the sandbox."""

    def __init__(self, source: str, what: str) -> None:
        env = environment()
        self.source = source
        try:
            ast = env.parse("{{ " + source + " }}")
            self._names = meta.find_undeclared_variables(ast) - set(env.globals)
            self._call = env.compile_expression(source, undefined_to_none=False)
        except TemplateSyntaxError as e:
            raise UsageError(f"{what}: invalid expression '{source}': {e.message}") from None
        self._fast = _generated(ast, env.globals)

    @property
    def generated(self) -> codegen.Generated | None:
        """The compiled form, or None outside its subset (then the sandbox answers)."""
        return self._fast

    @property
    def names(self) -> set[str]:
        """The field names the expression reads."""
        return set(self._names)

    def evaluate(self, context: dict[str, Any], default: Any = None) -> Any:
        try:
            if self._fast is not None:
                return self._fast.call(context)
            value = self._call(context)
        except _EVAL_ERRORS:
            return default
        return default if isinstance(value, Undefined) else value


def _generated(ast: Any, globals_: Any) -> codegen.Generated | None:
    """The compiled form of `{{ source }}` when it holds one expression of the subset."""
    body = ast.body
    if len(body) != 1 or type(body[0]).__name__ != "Output" or len(body[0].nodes) != 1:
        return None
    try:
        return codegen.generate(body[0].nodes[0], set(globals_))
    except codegen.Unsupported:
        return None


# ---------------------------------------------------------------- report templates


def report_environment(project_dir: Path | None, builtin_dir: Path,
                       filters: dict[str, Callable[..., Any]]) -> SandboxedEnvironment:
    """The sandbox for report templates: the project's own first, then the built-ins.

    Immutable: a template reads the items, kinds and config the other pages of a site
    see too, so it may call no method that changes a list, mapping or set
    (`items[0].update(...)`, `items.append(...)` are SecurityErrors, one line naming
    the template and its line).

    `builtin/NAME` always names the built-in template, so a project template can
    extend or include the one it replaces. HTML templates are autoescaped; an unknown
    name is an error, never an empty string.
    """
    builtin = FileSystemLoader(str(builtin_dir))
    loaders: list[Any] = [PrefixLoader({"builtin": builtin})]
    if project_dir is not None and project_dir.is_dir():
        loaders.append(FileSystemLoader(str(project_dir)))
    loaders.append(builtin)
    env = ImmutableSandboxedEnvironment(loader=ChoiceLoader(loaders), undefined=StrictUndefined,
                                        autoescape=_is_html, trim_blocks=True, lstrip_blocks=True,
                                        keep_trailing_newline=True)
    env.filters.update(filters)
    env.globals.update(helpers())
    return env


def _is_html(name: str | None) -> bool:
    return bool(name) and str(name).removesuffix(".j2").endswith((".html", ".htm", ".svg"))


def render(env: SandboxedEnvironment, name: str, context: dict[str, Any]) -> str:
    """Render a template; any error becomes one line naming the template and line."""
    try:
        return env.get_template(name).render(context)
    except TemplateNotFound as e:
        raise TrackerError(f"template not found: {e.name}") from None
    except TemplateSyntaxError as e:
        raise TrackerError(f"{e.name or name}:{e.lineno}: {e.message}") from None
    except (TemplateError, *_EVAL_ERRORS) as e:
        where = _template_line(e, env) or name
        message = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise TrackerError(f"{where}: {message}") from None


def _template_line(error: BaseException, env: SandboxedEnvironment) -> str | None:
    """`name:line` of the innermost template frame in the error's traceback."""
    found = None
    tb = error.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith((".j2", ".html", ".md", ".htm", ".svg")) or filename == "<template>":
            found = f"{Path(filename).name}:{tb.tb_lineno}"
        tb = tb.tb_next
    return found


def mark_safe(text: str) -> Markup:
    """Text our own code built and escaped (SVG charts, rendered Markdown)."""
    return Markup(text)
