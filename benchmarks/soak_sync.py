"""The full sync soak: 8 clones, 25 rounds of random edits, syncing in parallel.

    python benchmarks/soak_sync.py [--clones 8] [--rounds 25] [--seed 1] [--keep]

Every clone of one bare repository makes random edits through the installed `tracker`
(scalar fields, tag additions, new items) and by hand (its own body line), then runs
`tracker sync`, all clones at once each round. Prints edits, syncs, retries, conflicts
and lost (must be 0); exits 1 when anything was lost, a conflict was not a true
same-field one, or the clones did not converge. Runs with a private git config and
identity, in a temp folder (kept with --keep). The logic lives in tests/soak.py, which
the test suite runs in a short version.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.soak import soak  # noqa: E402


def private_git(home: Path) -> None:
    """A private HOME and global git config, so the user's own settings play no part.

    No automatic gc: it runs detached and would still be writing when the folder is removed.
    """
    config = home / ".gitconfig"
    config.write_text("[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n"
                      "[user]\n\tname = Soak\n\temail = soak@example.org\n"
                      "[gc]\n\tauto = 0\n", encoding="utf-8")
    os.environ.update(HOME=str(home), GIT_CONFIG_GLOBAL=str(config), GIT_CONFIG_NOSYSTEM="1",
                      EDITOR="false", VISUAL="false")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clones", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=25)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="Keep the repositories.")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="tracker-soak-"))
    (folder / "home").mkdir()
    private_git(folder / "home")
    figures = soak(folder / "work", args.clones, args.rounds, args.seed)
    print(f"soak: {figures.clones} clones x {figures.rounds} rounds, seed {args.seed}")
    for name in ("edits", "new_items", "syncs", "retries", "gave_up", "conflicts",
                 "false_conflicts", "lost", "converged", "check_ok", "seconds"):
        print(f"  {name:16} {getattr(figures, name)}")
    for error in figures.errors:
        print(f"  problem: {error}")
    if args.keep:
        print(f"  repositories in {folder}")
    else:
        shutil.rmtree(folder, ignore_errors=True)
    ok = (figures.lost == 0 and figures.false_conflicts == 0 and figures.converged
          and figures.check_ok and not figures.errors)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
