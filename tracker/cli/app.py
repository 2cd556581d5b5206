"""The command line: the only click user. Each command parses, calls the library, formats.

Errors: a `TrackerError` becomes one line `Error: …` on stderr with its exit code (1 for
a refused request or problems found, 2 for usage). Any other exception is a bug and
shows its traceback.
"""

from __future__ import annotations

import importlib

import click

from tracker import __version__
from tracker.model.errors import TrackerError, one_line

# Each command's module, imported only when that command runs: `tracker --version` and
# the merge driver start without loading every command (and what they import).
COMMAND_MODULES = {
    "new": "items", "show": "items", "list": "items", "set": "items", "move": "items",
    "edit": "items", "init": "project", "check": "project", "demo": "project",
    "shard": "project",
    "log": "history", "blame": "history", "diff": "history", "merge-driver": "merge",
    "sync": "merge", "report": "report", "target": "campaign", "export": "exports",
    "import": "imports",
}


class TrackerGroup(click.Group):
    """A group that loads commands lazily and turns expected errors into one line."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMAND_MODULES)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        module_name = COMMAND_MODULES.get(name)
        if module_name is None:
            return None
        module = importlib.import_module(f"tracker.cli.{module_name}")
        return next((c for c in module.COMMANDS if c.name == name), None)

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except TrackerError as e:
            click.echo(f"Error: {one_line(str(e))}", err=True)
            ctx.exit(e.exit_code)
        except BrokenPipeError:  # `tracker log | head`: the reader has all it wanted
            _quiet_stdout()
            ctx.exit(141)  # what a shell reports for a command ended by SIGPIPE, as git
        except OSError as e:
            if e.errno is None:
                raise
            where = f": {e.filename}" if e.filename else ""
            click.echo(f"Error: {e.strerror}{where}", err=True)
            ctx.exit(1)
        return None


def _quiet_stdout() -> None:
    """Point stdout at /dev/null, so that Python's final flush raises nothing more."""
    import os  # noqa: PLC0415
    import sys  # noqa: PLC0415

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


@click.group(cls=TrackerGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="tracker")
@click.option("-C", "directory", metavar="DIR", type=click.Path(file_okay=False),
              help="Run as if tracker was started in DIR.")
@click.pass_context
def cli(ctx: click.Context, directory: str | None) -> None:
    """A git-native plain-text tracker: items are Markdown files with YAML front matter."""
    ctx.obj = {"dir": directory}


def main() -> None:
    cli(prog_name="tracker")


