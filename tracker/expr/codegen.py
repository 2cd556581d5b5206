"""The one compiler: a Jinja expression written out as Python source, `lambda a0, a1: …`
over the names it reads, so that `list --where` over 100,000 rows is one call of a
compiled function per row.

It is built only from a Jinja syntax tree, only for the nodes below; anything else
raises Unsupported and the caller keeps the sandboxed Jinja expression (the reference,
held equal to this by property tests). Names become arguments (`a0`…) and constants
their `repr` (text, numbers, booleans, none); everything but Python's own operators
is a call of functions.py (attributes, items, `**`, `*`, `%`, `~`, tests, filters,
methods), where the bounds are (no operation makes more than MAX_SIZE characters or
items; the subset has no loop, so an evaluation's time is bounded too).

A name the row lacks is passed as MISSING, Jinja's undefined, or as the helper of
that name (`today`, `min`…): a field of the row wins over a helper, as in Jinja.
Jinja's own globals (`range`, `dict`…) are outside the subset.
"""

from __future__ import annotations

import math
from typing import Any, Callable

from tracker.expr import functions
from tracker.expr.functions import ERRORS, FILTERS, METHODS, MISSING, TESTS

_COMPARE = {"eq": "==", "ne": "!=", "gt": ">", "gteq": ">=", "lt": "<", "lteq": "<=",
            "in": "in", "notin": "not in"}
_GUARDED = {"Pow": "_pow", "Mul": "_mul", "Mod": "_mod"}
_BINARY = {"Add": "+", "Sub": "-", "Mul": "*", "Div": "/", "FloorDiv": "//", "Mod": "%"}
# Nodes whose value is never undefined (they give a value or raise).
_DEFINED = {"Const", "List", "Tuple", "Compare", "Not", "Neg", "Pos", "Concat", "Test",
            "Pow", *_BINARY}


class Unsupported(Exception):
    """This node is outside the compiled subset: use the Jinja expression instead."""


class Generated:
    """A compiled expression: `function(*values)` over `args` (`absent[i]` for a value
    the row lacks), or `call(context)`; both raise one of ERRORS where the sandbox
    gives its default (an error, or an undefined value)."""

    def __init__(self, source: str, args: list[str]) -> None:
        self.source, self.args = source, args
        namespace: dict[str, Any] = {
            "__builtins__": {}, "M": MISSING, "_undefined": functions.undefined,
            "_defined": functions.defined,
            "_attr": functions.get_attr, "_item": functions.get_item,
            "_pow": functions.power, "_mul": functions.multiply, "_mod": functions.modulo,
            "_cat": functions.concat,
            "_call": functions.call_method, "_T": TESTS, "_F": FILTERS}
        self.function: Callable[..., Any] = eval(source, namespace)  # noqa: S307 - built here
        helpers = functions.helpers()
        self.absent = [helpers.get(name, MISSING) for name in args]
        # The same over a context: one call (a list of arguments built first took 5x).
        looked_up = ", ".join(f"c.get({name!r}, _d{i})" for i, name in enumerate(args))
        self.call: Callable[[dict[str, Any]], Any] = eval(  # noqa: S307 - names are identifiers
            f"lambda c: _f({looked_up})", {"__builtins__": {}, "_f": self.function,
                                            **{f"_d{i}": d for i, d in enumerate(self.absent)}})

    def evaluate(self, context: dict[str, Any], default: Any = None) -> Any:
        """The value for a context, or `default` where the sandbox gives it."""
        try:
            return self.call(context)
        except ERRORS:
            return default


def generate(node: Any, reserved: set[str]) -> Generated:
    """The compiled form of a Jinja expression node (Unsupported if outside the subset).

    `reserved` are the environment's global names: those that are not helpers (Jinja's
    own, like `range`) are outside the subset."""
    writer = _Writer(set(functions.helpers()), reserved)
    body = writer.write(node)
    if not _surely_defined(node):  # the undefined value is no result: raise instead
        body = f"_r if (_r := {body}) is not M else _undefined()"
    args = ", ".join(f"a{i}" for i in range(len(writer.args)))
    return Generated(f"lambda {args}: {body}", writer.args)


def _surely_defined(node: Any) -> bool:
    kind = type(node).__name__
    if kind in ("And", "Or"):
        return _surely_defined(node.left) and _surely_defined(node.right)
    if kind == "CondExpr":
        return node.expr2 is not None and _surely_defined(node.expr1) \
            and _surely_defined(node.expr2)
    if kind == "Filter":
        return node.name not in functions.MAYBE_UNDEFINED
    return kind in _DEFINED


