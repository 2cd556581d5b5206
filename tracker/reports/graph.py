"""The dependency graph as text, Graphviz dot, Mermaid and SVG (`tracker graph`, the
site's item pages). The graph is `Tracker.graph`'s: nodes, and edges from an item to
each one it depends on; `labelled` gives its statuses as labels for people. Titles are
users' content: quoted for dot and Mermaid, escaped in SVG.
"""

from __future__ import annotations

import html
from collections import deque
from typing import Any, Callable

Graph = dict[str, Any]


PAGE_LIMIT = 30  # boxes on an item page's drawing: the nearest items, not a whole chain


class Around:
    """What each item of a graph waits for and what waits for it, all the way up and
    down, or only the `limit` nearest (breadth first): the site draws one per item page,
    and a chain of thousands would make each page as big as the whole graph."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.down: dict[str, list[str]] = {}
        self.up: dict[str, list[str]] = {}
        for edge in graph["edges"]:
            self.down.setdefault(edge["from"], []).append(edge["to"])
            self.up.setdefault(edge["to"], []).append(edge["from"])

    def subgraph(self, item_id: str, limit: int | None = None) -> tuple[Graph, bool]:
        """The item's part of the graph, and whether items were left out for `limit`."""
        kept, cut = self._nearest(item_id, limit)
        nodes = [n for n in self.graph["nodes"] if n["id"] in kept]
        edges = [{"from": n["id"], "to": to} for n in nodes
                 for to in self.down.get(n["id"], ()) if to in kept]
        return {"nodes": nodes, "edges": edges}, cut

    def _nearest(self, start: str, limit: int | None) -> tuple[set[str], bool]:
        kept = {start}
        seen = {"down": {start}, "up": {start}}
        todo = deque([(start, "down"), (start, "up")])
        while todo:
            node, way = todo.popleft()
            for nxt in (self.down if way == "down" else self.up).get(node, ()):
                if nxt in seen[way]:
                    continue
                if nxt not in kept:
                    if limit is not None and len(kept) >= limit:
                        return kept, True
                    kept.add(nxt)
                seen[way].add(nxt)
                todo.append((nxt, way))
        return kept, False


def labelled(graph: Graph, kinds: dict[str, Any]) -> Graph:
    """The graph with each node's status as people read it (`shown`: its workflow's
    label, `kinds` the tracker's); the drawings show it, JSON keeps the slug."""
    nodes = []
    for node in graph["nodes"]:
        kind = kinds.get(node.get("kind") or "")
        status = node.get("status")
        shown = kind.value_label("status", status) if kind is not None else status
        nodes.append({**node, "shown": shown})
    return {**graph, "nodes": nodes}


def _status(node: dict[str, Any]) -> str:
    return str(node.get("shown", node["status"]))


def _label(node: dict[str, Any]) -> str:
    title = node.get("title")
    return f"{node['id']} ({_status(node)})" + (f" {title}" if title else "")


def as_text(graph: Graph) -> str:
    """Each item with its status and title, then what it waits for, indented."""
    waits: dict[str, list[str]] = {}
    for edge in graph["edges"]:
        waits.setdefault(edge["from"], []).append(edge["to"])
    by_id = {n["id"]: n for n in graph["nodes"]}
    lines = []
    for node in graph["nodes"]:
        lines.append(_one_line(_label(node)))
        for dep in waits.get(node["id"], ()):
            lines.append(_one_line("  waits for " + _label(by_id[dep])))
    return "".join(line + "\n" for line in lines)


def _one_line(text: str) -> str:
    return "".join(c if c.isprintable() else " " for c in text)


