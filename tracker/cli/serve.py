"""Server commands: serve, user (add, list, remove, reset).

starlette and uvicorn are imported inside `serve` only (tracker.serve.run): no other
command loads them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from tracker.cli import output
from tracker.cli.common import completer, format_option, tracker

if TYPE_CHECKING:
    from tracker.serve.accounts import Accounts

USERS_HELP = "The accounts file (default: .git/tracker-serve/users.json; never committed)."


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (loopback by default; put https in front of "
              "anything else, see docs/serve.md).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to listen on (0: a free one, printed on stderr).")
@click.option("--sync", "sync_seconds", type=click.FloatRange(min=1), metavar="SECONDS",
              help="Run `tracker sync` every SECONDS, so the server is one clone among others.")
@click.option("--users", type=click.Path(dir_okay=False, path_type=Path), help=USERS_HELP)
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, sync_seconds: float | None,
          users: Path | None) -> None:
    """Serve this tracker over HTTP: the JSON API and the pages (docs/serve.md)."""
    from tracker.serve.run import serve as run  # noqa: PLC0415 - the ASGI stack, here only

    t = tracker(ctx)
    run(t.root, t.private_dir(), host, port, sync_seconds, users, reporting=Reporting())


class Reporting:
    """The reports and the site for the server's pages (`tracker.serve.views`), which
    does not import `tracker.reports`: the same rendering as `tracker report`."""

    def names(self, t: Any) -> list[tuple[str, str]]:
        from tracker.reports import render  # noqa: PLC0415

        return [(r.name, r.description) for r in render.list_reports(t) if r.name != "site"]

    def html(self, t: Any, name: str) -> str:
        from tracker.campaign.reports import template_helpers  # noqa: PLC0415
        from tracker.reports import render  # noqa: PLC0415

        report = render.find_report(t, name)
        if "html" in report.formats:
            return str(render.render_report(t, name, "html", extra={"root": "/site/"},
                                            helpers=[template_helpers]))
        text = render.render_report(t, name, "md", helpers=[template_helpers])
        return str(render.render_markdown(text))

    def site(self, t: Any, folder: Path) -> None:
        from tracker.campaign.reports import template_helpers  # noqa: PLC0415
        from tracker.reports.site import build_site  # noqa: PLC0415

        build_site(t, folder, helpers=[template_helpers])

    def site_scripts(self) -> str:
        from tracker.reports.render import script_context  # noqa: PLC0415

        scripts = script_context()
        return f"'sha256-{scripts['sort_script_hash']}' 'sha256-{scripts['search_script_hash']}'"


@click.group()
def user() -> None:
    """Manage the accounts of `tracker serve`."""


def _accounts(ctx: click.Context, users: Path | None) -> Accounts:
    from tracker.serve.accounts import DEFAULT_FILE, Accounts  # noqa: PLC0415

    return Accounts(users or tracker(ctx).private_dir() / DEFAULT_FILE)


def users_option(f: click.decorators.FC) -> click.decorators.FC:
    return click.option("--users", type=click.Path(dir_okay=False, path_type=Path),
                        help=USERS_HELP)(f)


@user.command("add")
@click.argument("login")
@click.option("--role", required=True,
              type=click.Choice(["viewer", "reporter", "coordinator", "admin"]),
              help="What the account may do (docs/serve.md).")
@click.option("--team", metavar="ID", shell_complete=completer("ids"),
              help="The team (item id) a reporter reports for.")
@click.option("--name", help="The name shown, and the commits' author name.")
@click.option("--email", help="The commits' author email.")
@users_option
@click.pass_context
def user_add(ctx: click.Context, login: str, role: str, team: str | None, name: str | None,
             email: str | None, users: Path | None) -> None:
    """Add an account; its secret is printed once, as the last line."""
    secret = _accounts(ctx, users).add(login, role, team, name, email)
    click.echo(f"Added {login} ({role}). Its secret, shown only now "
               "(Authorization: Bearer SECRET, or the login form):")
    click.echo(secret)


@user.command("list")
@users_option
@format_option("table", "json")
@click.pass_context
def user_list(ctx: click.Context, users: Path | None, fmt: str) -> None:
    """List the accounts (never their secrets)."""
    rows = [a.public() for a in _accounts(ctx, users).all()]
    if fmt == "json":
        click.echo(output.dumps(rows))
        return
    click.echo(output.table(["login", "role", "team", "name", "email"], rows), nl=False)


@user.command("remove")
@click.argument("login")
@users_option
@click.pass_context
def user_remove(ctx: click.Context, login: str, users: Path | None) -> None:
    """Remove an account: its secret and sessions stop working at once."""
    _accounts(ctx, users).remove(login)
    click.echo(f"Removed {login}.")


@user.command("reset")
@click.argument("login")
@users_option
@click.pass_context
def user_reset(ctx: click.Context, login: str, users: Path | None) -> None:
    """Give an account a new secret (printed once, as the last line); the old one stops."""
    secret = _accounts(ctx, users).reset(login)
    click.echo(f"New secret for {login}, shown only now:")
    click.echo(secret)


COMMANDS = [serve, user]
