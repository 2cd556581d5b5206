"""`record`: the part of `dataclasses` the core classes use, at a tenth of the start-up.

`import dataclasses` loads `inspect` (~13 ms) and each frozen class costs ~2 ms to
build; the classes every command loads (kinds, items, documents, the snapshot) would
spend a fifth of a `tracker set` on it. A record gets an `__init__` (positional or
keyword, with defaults and `field(default_factory=...)`), `__repr__`, `__eq__`, and
with `frozen=True` immutability and `__hash__`, exactly as a dataclass would.

The rule: a class that the start-up of `tracker set`, `new` or `list` loads is a record
(there dataclasses would cost 20–40 ms, the start-up docs/performance.md keeps small),
and a class that only other commands load (merges, imports, history, reports, the
campaign) may be a dataclass.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing is not imported at run time (start-up)
if TYPE_CHECKING:
    from typing import Any, Callable, TypeVar, dataclass_transform, overload

    T = TypeVar("T")
_MISSING: Any = object()


class FrozenInstanceError(AttributeError):
    """Assigning to a field of a frozen record."""


class _Factory:
    __slots__ = ("make",)

    def __init__(self, make: Callable[[], Any]) -> None:
        self.make = make


def field(*, default_factory: Callable[[], Any]) -> Any:
    """A default made fresh for each instance (`field(default_factory=dict)`)."""
    return _Factory(default_factory)


if TYPE_CHECKING:  # what type checkers see: a dataclass-like decorator
    @overload
    def record(cls: type[T], *, frozen: bool = False) -> type[T]: ...

    @overload
    def record(cls: None = None, *, frozen: bool = False) -> Callable[[type[T]], type[T]]: ...

    @dataclass_transform(field_specifiers=(field,))
    def record(cls: type[T] | None = None, *, frozen: bool = False) -> Any: ...
else:
    def record(cls=None, *, frozen=False):
        """Decorate a class whose annotated names are its fields, in order."""
        def wrap(klass):
            return _build(klass, frozen)
        return wrap(cls) if cls is not None else wrap


def _build(cls: type[T], frozen: bool) -> type[T]:
    names = [n for n in cls.__dict__.get("__annotations__", {}) if not n.startswith("__")]
    namespace: dict[str, Any] = {"_MISSING": _MISSING, "_set": object.__setattr__}
    params, body = [], []
    for name in names:
        default = cls.__dict__.get(name, _MISSING)
        if isinstance(default, _Factory):
            namespace[f"_f_{name}"] = default.make
            params.append(f"{name}=_MISSING")
            body.append(f"  _set(self, {name!r}, _f_{name}() if {name} is _MISSING else {name})")
            delattr(cls, name)
            continue
        if default is not _MISSING:
            namespace[f"_d_{name}"] = default
            params.append(f"{name}=_d_{name}")
        else:
            params.append(name)
        body.append(f"  _set(self, {name!r}, {name})" if frozen else f"  self.{name} = {name}")
    source = f"def __init__(self, {', '.join(params)}):\n" + ("\n".join(body) or "  pass")
    exec(source, namespace)  # noqa: S102 - built above from the class's own field names
    cls.__init__ = namespace["__init__"]  # type: ignore[misc, method-assign]
    fields = tuple(names)
    cls.__record_fields__ = fields  # type: ignore[attr-defined]

    def __repr__(self: Any) -> str:
        inner = ", ".join(f"{n}={getattr(self, n)!r}" for n in fields)
        return f"{type(self).__qualname__}({inner})"

    def __eq__(self: Any, other: Any) -> Any:
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in fields)

    cls.__repr__ = __repr__  # type: ignore[method-assign, assignment]
    cls.__eq__ = __eq__  # type: ignore[method-assign, assignment]
    if frozen:
        def __setattr__(self: Any, name: str, value: Any) -> None:
            raise FrozenInstanceError(f"cannot assign to field '{name}'")

        def __delattr__(self: Any, name: str) -> None:
            raise FrozenInstanceError(f"cannot delete field '{name}'")

        def __hash__(self: Any) -> int:
            return hash(tuple(getattr(self, n) for n in fields))

        cls.__setattr__ = __setattr__  # type: ignore[method-assign, assignment]
        cls.__delattr__ = __delattr__  # type: ignore[method-assign, assignment]
        cls.__hash__ = __hash__  # type: ignore[method-assign, assignment]
    else:
        cls.__hash__ = None  # type: ignore[method-assign, assignment]  # mutable: unhashable
    return cls


def replace(obj: T, **changes: Any) -> T:
    """A copy of the record with some fields changed."""
    fields = type(obj).__record_fields__  # type: ignore[attr-defined]
    values = {n: changes.pop(n) if n in changes else getattr(obj, n) for n in fields}
    if changes:
        raise TypeError(f"unknown fields: {', '.join(changes)}")
    return type(obj)(**values)
