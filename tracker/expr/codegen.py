"""The common expressions as Python source: `lambda a0, a1: …` over the names they
read, so that `list --where` over 100,000 rows is one call of a compiled function per
row, and an expression met before needs no Jinja at all (its source is remembered in
`.git/tracker-cache/`).

The generated code is the closures of exprcompile.py written out: the same
operators, and for everything else the very same functions (get_attr, get_item,
power, concat, call_method, the tests and filters). It is built only from a Jinja
syntax tree, only for the nodes below; names become arguments (`a0`…), helpers
(today, min…) `g_…` constants, and constants their `repr` (text, numbers, booleans,
none). Anything else raises Unsupported and the closures or Jinja are used. Two
things the argument form cannot say are left out on purpose: a name that may be
missing (`is defined`, `default`), and a name the rows may hold as well as the
helpers: callers check the latter with `shadowed`.
"""

from __future__ import annotations

import math
import pickle
from pathlib import Path
from typing import Any, Callable

from tracker.expr import closures as exprcompile
from tracker.expr.closures import Unsupported

VERSION = 1
ERRORS = (ArithmeticError, TypeError, ValueError, KeyError, IndexError, AttributeError,
          OverflowError, RecursionError, exprcompile.MISSING)
_COMPARE = {"eq": "==", "ne": "!=", "gt": ">", "gteq": ">=", "lt": "<", "lteq": "<=",
            "in": "in", "notin": "not in"}
_BINARY = {"Add": "+", "Sub": "-", "Mul": "*", "Div": "/", "FloorDiv": "//", "Mod": "%"}


class Generated:
    """A compiled argument-form expression."""

    def __init__(self, source: str, args: list[str], helpers: list[str]) -> None:
        self.source, self.args, self.helpers = source, args, helpers
        namespace: dict[str, Any] = {
            "__builtins__": {}, "_attr": exprcompile.get_attr, "_item": exprcompile.get_item,
            "_pow": exprcompile.power, "_cat": exprcompile.concat,
            "_call": exprcompile.call_method, "_T": exprcompile.TESTS,
            "_F": exprcompile.FILTERS}
        for name, value in exprcompile.helpers().items():
            namespace[f"g_{name}"] = value
        self.function: Callable[..., Any] = eval(source, namespace)  # noqa: S307 - built here

    def shadowed(self, names: Any) -> bool:
        """True when rows may hold a helper's name (their value would win over it)."""
        return any(h in names for h in self.helpers)


def generate(node: Any, reserved: set[str]) -> Generated:
    """The argument form of a Jinja expression node (Unsupported if outside the subset).

    `reserved` are the environment's global names: those among the helpers become
    constants, others (Jinja's own, like `range`) are outside the subset."""
    writer = _Writer(set(exprcompile.helpers()), reserved)
    body = writer.write(node)
    args = ", ".join(f"a{i}" for i in range(len(writer.args)))
    return Generated(f"lambda {args}: {body}", writer.args, sorted(writer.helpers))


class _Writer:
    def __init__(self, helpers: set[str], reserved: set[str]) -> None:
        self.known, self.reserved = helpers, reserved
        self.args: list[str] = []
        self.helpers: set[str] = set()

    def write(self, node: Any) -> str:
        method = getattr(self, f"_{type(node).__name__}", None)
        if method is None:
            raise Unsupported(type(node).__name__)
        return str(method(node))

    def _Name(self, node: Any) -> str:
        name = node.name
        if not name.isidentifier():
            raise Unsupported("name")
        if name in self.known:
            self.helpers.add(name)
            return f"g_{name}"
        if name in ("config", "lookup") or name in self.reserved:
            raise Unsupported(name)
        if name not in self.args:
            self.args.append(name)
        return f"a{self.args.index(name)}"

    def _Const(self, node: Any) -> str:
        return _literal(node.value)

    def _List(self, node: Any) -> str:
        return "[" + "".join(self.write(n) + ", " for n in node.items) + "]"

    def _Tuple(self, node: Any) -> str:
        return "(" + "".join(self.write(n) + ", " for n in node.items) + ")"

    def _Compare(self, node: Any) -> str:
        parts = [self.write(node.expr)]
        for operand in node.ops:
            if operand.op not in _COMPARE:
                raise Unsupported(operand.op)
            parts += [_COMPARE[operand.op], self.write(operand.expr)]
        return "(" + " ".join(parts) + ")"

    def _And(self, node: Any) -> str:
        return f"({self.write(node.left)} and {self.write(node.right)})"

    def _Or(self, node: Any) -> str:
        return f"({self.write(node.left)} or {self.write(node.right)})"

    def _Not(self, node: Any) -> str:
        return f"(not {self.write(node.node)})"

    def _Neg(self, node: Any) -> str:
        return f"(-{self.write(node.node)})"

    def _Pos(self, node: Any) -> str:
        return self.write(node.node)  # as the closures: no unary plus at all

    def _binary(self, node: Any) -> str:
        left, right = self.write(node.left), self.write(node.right)
        kind = type(node).__name__
        if kind == "Pow":
            return f"_pow({left}, {right})"
        return f"({left} {_BINARY[kind]} {right})"

    _Add = _Sub = _Mul = _Div = _FloorDiv = _Mod = _Pow = _binary

    def _Concat(self, node: Any) -> str:
        return "_cat(" + ", ".join(self.write(n) for n in node.nodes) + ")"

    def _CondExpr(self, node: Any) -> str:
        if node.expr2 is None:
            raise Unsupported("a conditional without else")
        return (f"({self.write(node.expr1)} if {self.write(node.test)} "
                f"else {self.write(node.expr2)})")

    def _Getattr(self, node: Any) -> str:
        return f"_attr({self.write(node.node)}, {node.attr!r})"

    def _Getitem(self, node: Any) -> str:
        return f"_item({self.write(node.node)}, {self.write(node.arg)})"

    def _Test(self, node: Any) -> str:
        if node.name not in exprcompile.TESTS or node.name == "defined" or node.kwargs \
                or node.dyn_args or node.dyn_kwargs:
            raise Unsupported(f"test {node.name}")
        args = [self.write(node.node), *(self.write(a) for a in node.args)]
        return f"_T[{node.name!r}](" + ", ".join(args) + ")"

    def _Filter(self, node: Any) -> str:
        if node.name not in exprcompile.FILTERS or node.name in ("default", "d") \
                or node.dyn_args or node.dyn_kwargs or node.node is None:
            raise Unsupported(f"filter {node.name}")
        args = [self.write(node.node), *(self.write(a) for a in node.args)]
        for kw in node.kwargs:
            if not kw.key.isidentifier():
                raise Unsupported("keyword")
            args.append(f"{kw.key}={self.write(kw.value)}")
        return f"_F[{node.name!r}](" + ", ".join(args) + ")"

    def _Call(self, node: Any) -> str:
        if node.kwargs or node.dyn_args or node.dyn_kwargs:
            raise Unsupported("keyword arguments")
        args = [self.write(a) for a in node.args]
        callee = node.node
        if type(callee).__name__ == "Name" and callee.name in self.known:
            return f"{self._Name(callee)}(" + ", ".join(args) + ")"
        if type(callee).__name__ == "Getattr" and callee.attr in exprcompile.METHODS:
            target = self.write(callee.node)
            return f"_call({target}, {callee.attr!r}" + "".join(f", {a}" for a in args) + ")"
        raise Unsupported("call")


