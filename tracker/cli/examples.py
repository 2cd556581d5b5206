"""The examples that end each command's `--help`: one table, in one place.

`app.TrackerGroup` adds them as the command's epilog when it loads the command (and
to each subcommand of a group, by its full name: "report site"). A command missing
here simply has no examples; tests/test_cli_terminal.py holds every command to some.
"""

from __future__ import annotations

EXAMPLES: dict[str, list[tuple[str, str]]] = {
    "new": [("tracker new issue 'Fix the login page'", "create an issue, print its id"),
            ("tracker new issue 'Crash on save' --set priority=high", "with a field set"),
            ("tracker new task 'Flyers' --body-file notes.md", "the body from a file")],
    "show": [("tracker show issue-k3x9", "one item (any unique prefix of its id)"),
             ("tracker show issue-k3x9 --at 2026-03-01", "as it was on a date"),
             ("tracker show issue-k3x9 --format json", "as JSON")],
    "list": [("tracker list issue --where \"status != 'done'\"", "the open issues"),
             ("tracker list --sort -priority --limit 10", "the ten most urgent items"),
             ("tracker list issue --format csv > issues.csv", "as a spreadsheet")],
    "set": [("tracker set issue-k3x9 priority=high", "says: priority: normal → high"),
            ("tracker set issue-k3x9 --unset assignee", "remove a field"),
            ("tracker set issue-k3x9 labels='[ui, login]'", "a list")],
    "move": [("tracker move issue-k3x9 in-progress", "along the workflow"),
             ("tracker move issue-k3x9 done --force", "a move the workflow does not list")],
    "edit": [("tracker edit issue-k3x9", "in $VISUAL or $EDITOR"),
             ("EDITOR=nano tracker edit issue-k3x9", "with another editor")],
    "init": [("tracker init", "a tracker in the current folder"),
             ("tracker init --template campaign", "the campaign's kinds")],
    "check": [("tracker check", "every item against its kind"),
              ("tracker check --format json", "the problems as JSON")],
    "demo": [("tracker demo --out /tmp/demo", "the campaign demo, with its site"),
             ("tracker demo --template default --out /tmp/issues", "a small issue tracker")],
    "shard": [("tracker shard bureau 2", "bureaux/k3/bureau-k3x9.md"),
              ("tracker shard bureau 0", "back into one folder")],
    "log": [("tracker log issue-k3x9", "one item's field-level history"),
            ("tracker log --since 2026-03-01", "every change since a date"),
            ("tracker --no-pager log | grep status", "without the pager"),
            ("tracker log --federation 93:ses-k3x9", "a federation member's item")],
    "blame": [("tracker blame issue-k3x9", "who set each field, and when"),
              ("tracker blame issue-k3x9 --format json", "as JSON"),
              ("tracker blame --federation 93:ses-k3x9", "a federation member's item")],
    "diff": [("tracker diff", "the work tree against HEAD"),
             ("tracker diff main...feature --format md", "a branch, for a review"),
             ("tracker diff --federation 2026-03-01", "every member since a date")],
    "merge-driver": [("git config merge.tracker.driver 'tracker merge-driver %O %A %B %P'",
                      "what tracker init sets up")],
    "sync": [("tracker sync", "fetch the upstream, merge, push"),
             ("tracker sync origin --branch main", "a given remote and branch")],
    "report": [("tracker report --list", "the reports available"),
               ("tracker report summary --out summary.md", "one report"),
               ("tracker report site --out site", "the static site")],
    "target": [("tracker target --top 20", "the 20 bureaux to canvass first"),
               ("tracker target --top 40 --assign A,B", "assigned to two teams")],
    "export": [("tracker export csv --out items.csv", "lists as `a; b` cells"),
               ("tracker export json --kind issue", "one kind as JSON"),
               ("tracker export json --federation --out all.json", "every member's items")],
    "export csv": [("tracker export csv --out items.csv", "lists as `a; b` cells"),
                   ("tracker export csv --lists json", "lists as JSON, as before")],
    "import": [("tracker import communes communes.csv", "the communes of France"),
               ("tracker import csv people.csv --kind person --dry-run", "judge, write nothing")],
    "serve": [("tracker serve", "the web pages and API on http://127.0.0.1:8000"),
              ("tracker serve --port 9000", "on another port")],
    "user": [("tracker user add alice --role coordinator", "an account"),
             ("tracker user list", "the accounts")],
    "mcp": [("tracker mcp", "the MCP server on stdio, for an agent")],
    "ready": [("tracker ready", "what can be started now, most urgent first"),
              ("tracker ready issue --claim", "take the first one"),
              ("tracker ready --where \"priority == 'high'\" --format ids", "their ids")],
    "blocked": [("tracker blocked", "what waits, and for what"),
                ("tracker blocked issue --format json", "as JSON")],
    "graph": [("tracker graph issue-k3x9", "what it waits for, what waits for it"),
              ("tracker graph issue --format mermaid", "a kind's graph for Markdown")],
    "claim": [("tracker claim issue-k3x9", "assign it to yourself and start it"),
              ("tracker claim issue-k3x9 --as ana --sync", "for ana, first on the remote")],
    "release": [("tracker release issue-k3x9", "give it back")],
    "campaign": [("tracker campaign effect", "the effect of the canvassing on turnout")],
    "campaign effect": [("tracker campaign effect", "on turnout, the last round"),
                        ("tracker campaign effect --candidate 'Ana Martin'",
                         "on a candidate's share of the votes")],
    "federation": [("tracker federation add paris ../paris-tracker", "a member repository"),
                   ("tracker federation sync", "fetch every member"),
                   ("tracker list bureau --federation", "the items of every member")],
    "federation add": [("tracker federation add paris ../paris-tracker", "a path"),
                       ("tracker federation add lyon https://git.example.org/lyon.git",
                        "a git URL")],
    "federation remove": [("tracker federation remove paris", "drop a member, one commit"),
                          ("tracker federation remove paris --no-commit", "leave it to commit")],
    "federation sync": [("tracker federation sync", "fetch every member"),
                        ("tracker federation sync paris", "only one")],
    "federation status": [("tracker federation status", "each member, its commit, its items"),
                          ("tracker federation status --format json", "as JSON")],
    "completion": [('eval "$(tracker completion bash)"', "in ~/.bashrc"),
                   ('eval "$(tracker completion zsh)"', "in ~/.zshrc"),
                   ("tracker completion fish > ~/.config/fish/completions/tracker.fish",
                    "fish")],
}


def epilog(name: str) -> str | None:
    """The examples of the command `name` ("report site" for a subcommand) as an epilog
    that click prints as it is (`\\b`: no rewrapping)."""
    rows = EXAMPLES.get(name)
    if not rows:
        return None
    width = max(len(command) for command, _ in rows)
    lines = [f"  {command.ljust(width)}  # {what}" if width <= 48 else f"  {command}  # {what}"
             for command, what in rows]
    return "\b\nExamples:\n" + "\n".join(lines)
