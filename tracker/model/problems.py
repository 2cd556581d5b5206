"""`Problem`: one thing `check` found wrong in an item, located as precisely as known.

Every layer reports through it: the store's unreadable files, the core's broken rules
and references, the history's old versions, the CLI's `check` output and the reports.
"""

from __future__ import annotations

from tracker.model.record import record

TYPE_CHECKING = False  # typing is not imported at run time (start-up)
if TYPE_CHECKING:
    from typing import Any

    from tracker.model.errors import InvalidItem


@record(frozen=True)
class Problem:
    """One thing `check` found wrong, located as precisely as known: an error, or a
    warning (a rule with `severity: warning`: listed, but no failure and no refusal)."""

    path: str
    line: int | None
    field: str | None
    message: str
    severity: str = "error"

    @property
    def warning(self) -> bool:
        return self.severity == "warning"

    @classmethod
    def of(cls, error: InvalidItem) -> "Problem":
        return cls(error.path, error.line, error.field, error.reason)

    def as_dict(self) -> dict[str, Any]:
        """As JSON: path, line, field, message, and `"severity": "warning"` on a warning
        (an error has no `severity` key, as before warnings existed)."""
        found = {"path": self.path, "line": self.line, "field": self.field,
                 "message": self.message}
        if self.warning:
            found["severity"] = self.severity
        return found
