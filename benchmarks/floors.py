"""Floors: the least work an operation needs, run in a fresh Python like the tracker is.

    python floors.py parse FOLDER...   read every *.md and parse its front matter (C loader)
    python floors.py show FILE         read one file and parse its front matter
    python floors.py commit FILE       rewrite one file and commit it with `git commit`

Imports are kept to what each floor needs, so the interpreter's start-up is all the
overhead there is beyond the work itself.
"""

from __future__ import annotations

import os
import sys


def front_matter(text: str) -> object:
    """The parsed front matter: the YAML between the first two `---` lines."""
    import yaml

    _, _, rest = text.partition("---\n")
    head, _, _ = rest.partition("\n---\n")
    return yaml.load(head, Loader=yaml.CSafeLoader)


def parse(folders: list[str]) -> int:
    """Read and parse every item file; return how many were parsed."""
    count = 0
    for folder in folders:
        for entry in sorted(os.scandir(folder), key=lambda e: e.name):
            if entry.name.endswith(".md"):
                with open(entry.path, encoding="utf-8") as handle:
                    front_matter(handle.read())
                count += 1
    return count


def show(path: str) -> None:
    with open(path, encoding="utf-8") as handle:
        front_matter(handle.read())


def commit(path: str) -> None:
    """Append to a file and commit exactly it, as `set` or `new` must at least do."""
    import subprocess

    with open(path, "a", encoding="utf-8") as handle:
        handle.write(".\n")
    folder, name = os.path.split(os.path.abspath(path))
    subprocess.run(["git", "add", "--", name], cwd=folder, check=True)
    subprocess.run(["git", "commit", "-q", "-m", f"floor {name}", "--", name], cwd=folder,
                   check=True)


def main(argv: list[str]) -> None:
    command, args = argv[0], argv[1:]
    if command == "parse":
        print(parse(args))
    elif command == "show":
        show(args[0])
    elif command == "commit":
        commit(args[0])
    else:
        sys.exit(f"unknown floor '{command}'")


if __name__ == "__main__":
    main(sys.argv[1:])
