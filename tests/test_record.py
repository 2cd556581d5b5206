"""tracker.record behaves as the dataclasses it replaces in the core classes."""

from __future__ import annotations

import dataclasses

import pytest

from tracker.model.record import FrozenInstanceError, field, record, replace


@record(frozen=True)
class Point:
    x: int
    y: int = 0
    tags: dict = field(default_factory=dict)


@record
class Box:
    label: str
    items: list = field(default_factory=list)


@dataclasses.dataclass(frozen=True)
class Twin:
    x: int
    y: int = 0
    tags: dict = dataclasses.field(default_factory=dict)


def test_like_a_frozen_dataclass():
    p = Point(1, y=2)
    twin = Twin(1, y=2)
    assert repr(p).replace("Point", "Twin") == repr(twin)
    assert p == Point(1, 2) and p != Point(2, 2) and p != (1, 2, {})
    assert Point(3).tags == {} and Point(3).tags is not Point(3).tags
    with pytest.raises(FrozenInstanceError):
        p.x = 5  # type: ignore[misc]
    assert isinstance(FrozenInstanceError("x"), AttributeError)
    assert hash(Point(1, 2, ())) == hash(Point(1, 2, ()))  # type: ignore[arg-type]
    assert replace(p, y=9) == Point(1, 9) and p.y == 2
    with pytest.raises(TypeError):
        replace(p, z=1)
    with pytest.raises(TypeError):
        Point()  # type: ignore[call-arg]


def test_like_a_mutable_dataclass():
    box = Box("a")
    box.items.append(1)
    assert Box("a").items == [] and box == Box("a", [1])
    with pytest.raises(TypeError):
        hash(box)
    box.label = "b"
    assert box.label == "b"
