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
    Template,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
    Undefined,
    meta,
)
from jinja2 import filters as jinja_filters
from jinja2.compiler import CodeGenerator
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedEnvironment
from jinja2.utils import generate_lorem_ipsum, pass_eval_context
from markupsafe import Markup

from tracker.expr import codegen, functions
from tracker.expr.functions import ERRORS, MAX_SIZE, LimitExceeded, helpers, plain_error, too_big
from tracker.model.errors import TrackerError, UsageError

_EVAL_ERRORS = (*ERRORS, UndefinedError, SecurityError)
MAX_OUTPUT = 50_000_000  # characters one template may write


class _Generator(CodeGenerator):
    """Jinja's code generator, with `~` bounded as the compiled expressions' is."""

    def visit_Concat(self, node: Any, frame: Any) -> None:
        self.write("environment.bounded_text(")
        super().visit_Concat(node, frame)
        self.write(")")


class Bounded(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox with the bounds of functions.py: `*`, `**`, `%` and
    `+`, `~`, `range`, `lipsum`, the filters and text methods that make big results."""

    code_generator_class = _Generator
    intercepted_binops = frozenset(["*", "**", "%", "+"])
    _BINOPS = {"*": functions.multiply, "**": functions.power, "%": functions.modulo,
               "+": functions.add}

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.globals.update(range=functions.bounded_range, lipsum=_lipsum)
        self.filters.update(_FILTERS)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        return self._BINOPS[operator](left, right)

    def bounded_text(self, text: Any) -> Any:
        if len(text) > MAX_SIZE:
            too_big("'~'")
        return text

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """`str.format` and `format_map` are wrapped by Jinja when read (so `call` never
        sees the text's own method): their widths are bounded before the sandbox formats."""
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        text, name = value.__self__, value.__name__

        def bounded(*args: Any, **kwargs: Any) -> str:
            if name == "format":
                functions.check_format(text, args, kwargs)
            elif args and isinstance(args[0], dict):
                functions.check_format(text, (), args[0])
            return wrapped(*args, **kwargs)

        return bounded

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, str):
            _check_text_method(owner, getattr(__obj, "__name__", ""), args, kwargs)
        return super().call(__context, __obj, *args, **kwargs)


def _check_text_method(text: str, name: str, args: Any, kwargs: dict[str, Any]) -> None:
    """A method of text whose result would pass MAX_SIZE is refused before it runs."""
    if name in ("center", "ljust", "rjust", "zfill"):
        width = args[0] if args else kwargs.get("width", 0)
        if isinstance(width, int) and width > MAX_SIZE:
            too_big(name)
    elif name == "expandtabs":
        tab = args[0] if args else kwargs.get("tabsize", 8)
        if isinstance(tab, int) and len(text) + text.count("\t") * tab > MAX_SIZE:
            too_big(name)
    elif name == "replace" and len(args) >= 2:
        _check_replace(text, *args[:3])
    elif name == "join" and args:
        functions.join(args[0], text)
    elif name in ("format", "format_map"):
        functions.check_format(text, args, kwargs)


def _check_replace(text: Any, old: Any, new: Any, count: Any = None) -> None:
    text, old, new = str(text), str(old), str(new)
    found = text.count(old) if old else len(text) + 1
    if isinstance(count, int) and count >= 0:
        found = min(found, count)
    if len(text) + found * (len(new) - len(old)) > MAX_SIZE:
        too_big("replace")


def _lipsum(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> str:  # noqa: A002
    """Jinja's `lipsum`, of at most MAX_SIZE characters (some 12 a word)."""
    if not all(isinstance(v, int) for v in (n, min, max)) or \
            n * _largest(min, max) * 12 > MAX_SIZE:
        too_big("lipsum")
    return generate_lorem_ipsum(n, html, min, max)


def _largest(*values: int) -> int:
    return max(*values, 1)


def _wrap(original: Any, check: Any) -> Any:
    """A Jinja filter with a check of its arguments first (its decorators kept)."""
    def bounded(*args: Any, **kwargs: Any) -> Any:
        check(*args, **kwargs)
        return original(*args, **kwargs)
    for marker in ("jinja_pass_arg",):
        if hasattr(original, marker):
            setattr(bounded, marker, getattr(original, marker))
    return bounded


def _check_center(value: Any, width: Any = 80) -> None:
    if isinstance(width, int) and width > MAX_SIZE:
        too_big("center")


def _check_indent(s: Any, width: Any = 4, *_: Any, **__: Any) -> None:
    lines = str(s).count("\n") + 1
    pad = len(width) if isinstance(width, str) else width if isinstance(width, int) else 0
    if len(str(s)) + lines * pad > MAX_SIZE:
        too_big("indent")


def _check_wordwrap(_env: Any, s: Any, width: Any = 79, break_long_words: Any = True,
                    wrapstring: Any = None, *_: Any, **__: Any) -> None:
    size = len(str(s))
    lines = 2 * size // (width if isinstance(width, int) and width > 0 else 1) + 1
    if size + lines * len(str(wrapstring or "\n")) > MAX_SIZE:
        too_big("wordwrap")


def _check_replace_filter(_ctx: Any, s: Any, old: Any, new: Any, count: Any = None) -> None:
    _check_replace(s, old, new, count)


def _check_format(value: Any, *args: Any, **kwargs: Any) -> None:
    functions.check_percent(str(value), tuple(kwargs.values()) or args)


def _check_batch(value: Any, linecount: Any, fill_with: Any = None) -> None:
    if isinstance(linecount, int) and linecount > MAX_SIZE:
        too_big("batch")


def _check_sum(_env: Any, iterable: Any, attribute: Any = None, start: Any = 0) -> None:
    if not isinstance(start, (int, float)) and isinstance(iterable, (list, tuple)) \
            and functions.size(iterable) + functions.size(start) > MAX_SIZE:
        too_big("sum")


@pass_eval_context
def _join(eval_ctx: Any, value: Any, d: str = "", attribute: Any = None) -> str:
    value = list(value)
    jinja_filters.do_join(eval_ctx, [], d)  # its own errors first
    if attribute is None:
        functions.join(value, d)
    return jinja_filters.do_join(eval_ctx, value, d, attribute)


_FILTERS: dict[str, Any] = {
    "center": _wrap(jinja_filters.do_center, _check_center),
    "indent": _wrap(jinja_filters.do_indent, _check_indent),
    "wordwrap": _wrap(jinja_filters.do_wordwrap, _check_wordwrap),
    "replace": _wrap(jinja_filters.do_replace, _check_replace_filter),
    "format": _wrap(jinja_filters.do_format, _check_format),
    "batch": _wrap(jinja_filters.do_batch, _check_batch),
    "slice": _wrap(jinja_filters.do_slice, _check_batch),
    "sum": _wrap(jinja_filters.do_sum, _check_sum),
    "join": _join,
}

_ENV: Bounded | None = None


def environment() -> Bounded:
    """The shared sandboxed environment for expressions (strict undefined names)."""
    global _ENV
    if _ENV is None:
        _ENV = Bounded(undefined=StrictUndefined, autoescape=False)
    _ENV.globals.update(helpers())  # refreshed: `today` must follow the clock
    return _ENV


def exceeded(what: str, source: str, error: LimitExceeded) -> TrackerError:
    """The one-line error for an expression past a bound."""
    return TrackerError(f"{what}: expression '{source}': {error}")


def plain_syntax_error(source: str, message: str) -> str:
    """Jinja's syntax error in the words of an expression's author: no 'print statement'
    or closing braces (the expression is parsed inside `{{ … }}`); a lone `=` suggests
    `==` and quotes around text."""
    import re  # noqa: PLC0415

    lone = re.search(r"(?<![=!<>])=(?!=)", source)
    if lone:
        left = source[:lone.start()].strip() or "field"
        right = source[lone.end():].strip() or "value"
        if not right.startswith(("'", '"')) and not re.fullmatch(r"-?[0-9.]+", right):
            right = "'" + right.replace("'", "\\'") + "'"
        return f"'=' is not a comparison: write {left} == {right} (text in quotes)"
    for end in ("'end of print statement'", "'}'"):
        message = message.replace(f"unexpected {end}", "the expression ends too soon")
        message = message.replace(end, "the end of the expression")
    message = re.sub(r"^expected token (.+), got (.+)$", r"expected \1, found \2", message)
    if message.startswith("unexpected end of template"):
        return "the expression ends too soon"
    return message


class Expression:
    """A compiled expression; `evaluate` returns its value or `default` on any error.

    It runs as generated Python (codegen.py) when in that subset, else in the sandbox."""

    def __init__(self, source: str, what: str) -> None:
        env = environment()
        self.source, self.what = source, what
        try:
            ast = env.parse("{{ " + source + " }}")
            self._names = meta.find_undeclared_variables(ast) - set(env.globals)
            self._call = env.compile_expression(source, undefined_to_none=False)
        except TemplateSyntaxError as e:
            raise UsageError(f"{what}: invalid expression '{source}': "
                             + plain_syntax_error(source, e.message or "")) from None
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
        """The value, or `default` on an error; past a bound (functions.py), a
        TrackerError naming the expression."""
        try:
            if self._fast is not None:
                return self._fast.call(context)
            with functions.deadline(functions.SECONDS["expressions"]):
                value = self._call(context)
        except _EVAL_ERRORS:
            return default
        except LimitExceeded as e:
            raise exceeded(self.what, self.source, e) from None
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

    Bounded as expressions are (functions.py; each render within `templates.seconds`
    and MAX_OUTPUT characters), and immutable: a template reads the items, kinds and
    config the other pages of a site see too, so it may call no method that changes a
    list, mapping or set (`items[0].update(...)`, `items.append(...)` are
    SecurityErrors, one line naming the template and its line).

    `builtin/NAME` always names the built-in template, so a project template can
    extend or include the one it replaces. HTML templates are autoescaped; an unknown
    name is an error, never an empty string.
    """
    builtin = FileSystemLoader(str(builtin_dir))
    loaders: list[Any] = [PrefixLoader({"builtin": builtin})]
    if project_dir is not None and project_dir.is_dir():
        loaders.append(FileSystemLoader(str(project_dir)))
    loaders.append(builtin)
    env = Bounded(loader=ChoiceLoader(loaders), undefined=StrictUndefined,
                  autoescape=_is_html, trim_blocks=True, lstrip_blocks=True,
                  keep_trailing_newline=True)
    env.filters.update(filters)
    env.globals.update(helpers())
    return env


def _is_html(name: str | None) -> bool:
    return bool(name) and str(name).removesuffix(".j2").endswith((".html", ".htm", ".svg"))


def render(env: SandboxedEnvironment, name: str | Template, context: dict[str, Any]) -> str:
    """Render a template (by name, or as `load` gave it); any error becomes one line
    naming the template and line."""
    if not isinstance(name, str):
        return _render(env, name.name or "<template>", name, context)
    return _render(env, name, name, context)


def load(env: SandboxedEnvironment, name: str) -> Template:
    """A template compiled, for many renders (errors as `render` says them)."""
    return _render(env, name, name, None)


def _render(env: SandboxedEnvironment, name: str, template: str | Template,
            context: dict[str, Any] | None) -> Any:
    try:
        if context is None:
            return env.get_template(template)
        with functions.deadline(functions.SECONDS["templates"]):
            return _bounded_render(env.get_template(template), context)
    except TemplateNotFound as e:
        raise TrackerError(f"template not found: {e.name}") from None
    except TemplateSyntaxError as e:
        raise TrackerError(f"{e.name or name}:{e.lineno}: "
                           + plain_syntax_error("", e.message or "")) from None
    except (TemplateError, LimitExceeded, *_EVAL_ERRORS) as e:
        where = _template_line(e, env) or name
        message = str(e).splitlines()[0] if str(e) else type(e).__name__
        if not isinstance(e, (TemplateError, LimitExceeded)):
            message = plain_error(e)
        raise TrackerError(f"{where}: {message}") from None


def _bounded_render(template: Any, context: dict[str, Any]) -> str:
    """`template.render`, refusing to write more than MAX_OUTPUT characters."""
    parts, total = [], 0
    for part in template.generate(context):
        total += len(part)
        if total > MAX_OUTPUT:
            raise LimitExceeded(f"the output would exceed {MAX_OUTPUT:,} characters")
        parts.append(part)
    return "".join(parts)


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


def escape(value: Any) -> Markup:
    """A value as HTML text (`<`, `&` and quotes escaped)."""
    from markupsafe import escape as _escape  # noqa: PLC0415

    return _escape(value)
