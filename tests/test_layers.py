"""The package's layers hold: imports go one way, no module imports itself back through
others, and only tracker/git/ starts git.

Every import is read with `ast`, those inside functions and under `if TYPE_CHECKING:`
included. LAYERS is the one table of what may import what; docs/architecture.md draws it.
"""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "tracker"

# Each layer, and the layers it may import (besides its own modules). A module directly
# under tracker/ is the layer named after itself ("api"); `tracker/__init__.py` is "".
LAYERS: dict[str, set[str]] = {
    "model": set(),
    "format": {"model"},
    "git": {"model"},
    "expr": {"model"},
    "store": {"format", "git", "model"},
    "core": {"expr", "store", "format", "git", "model"},
    "api": {"core", "expr", "store", "format", "git", "model"},
    "reports": {"api", "expr", "model"},
    "importers": {"api", "format", "model"},  # format: others' Markdown+YAML, pure parse
    "campaign": {"reports", "importers", "api", "expr", "model"},
    "serve": {"api", "model"},  # the server: the façade only
    "mcp": {"campaign", "reports", "api", "model"},  # tracker mcp: the façade, reports
    "cli": {"mcp", "serve", "campaign", "reports", "importers", "api", "model", ""},
    "__main__": {"cli"},
    "": set(),
}
# Single imports allowed across the table, each with its reason.
EXCEPTIONS: dict[tuple[str, str], str] = {
    ("tracker.cli.fast", "tracker.git.process"):
        "the launch-time head start: git starts while Python is still loading",
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_module(name: str) -> bool:
    base = PACKAGE.parent / name.replace(".", "/")
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _imports(path: Path) -> list[tuple[int, str, bool]]:
    """(line, module, runs) for every import of a tracker module in this file; `runs` is
    False for an import under `if TYPE_CHECKING:`, which only type checkers follow."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    typing_only: set[int] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and \
                node.test.id == "TYPE_CHECKING":
            typing_only.update(id(n) for child in node.body for n in ast.walk(child))
    for node in ast.walk(tree):
        runs = id(node) not in typing_only
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name, runs) for a in node.names
                      if a.name.split(".")[0] == "tracker"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] +
                                ([node.module] if node.module else []))
            else:
                base = node.module or ""
            if base.split(".")[0] != "tracker":
                continue
            for alias in node.names:
                full = f"{base}.{alias.name}"
                found.append((node.lineno, full if _is_module(full) else base, runs))
    return found


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _graph() -> dict[str, list[tuple[int, str, bool]]]:
    return {_module_name(p): _imports(p) for p in sorted(PACKAGE.rglob("*.py"))}


def _path(module: str) -> str:
    base = PACKAGE.parent / module.replace(".", "/")
    path = base / "__init__.py" if (base / "__init__.py").is_file() else base.with_suffix(".py")
    return path.relative_to(PACKAGE.parent).as_posix()


def test_every_layer_is_in_the_table():
    unknown = {_layer(m) for m in _graph()} - set(LAYERS)
    assert not unknown, f"modules in no layer: {sorted(unknown)}; add them to LAYERS"


def test_imports_go_down_the_layers():
    wrong = []
    for module, imports in _graph().items():
        layer = _layer(module)
        for line, target, _ in imports:
            other = _layer(target)
            if other != layer and other not in LAYERS.get(layer, set()) and \
                    not module.startswith(target + ".") and target != "tracker" and \
                    (module, target) not in EXCEPTIONS:
                wrong.append(f"{_path(module)}:{line}: {layer or 'tracker'} imports {target} "
                             f"({other or 'tracker'}), which it may not")
    assert not wrong, "\n".join(wrong)


def test_no_import_cycle():
    """Imports that run (not those only type checkers read) never lead back."""
    names = _graph_names()
    graph = {m: sorted({t for _, t, runs in imports if runs and t in names and t != m})
             for m, imports in _graph().items()}
    lines = {m: {t: line for line, t, _ in imports} for m, imports in _graph().items()}
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles = []

    def visit(module: str) -> None:
        state[module] = 1
        stack.append(module)
        for target in graph.get(module, []):
            # a package's __init__ is imported by its modules' import; importing a package
            # from inside it is not a cycle of code
            if module.startswith(target + "."):
                continue
            if state.get(target) == 1:
                loop = stack[stack.index(target):] + [target]
                cycles.append(" -> ".join(f"{_path(a)}:{lines[a][b]}"
                                          for a, b in itertools.pairwise(loop)) + f" -> {target}")
            elif target not in state:
                visit(target)
        stack.pop()
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def _graph_names() -> set[str]:
    return {_module_name(p) for p in PACKAGE.rglob("*.py")}


def _starts_git(path: Path) -> list[str]:
    """Lines that import GitPython or build a command line starting with "git"."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "git"
                                                for a in node.names):
            found.append(f"{node.lineno}: imports GitPython")
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and \
                (node.module or "").split(".")[0] == "git":
            found.append(f"{node.lineno}: imports GitPython")
        elif isinstance(node, (ast.List, ast.Tuple)) and node.elts and \
                isinstance(node.elts[0], ast.Constant) and node.elts[0].value == "git":
            found.append(f"{node.lineno}: runs git")
    return found


def test_only_the_git_package_starts_git():
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.relative_to(PACKAGE).parts[0] == "git":
            continue
        wrong += [f"{path.relative_to(PACKAGE.parent).as_posix()}:{where}"
                  for where in _starts_git(path)]
    assert not wrong, "\n".join(wrong)


def test_the_rules_catch_what_they_are_for(tmp_path):
    """The checks above would see a violation (they are not vacuous)."""
    bad = tmp_path / "bad.py"
    bad.write_text("import subprocess\nsubprocess.run(['git', 'status'])\nimport git\n")
    assert sorted(w.split(":")[0] for w in _starts_git(bad)) == ["2", "3"]
