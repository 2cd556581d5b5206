"""Committing what a command wrote: refusing before anything is written when the
commit that follows would fail, and the commit itself (during a merge, the files are
staged for the commit that concludes it instead)."""

from __future__ import annotations

from tracker.git import repo as gitrepo
from tracker.model.errors import GitError

TYPE_CHECKING = False  # typing is not imported at run time (start-up)
if TYPE_CHECKING:
    from pathlib import Path

    from tracker.core.session import Session


def preflight(s: Session, commit: bool) -> None:
    """Refuse before writing anything when the commit that follows would fail."""
    if commit and s.auto_commit and s.ws.top is not None:
        blocker = gitrepo.commit_blocker(s.ws.top)
        if blocker:  # a lock a killed git left goes when no git runs here
            removed = gitrepo.clear_stale_locks(s.ws.top)
            if removed:
                s.ws.recovered.append(f"removed {', '.join(removed)}: left by a git that "
                                      "was killed (no git runs in this repository)")
                blocker = gitrepo.commit_blocker(s.ws.top)
        if blocker:
            raise GitError(blocker)


def commit_files(s: Session, wanted: bool, paths: list[Path], message: str,
                 new: bool = False) -> None:
    """Commit files just written, when asked and the config's policy allows."""
    if wanted and s.auto_commit and s.ws.top is not None:
        rel = [str(p.relative_to(s.ws.top)) for p in paths]
        try:
            if gitrepo.operation_in_progress(s.ws.top):
                gitrepo.stage(s.ws.top, rel)  # part of the commit that ends the merge
                s.notices.append(f"{', '.join(rel)}: staged for the commit that "
                                 "concludes the merge in progress (git commit)")
            else:
                gitrepo.commit(s.ws.top, rel, message, new=new, author=s.author)
        except GitError as e:
            raise GitError(f"{', '.join(rel)} not committed: {e}") from None
