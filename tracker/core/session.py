"""`Session`: what every core function works on, for one command: the workspace found
on disk, the derived values cached while the command runs, and the notices gathered
for the user.

`tracker.api.Tracker` is a Session with the public methods; core functions take a
Session, so that a Tracker can be handed to any of them as it is. Importing this module
loads nothing more (api imports it, and the merge driver imports api).
"""

from __future__ import annotations

import os
from pathlib import Path

TYPE_CHECKING = False  # typing is not imported at run time (start-up)
if TYPE_CHECKING:
    from typing import Any

    from tracker.core.derive import Derived
    from tracker.model.schema import Kind


class Session:
    """A tracker found at or above `start` (default: the current folder)."""

    def __init__(self, start: Path | str | None = None) -> None:
        from tracker.store.workspace import Workspace  # noqa: PLC0415 - see the docstring

        self.ws = Workspace.find(Path(start or os.getcwd()))
        self._derived: Derived | None = None
        self.notices: list[str] = []  # things the CLI should tell the user (on stderr)
        # (field, old, new) of the last set or move that wrote (None: absent), for the CLI
        self.changes: list[tuple[str, Any, Any]] = []
        self.author: str | None = None  # "Name <email>" of the commits (a server's account)

    @property
    def root(self) -> Path:
        return self.ws.root

    @property
    def kinds(self) -> dict[str, Kind]:
        return self.ws.kinds

    @property
    def auto_commit(self) -> bool:
        policy = self.ws.config.get("commit", "auto")
        return policy not in (False, "off") and self.ws.top is not None  # YAML reads off as false

    @property
    def derived(self) -> Derived:
        """Rollups, computed fields and rules, cached for this session's lifetime."""
        if self._derived is None:
            from tracker.core.derive import Derived  # noqa: PLC0415

            self._derived = Derived(self)
        return self._derived