class Known:
    """An expression met before: its names and argument form without Jinja, which is
    loaded only if a row needs the general path (a missing name, a shadowed helper)."""

    fast = None
    errors = ERRORS

    def __init__(self, text: str, what: str, generated: Generated, names: set[str]) -> None:
        self.text, self.what, self.generated, self.names = text, what, generated, names
        self._full: Any = None

    def evaluate(self, context: dict[str, Any], default: Any = None) -> Any:
        generated = self.generated
        if not generated.shadowed(context) and all(a in context for a in generated.args):
            try:
                return generated.function(*(context[a] for a in generated.args))
            except ERRORS:
                return default
        if self._full is None:
            from tracker.expr.jinja import Expression  # noqa: PLC0415

            self._full = Expression(self.text, self.what)
        return self._full.evaluate(context, default)


def expression(text: str, what: str, cache_folder: Path | None) -> Any:
    """A sandbox Expression for the text, or a Known one if it was met before."""
    remembered = _remembered(cache_folder) if cache_folder is not None else None
    hit = remembered.get(text) if remembered is not None else None
    if hit is not None:
        return Known(text, what, *hit)
    from tracker.expr.jinja import Expression  # noqa: PLC0415

    full = Expression(text, what)
    if remembered is not None and full.generated is not None:
        remembered.put(text, full.generated, full.names)
    return full


def _literal(value: Any) -> str:
    """Python source for a constant: text, numbers, booleans, none, lists and tuples of
    them (Jinja folds `['a', 'b']` into one constant)."""
    if value is None or type(value) in (bool, int, str):
        return repr(value)
    if type(value) is float and math.isfinite(value):
        return repr(value)
    if type(value) in (list, tuple):
        inner = "".join(_literal(v) + ", " for v in value)
        return f"[{inner}]" if type(value) is list else f"({inner})"
    raise Unsupported("constant")


# ---------------------------------------------------------------- remembered sources


_OPEN: dict[Path, "Remembered"] = {}


def _remembered(folder: Path) -> "Remembered":
    if folder not in _OPEN:
        _OPEN[folder] = Remembered(folder)
    return _OPEN[folder]


class Remembered:
    """{expression text: (source, args, helpers, names)} in `.git/tracker-cache/`."""

    LIMIT = 200

    def __init__(self, folder: Path) -> None:
        self.file = folder / f"expressions-v{VERSION}.pickle"
        try:
            with open(self.file, "rb") as handle:
                data = pickle.load(handle)  # noqa: S301 - our own file, inside .git/
            self.entries: dict[str, Any] = data if isinstance(data, dict) else {}
        except Exception:  # noqa: BLE001 - unreadable: start again
            self.entries = {}

    def get(self, text: str) -> tuple[Generated, set[str]] | None:
        entry = self.entries.get(text)
        try:
            source, args, helpers, names = entry  # type: ignore[misc]
            return Generated(source, list(args), list(helpers)), set(names)
        except Exception:  # noqa: BLE001 - a bad entry is just not used
            return None

    def put(self, text: str, generated: Generated, names: set[str]) -> None:
        from tracker.store.files import save_disposable  # noqa: PLC0415

        entries = {k: v for k, v in self.entries.items() if k != text}
        entries[text] = (generated.source, generated.args, generated.helpers, sorted(names))
        while len(entries) > self.LIMIT:
            del entries[next(iter(entries))]
        self.entries = entries
        save_disposable(self.file, [pickle.dumps(entries, pickle.HIGHEST_PROTOCOL)])
