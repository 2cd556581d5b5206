"""The command line: the only click user. Each command parses, calls the library, formats.

Errors: a `TrackerError` becomes one line `Error: …` on stderr with its exit code (1 for
a refused request or problems found, 2 for usage). Any other exception is a bug and
shows its traceback.
"""

from __future__ import annotations

import click

from .. import __version__
from ..errors import TrackerError


class TrackerGroup(click.Group):
    """A group that turns expected errors into one line and an exit code."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except TrackerError as e:
            click.echo(f"Error: {e}", err=True)
            ctx.exit(e.exit_code)
        except OSError as e:
            if e.errno is None:
                raise
            where = f": {e.filename}" if e.filename else ""
            click.echo(f"Error: {e.strerror}{where}", err=True)
            ctx.exit(1)
        return None


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


def _register() -> None:
    from . import history, items, project  # noqa: PLC0415

    for module in (items, project, history):
        for command in module.COMMANDS:
            cli.add_command(command)


_register()
