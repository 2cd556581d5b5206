"""Dependency cycles: `check` names each one, the write gate refuses a write that would
make one (`dependency cycle: a → c → b → a`).

The graph is every item's `depends_on` (schema.DEPENDS_ON): an item waits for those.
Pure over a mapping id → the ids it depends on; the items are read by the callers.
"""

from __future__ import annotations

from tracker.model.schema import DEPENDS_ON

TYPE_CHECKING = False  # typing is not imported at run time (start-up)
if TYPE_CHECKING:
    from typing import Any, Iterable

    from tracker.store.workspace import Item

ARROW = " → "


def depends_on(fields: dict[str, Any]) -> list[str]:
    """The ids an item's fields say it waits for (a list, or one id), in order."""
    value = fields.get(DEPENDS_ON)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return []
    return list(dict.fromkeys(v for v in value if isinstance(v, str) and v))


def graph(items: Iterable[Item]) -> dict[str, list[str]]:
    """id → the ids it depends on, for every item given."""
    return {item.id: depends_on(item.fields) for item in items}


def find_cycles(edges: dict[str, list[str]]) -> list[list[str]]:
    """The dependency cycles, each written from its smallest id and closed ([a, b, a]),
    sorted: within each tangle (a strongly connected component), for every dependency
    not yet on a cycle named, the shortest cycle through it, so that every dependency
    that is part of a cycle is named in one (all elementary cycles could be
    exponentially many)."""
    found: set[tuple[str, ...]] = set()
    for component in _components(edges):
        members = set(component)
        if len(component) == 1:
            node = component[0]
            if node in edges.get(node, ()):
                found.add((node, node))
            continue
        covered: set[tuple[str, str]] = set()
        for start in sorted(component):
            for nxt in edges.get(start, ()):
                if nxt not in members or (start, nxt) in covered:
                    continue
                back = _path(edges, nxt, start, members) if nxt != start else []
                if nxt == start:
                    cycle = [start, start]
                else:
                    cycle = [start, *back] if back and back[0] == nxt else []
                if not cycle:
                    continue
                covered.update(zip(cycle, cycle[1:]))
                found.add(_rotated(cycle))
    return sorted(list(c) for c in found)


def _rotated(cycle: list[str]) -> tuple[str, ...]:
    """A closed cycle written from its smallest id."""
    ring = cycle[:-1]
    at = ring.index(min(ring))
    ring = ring[at:] + ring[:at]
    return (*ring, ring[0])


def path_back(edges: dict[str, list[str]], start: str, targets: Iterable[str]) -> list[str]:
    """For an item `start` that would depend on `targets`: the cycle that makes
    ([start, t, …, start]), or [] when none does."""
    for target in targets:
        if target == start:
            return [start, start]
        path = _path_to(edges, target, start)
        if path:
            return [start, *path]
    return []


def _path(edges: dict[str, list[str]], start: str, goal: str, within: set[str]) -> list[str]:
    """A shortest path start → … → goal of at least one step, inside `within`."""
    previous: dict[str, str] = {}
    frontier = [start]
    seen = {start}
    while frontier:
        following = []
        for node in frontier:
            for nxt in edges.get(node, ()):
                if nxt not in within:
                    continue
                if nxt == goal:
                    path = [goal, node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return path[::-1]
                if nxt not in seen:
                    seen.add(nxt)
                    previous[nxt] = node
                    following.append(nxt)
        frontier = following
    return []


def _path_to(edges: dict[str, list[str]], start: str, goal: str) -> list[str]:
    """A shortest path start → … → goal (just [goal] when start is goal), or []."""
    if start == goal:
        return [goal]
    previous: dict[str, str] = {}
    frontier, seen = [start], {start}
    while frontier:
        following = []
        for node in frontier:
            for nxt in edges.get(node, ()):
                if nxt in seen:
                    continue
                previous[nxt] = node
                if nxt == goal:
                    path = [goal]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return path[::-1]
                seen.add(nxt)
                following.append(nxt)
        frontier = following
    return []


def _components(edges: dict[str, list[str]]) -> list[list[str]]:
    """The strongly connected components (iterative Tarjan: no recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    result: list[list[str]] = []
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(edges.get(root, ())))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in edges:
                    continue  # a missing item: check reports it as such
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges.get(child, ()))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                result.append(component)
    return result


def describe(cycle: list[str]) -> str:
    """`dependency cycle: a → b → a`."""
    return "dependency cycle: " + ARROW.join(cycle)