class _Writer:
    def __init__(self, helpers: set[str], reserved: set[str]) -> None:
        self.helpers, self.reserved = helpers, reserved
        self.args: list[str] = []

    def write(self, node: Any) -> str:
        method = getattr(self, f"_{type(node).__name__}", None)
        if method is None:
            raise Unsupported(type(node).__name__)
        return str(method(node))

    def _Name(self, node: Any) -> str:
        name = node.name
        if not name.isidentifier() or (name in self.reserved and name not in self.helpers):
            raise Unsupported(name)
        if name not in self.args:
            self.args.append(name)
        return f"a{self.args.index(name)}"

    def _Const(self, node: Any) -> str:
        return _literal(node.value)

    def _List(self, node: Any) -> str:
        return "[" + "".join(self._element(n) + ", " for n in node.items) + "]"

    def _Tuple(self, node: Any) -> str:
        return "(" + "".join(self._element(n) + ", " for n in node.items) + ")"

    def _element(self, node: Any) -> str:
        """An item of a list: never the undefined value, so that none leaks into a result."""
        value = self.write(node)
        return value if _surely_defined(node) else f"_defined({value})"

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
        return f"(+{self.write(node.node)})"

    def _binary(self, node: Any) -> str:
        left, right = self.write(node.left), self.write(node.right)
        kind = type(node).__name__
        if kind in _GUARDED:  # bounded: see functions.py
            return f"{_GUARDED[kind]}({left}, {right})"
        return f"({left} {_BINARY[kind]} {right})"

    _Add = _Sub = _Mul = _Div = _FloorDiv = _Mod = _Pow = _binary

    def _Concat(self, node: Any) -> str:
        return "_cat(" + ", ".join(self.write(n) for n in node.nodes) + ")"

    def _CondExpr(self, node: Any) -> str:
        otherwise = "M" if node.expr2 is None else self.write(node.expr2)  # Jinja: undefined
        return f"({self.write(node.expr1)} if {self.write(node.test)} else {otherwise})"

    def _Getattr(self, node: Any) -> str:
        return f"_attr({self.write(node.node)}, {node.attr!r})"

    def _Getitem(self, node: Any) -> str:
        return f"_item({self.write(node.node)}, {self.write(node.arg)})"

    def _Test(self, node: Any) -> str:
        if node.name not in TESTS or node.kwargs or node.dyn_args or node.dyn_kwargs \
                or not _takes(TESTS[node.name], len(node.args), []):
            raise Unsupported(f"test {node.name}")
        value = self.write(node.node)
        if node.name in ("defined", "undefined"):
            return f"({value} {'is not' if node.name == 'defined' else 'is'} M)"
        args = [value, *(self.write(a) for a in node.args)]
        return f"_T[{node.name!r}](" + ", ".join(args) + ")"

    def _Filter(self, node: Any) -> str:
        keys = [kw.key for kw in node.kwargs]
        if node.name not in FILTERS or node.dyn_args or node.dyn_kwargs or node.node is None \
                or not _takes(FILTERS[node.name], len(node.args), keys):
            raise Unsupported(f"filter {node.name}")
        args = [self.write(node.node), *(self.write(a) for a in node.args)]
        args += [f"{kw.key}={self.write(kw.value)}" for kw in node.kwargs]
        return f"_F[{node.name!r}](" + ", ".join(args) + ")"

    def _Call(self, node: Any) -> str:
        if node.kwargs or node.dyn_args or node.dyn_kwargs:
            raise Unsupported("keyword arguments")
        args = [self.write(a) for a in node.args]
        callee = node.node
        if type(callee).__name__ == "Name" and (callee.name in self.helpers
                                                 or callee.name == "lookup"):
            return f"{self._Name(callee)}(" + ", ".join(args) + ")"
        if type(callee).__name__ == "Getattr" and callee.attr in METHODS:
            target = self.write(callee.node)
            return f"_call({target}, {callee.attr!r}" + "".join(f", {a}" for a in args) + ")"
        raise Unsupported("call")


def _takes(function: Callable[..., Any], count: int, keys: list[str]) -> bool:
    """True if `function(value, *count arguments, **keys)` fits its parameters (a
    built-in takes the value alone): other forms are left to Jinja's own filter."""
    code = getattr(function, "__code__", None)
    if code is None:
        return count == 0 and not keys
    params = code.co_varnames[:code.co_argcount]
    given, rest = params[:1 + count], params[1 + count:]
    required = params[:code.co_argcount - len(function.__defaults__ or ())]
    return len(given) == 1 + count and set(keys) <= set(rest) and \
        len(set(keys)) == len(keys) and set(required) <= {*given, *keys}


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