def _dot_string(text: str) -> str:
    return '"' + _one_line(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def as_dot(graph: Graph) -> str:
    """A Graphviz digraph: an edge from each item to what it waits for."""
    lines = ["digraph dependencies {", "  rankdir=BT;", "  node [shape=box];"]
    for node in graph["nodes"]:
        style = ", style=filled, fillcolor=\"#e6f4ea\"" if node["final"] else ""
        if node["status"] == "missing":
            style = ", style=dashed"
        lines.append(f"  {_dot_string(node['id'])} [label={_dot_string(_label(node))}{style}];")
    for edge in graph["edges"]:
        lines.append(f"  {_dot_string(edge['from'])} -> {_dot_string(edge['to'])};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _mermaid_text(text: str) -> str:
    """Text inside a Mermaid label: quotes and markup as entity codes."""
    out = []
    for c in _one_line(text):
        out.append(f"#{ord(c)};" if c in "\"<>&#`[](){}|;" else c)
    return "".join(out)


def as_mermaid(graph: Graph) -> str:
    """A Mermaid flowchart: an edge from each item to what it waits for."""
    names = {n["id"]: f"n{k}" for k, n in enumerate(graph["nodes"])}
    lines = ["flowchart BT"]
    for node in graph["nodes"]:
        lines.append(f"  {names[node['id']]}[\"{_mermaid_text(_label(node))}\"]")
    for edge in graph["edges"]:
        lines.append(f"  {names[edge['from']]} --> {names[edge['to']]}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- SVG

WIDTH, HEIGHT, GAP_X, GAP_Y = 220, 44, 24, 40


def layers(graph: Graph) -> list[list[str]]:
    """Rows of ids: an item's row is one below the lowest of those it waits for (rows
    from the top: what nothing waits on is below); a cycle is cut where it is met."""
    waits: dict[str, list[str]] = {n["id"]: [] for n in graph["nodes"]}
    for edge in graph["edges"]:
        waits[edge["from"]].append(edge["to"])
    depth: dict[str, int] = {}
    for start in sorted(waits):
        stack = [(start, iter(waits[start]))]
        active = {start}
        while stack:
            node, children = stack[-1]
            for child in children:
                if child not in depth and child not in active:
                    active.add(child)
                    stack.append((child, iter(waits[child])))
                    break
            else:
                stack.pop()
                active.discard(node)
                depth[node] = 1 + max((depth[c] for c in waits[node] if c in depth),
                                      default=-1)
    rows: list[list[str]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
    for node in sorted(depth):
        rows[depth[node]].append(node)
    return rows


def as_svg(graph: Graph, href: Callable[[dict[str, Any]], str | None] | None = None,
           focus: str | None = None) -> str:
    """An SVG drawing: what an item waits for above it, an arrow from it to each; final
    items shaded, missing ones dashed, `focus` outlined, each box a link when `href`
    gives one. Every text is escaped."""
    rows = layers(graph)
    by_id = {n["id"]: n for n in graph["nodes"]}
    place: dict[str, tuple[float, float]] = {}
    widest = max((len(r) for r in rows), default=0)
    width = max(1, widest) * (WIDTH + GAP_X) + GAP_X
    height = max(1, len(rows)) * (HEIGHT + GAP_Y) + GAP_Y
    for level, row in enumerate(rows):
        offset = (width - len(row) * (WIDTH + GAP_X) + GAP_X) / 2
        for at, node in enumerate(row):
            place[node] = (offset + at * (WIDTH + GAP_X), GAP_Y + level * (HEIGHT + GAP_Y))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="dependency-graph" '
             f'width="{width:.0f}" height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" '
             'role="img" aria-label="dependency graph">',
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" '
             'markerWidth="8" markerHeight="8" orient="auto-start-reverse">'
             '<path d="M 0 0 L 10 5 L 0 10 z" fill="#555"/></marker></defs>']
    for edge in graph["edges"]:
        (x1, y1), (x2, y2) = place[edge["from"]], place[edge["to"]]
        parts.append(f'<line x1="{x1 + WIDTH / 2:.0f}" y1="{y1:.0f}" x2="{x2 + WIDTH / 2:.0f}" '
                     f'y2="{y2 + HEIGHT:.0f}" stroke="#555" marker-end="url(#arrow)"/>')
    for node_id, (x, y) in place.items():
        node = by_id[node_id]
        fill = "#e6f4ea" if node["final"] else "#fff"
        dash = ' stroke-dasharray="4 3"' if node["status"] == "missing" else ""
        stroke = 3 if node_id == focus else 1
        title = node.get("title") or ""
        box = (f'<g class="node"><title>{_esc(_label(node))}</title>'
               f'<rect x="{x:.0f}" y="{y:.0f}" width="{WIDTH}" height="{HEIGHT}" rx="4" '
               f'fill="{fill}" stroke="#333" stroke-width="{stroke}"{dash}/>'
               f'<text x="{x + 8:.0f}" y="{y + 18:.0f}" font-size="12" font-family="monospace">'
               f'{_esc(_cut(node_id + " · " + _status(node), 30))}</text>'
               f'<text x="{x + 8:.0f}" y="{y + 35:.0f}" font-size="12">'
               f'{_esc(_cut(title, 32))}</text></g>')
        link = href(node) if href is not None and node["status"] != "missing" else None
        parts.append(f'<a href="{_esc(link)}">{box}</a>' if link else box)
    parts.append("</svg>")
    return "".join(parts)


def cut_caption(item_id: str) -> str:
    """The caption under a drawing `Around` cut to PAGE_LIMIT items."""
    return (f"<figcaption>The {PAGE_LIMIT} nearest items; the whole graph: "
            f"<code>tracker graph {_esc(item_id)}</code></figcaption>")


def _cut(text: str, size: int) -> str:
    text = _one_line(text)
    return text if len(text) <= size else text[:size - 1] + "…"


def _esc(text: str) -> str:
    return html.escape(text, quote=True)
