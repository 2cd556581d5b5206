"""The click group: every command but the plain forms cli/fast.py answers, each command's
module loaded only when it runs.

Errors: what boundary.py answers (a `TrackerError` becomes one line `Error: …` on
stderr with its exit code); any other exception is a bug and shows its traceback.
"""

from __future__ import annotations

import importlib

import click

from tracker import __version__
from tracker.cli import boundary, terminal

# Each command's module, imported only when that command runs: `tracker --version` and
# the merge driver start without loading every command (and what they import).
COMMAND_MODULES = {
    "new": "items", "show": "items", "list": "items", "set": "items", "move": "items",
    "edit": "items", "init": "project", "check": "project", "demo": "project",
    "shard": "project",
    "log": "history", "blame": "history", "diff": "history", "merge-driver": "merge",
    "sync": "merge", "report": "report", "target": "campaign", "export": "exports",
    "campaign": "campaign", "import": "imports", "serve": "serve", "user": "serve", "mcp": "mcp",
    "ready": "deps", "blocked": "deps", "graph": "deps", "claim": "deps", "release": "deps",
    "federation": "federation", "completion": "completion",
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
        command = next((c for c in module.COMMANDS if c.name == name), None)
        if command is not None:
            _add_examples(command, name)
        return command

    def invoke(self, ctx: click.Context) -> object:
        as_json = boundary.wants_json([*getattr(ctx, "_protected_args", []), *ctx.args])
        try:
            return super().invoke(ctx)
        except boundary.EXPECTED as e:
            code = boundary.exit_code(
                e, lambda message: click.echo(terminal.error_line(message), err=True), as_json)
            if code is None:
                raise
            ctx.exit(code)
        except click.ClickException as e:
            if not as_json:
                raise
            click.echo(boundary.json_error(e.format_message()), err=True)
            ctx.exit(e.exit_code)
        return None


def _add_examples(command: click.Command, name: str) -> None:
    """The examples of cli/examples.py as the command's epilog (and its subcommands')."""
    from tracker.cli.examples import epilog  # noqa: PLC0415

    if command.epilog is None:
        command.epilog = epilog(name)
    for sub_name, sub in getattr(command, "commands", {}).items():
        _add_examples(sub, f"{name} {sub_name}")


@click.group(cls=TrackerGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="tracker")
@click.option("-C", "directory", metavar="DIR", type=click.Path(file_okay=False),
              help="Run as if tracker was started in DIR.")
@click.option("--no-color", "no_color", is_flag=True,
              help="No colour, even on a terminal (as NO_COLOR=1).")
@click.option("--no-pager", "no_pager", is_flag=True,
              help="Print long output as it is, without $TRACKER_PAGER, $PAGER or less.")
@click.option("--raw", "raw", is_flag=True,
              help="Tables show field names and slugs, not labels (as each command's --raw).")
@click.pass_context
def cli(ctx: click.Context, directory: str | None, no_color: bool, no_pager: bool,
        raw: bool) -> None:
    """A git-native plain-text tracker: items are Markdown files with YAML front matter."""
    ctx.obj = {"dir": directory, "raw": raw}
    terminal.SETTINGS.update(color=not no_color, pager=not no_pager)
    if no_color:
        ctx.color = False


def main() -> None:
    cli(prog_name="tracker")


