"""Where the built-in templates are, in a source checkout and in an installed wheel.

The wheel carries `templates/` as `tracker/_templates` (pyproject's force-include); a
source checkout or an editable install reads `templates/` beside the package.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parents[1]


def templates_dir() -> Path:
    for candidate in (_PACKAGE / "_templates", _PACKAGE.parent / "templates"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("the built-in templates are missing from this installation")


def project_templates() -> list[str]:
    return sorted(p.name for p in (templates_dir() / "projects").iterdir() if p.is_dir())
